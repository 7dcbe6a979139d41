"""Validation figures: Bland-Altman agreement and contact timelines, and ``validate --plots``."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.collections import LineCollection
from matplotlib.image import imread

from backstride.cli import main
from backstride.validation.metrics import limits_of_agreement, match_contacts
from backstride.validation.plots import (
    EXTRA,
    MISSED,
    bland_altman_figure,
    timeline_figure,
    validation_figures,
)
from backstride.validation.runner import RecordingResult, run_validation

from messages import assert_one_sentence

ROOT = Path(__file__).resolve().parents[1]
HA_001 = ROOT / "data" / "mobilised-lab" / "HA-001"


def test_limits_of_agreement_known_answer() -> None:
    # differences 1, 2, 3, 6: mean 3, sample SD sqrt(14/3)
    agreement = limits_of_agreement([11, 12, 13, 16], [10, 10, 10, 10])
    sd = np.sqrt(14 / 3)
    assert agreement.n == 4
    assert agreement.bias == pytest.approx(3.0)
    assert agreement.lower == pytest.approx(3.0 - 1.96 * sd)
    assert agreement.upper == pytest.approx(3.0 + 1.96 * sd)


def test_limits_of_agreement_need_two_pairs() -> None:
    one = limits_of_agreement([1.2], [1.0])
    assert one.bias == pytest.approx(0.2)
    assert np.isnan(one.lower) and np.isnan(one.upper)
    assert limits_of_agreement([], []).n == 0


def test_bland_altman_plots_each_pair_at_its_mean_and_difference() -> None:
    det, ref = [1.1, 0.9, 1.3], [1.0, 1.0, 1.0]
    ax = bland_altman_figure(det, ref, "stride length (m)", "test").axes[0]
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(points[:, 0], [1.05, 0.95, 1.15])
    np.testing.assert_allclose(points[:, 1], [0.1, -0.1, 0.3])
    bias_lines = [line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert pytest.approx(0.1) in bias_lines


@pytest.mark.parametrize(
    ("difference", "shown"),
    [(0.07, "bias +0.0700"), (0.0527, "bias +0.0527"), (-123.4, "bias -123")],
)
def test_bland_altman_bias_has_three_significant_digits(difference: float, shown: str) -> None:
    fig = bland_altman_figure([1.0 + difference, 2.0 + difference], [1.0, 2.0], "x", "test")
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert shown in labels


def _drawn(ax: object, colour: str) -> int:
    """Number of contact ticks drawn in ``colour``."""
    from matplotlib.colors import to_rgba

    return sum(
        len(c.get_segments())
        for c in ax.collections  # type: ignore[attr-defined]
        if isinstance(c, LineCollection)
        and len(c.get_segments())
        and np.allclose(c.get_colors()[0], to_rgba(colour))
    )


def test_timeline_marks_exactly_the_missed_and_extra_contacts() -> None:
    det = (1.0, 2.0, 3.02, 5.0)
    ref = (1.05, 3.0, 4.0)
    result = RecordingResult(
        dataset="demo",
        name="r",
        contacts=match_contacts(det, ref),
        detected_contacts_s=det,
        reference_contacts_s=ref,
        detected_bouts=((1.0, 5.0),),
        reference_bouts=((1.05, 4.0),),
    )
    ax = timeline_figure(result).axes[0]
    assert _drawn(ax, EXTRA) == 2  # 2.0 and 5.0
    assert _drawn(ax, MISSED) == 1  # 4.0


def test_figures_of_a_real_validation_run() -> None:
    report = run_validation(HA_001)
    figures = validation_figures(report)
    # each for the INDIP reference and for the motion capture inside its volume
    assert sorted(figures) == sorted(
        [
            f"{kind}-{dataset}-{what}.png"
            for dataset in ("mobilised", "mobilised-stereo")
            for kind, what in (
                ("bland-altman", "cadence"),
                ("bland-altman", "stride-length"),
                ("bland-altman", "walking-speed"),
                ("timeline", "HA-001_Test11-Trial1"),
                ("timeline", "HA-001_Test5-Trial1"),
                ("timeline", "HA-001_Test5-Trial2"),
            )
        ]
        + ["contacts-by-place-mobilised.png", "contacts-by-place-mobilised-stereo.png"]
    )
    for image in figures.values():
        pixels = imread(io.BytesIO(image), format="png")
        assert pixels.shape[0] >= 250 and pixels.shape[1] >= 590
        assert pixels[..., :3].std() > 0.05  # not blank
    # the Bland-Altman cloud holds one point per matched reference bout
    indip = [r for r in report.results if r.dataset == "mobilised"]
    n_matched = sum(r.n_matched_bouts for r in indip)
    det = [d for r in indip for m, d, _ in r.bout_values if m == "cadence_spm"]
    ref = [v for r in indip for m, _, v in r.bout_values if m == "cadence_spm"]
    ax = bland_altman_figure(det, ref, "cadence", "t").axes[0]
    assert len(ax.collections[0].get_offsets()) == n_matched == 8
    # walking time is not compared against the motion capture, and the title says so
    for r in report.results:
        title = timeline_figure(r).axes[0].get_title()
        assert ("not compared" in title) == (r.dataset == "mobilised-stereo"), title


def test_validate_writes_the_plots(tmp_path: Path) -> None:
    out = tmp_path / "figures"
    result = CliRunner().invoke(main, ["validate", str(HA_001), "--plots", str(out)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 14  # 7 against INDIP, 7 against the motion capture
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in out.iterdir())
    assert "wrote 14 figures" in result.output


def test_validate_refuses_a_file_as_the_plots_folder(tmp_path: Path) -> None:
    target = tmp_path / "plots.png"
    target.write_bytes(b"keep me")
    result = CliRunner().invoke(main, ["validate", str(HA_001), "--plots", str(target)])
    assert result.exit_code == 2
    message = result.output.strip()
    assert message.startswith("error:") and "is a file" in message
    assert_one_sentence(message.removeprefix("error:").strip())
    assert target.read_bytes() == b"keep me"


def test_the_json_report_has_the_limits_of_agreement(tmp_path: Path) -> None:
    import json

    out = tmp_path / "v.json"
    result = CliRunner().invoke(main, ["validate", str(HA_001), "--json", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    loa = doc["limits_of_agreement"]["mobilised"]["stride_length_m"]
    values = [
        v
        for r in doc["recordings"]
        if r["dataset"] == "mobilised"
        for v in r["matched_bout_values"]
        if v["measure"] == "stride_length_m"
    ]
    differences = [v["detected"] - v["reference"] for v in values]
    assert loa["n"] == len(values) == 8
    assert loa["bias"] == pytest.approx(float(np.mean(differences)))
    half_width = 1.96 * float(np.std(differences, ddof=1))
    assert loa["upper"] - loa["bias"] == pytest.approx(half_width)
    # absolute errors in the table are the same pairs
    pooled_abs = doc["pooled"]["mobilised"]["stride_length_mae_m"]
    assert pooled_abs == pytest.approx(float(np.mean(np.abs(differences))))


def test_phone_step_totals_are_drawn_one_bar_per_carry_position() -> None:
    from backstride.validation.plots import step_totals_figure

    report = run_validation(ROOT / "data" / "oxford-phone-steps")
    fig = step_totals_figure(report.results, "phone")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_height() == pytest.approx(0.6)]
    assert len(bars) == len(report.results) == 6
    drawn = sorted(round(b.get_width(), 6) for b in bars)
    expected = sorted(round(100 * r.steps_rel_error, 6) for r in report.results)
    assert drawn == expected
    assert "step-totals-phone.png" in validation_figures(report)


def test_contacts_by_place_are_drawn_as_counted() -> None:
    """Bars of found, missed and extra contacts equal the report's counts, place by place."""
    from backstride.validation.plots import places_figure

    report = run_validation(HA_001)
    places = report.places("mobilised")
    left, right = places_figure(report, "mobilised").axes
    n = len(places)
    assert len(left.patches) == n and len(right.patches) == 2 * n  # found, then missed
    extra = [b.get_width() for b in left.patches]
    found = [b.get_width() for b in right.patches[:n]]
    missed = [b.get_width() for b in right.patches[n:]]
    assert found == [c.found for c in places.values()]
    assert missed == [c.reference - c.found for c in places.values()]
    assert extra == [c.extra for c in places.values()]
    assert places["outside"].extra > 0  # INDIP leaves out walks the trunk shows


def test_timeline_shades_the_reference_turns_and_backstrides() -> None:
    from matplotlib.colors import to_rgba

    from backstride.validation.plots import TURN

    report = run_validation(HA_001)
    (daily,) = [r for r in report.results if r.dataset == "mobilised" and "Test11" in r.name]
    assert len(daily.turns_s) >= 2 and len(daily.detected_turns_s) >= 2
    ax = timeline_figure(daily).axes[0]
    shaded = [p for p in ax.patches if p.get_facecolor() == to_rgba(TURN)]
    # each in its own row's half of the axes (in axes coordinates, y 0-0.5 is BackStride's)
    upper = [p for p in shaded if p.get_y() >= 0.5]
    lower = [p for p in shaded if p.get_y() < 0.5]
    assert sorted(round(p.get_x(), 6) for p in upper) == sorted(
        round(a, 6) for a, _ in daily.turns_s
    )
    assert sorted(round(p.get_x(), 6) for p in lower) == sorted(
        round(a, 6) for a, _ in daily.detected_turns_s
    )
