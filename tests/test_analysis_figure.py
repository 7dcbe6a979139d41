"""The overview figure of an analysis: what it draws is what was measured."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.image import imread

from backstride.cli import main
from backstride.gait.pipeline import MODERATE_SPM, VIGOROUS_SPM, WalkingAnalysis, analyze
from backstride.io import read_recordings
from backstride.report.analysis_figure import NOT_WORN, analysis_figure, analysis_png

ROOT = Path(__file__).resolve().parents[1]
MAT = ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat"


@pytest.fixture(scope="module")
def daily_life() -> WalkingAnalysis:
    return analyze(read_recordings(MAT)[2])  # the 2.3-min simulated daily life, 8 bouts


def _points_by_label(fig_ax: object) -> dict[str, np.ndarray]:
    out = {}
    for coll in fig_ax.collections:  # type: ignore[attr-defined]
        if isinstance(coll, PathCollection):
            out[coll.get_label()] = np.asarray(coll.get_offsets())
    return out


def test_every_walking_second_is_drawn_in_its_intensity_colour(
    daily_life: WalkingAnalysis,
) -> None:
    fig = analysis_figure(daily_life)
    top = fig.axes[0]
    points = _points_by_label(top)
    cad = daily_life.per_second["cadence_spm"].to_numpy()
    assert sum(p.shape[0] for p in points.values()) == cad.size > 30
    light, moderate, vigorous = points.values()
    assert light.shape[0] == int((cad < MODERATE_SPM).sum())
    assert moderate.shape[0] == int(((cad >= MODERATE_SPM) & (cad < VIGOROUS_SPM)).sum())
    assert vigorous.shape[0] == int((cad >= VIGOROUS_SPM).sum())
    assert (moderate[:, 1] >= MODERATE_SPM).all() and (light[:, 1] < MODERATE_SPM).all()
    # the bouts strip has one bar per bout, at the bout's start and of its duration
    (strip,) = [c for c in top.collections if c.get_label() == "walking bout"]
    xs = sorted(round(p.vertices[:, 0].min(), 6) for p in strip.get_paths())
    np.testing.assert_allclose(xs, daily_life.bouts["start_s"].to_numpy(), atol=1e-6)


def test_each_turn_is_marked_above_the_bouts(daily_life: WalkingAnalysis) -> None:
    top = analysis_figure(daily_life).axes[0]
    (marks,) = [line for line in top.lines if line.get_label() == "turn >= 45 deg"]
    turns = daily_life.turns
    middle = (turns["start_s"] + turns["end_s"]).to_numpy() / 2
    assert len(turns) > 5  # the simulated daily life turns between its walks
    np.testing.assert_allclose(marks.get_xdata(), middle)
    assert f", {len(turns)} turns; " in top.get_title()
    # without a gyroscope nothing is marked and the title does not count turns
    blind = analyze(replace(read_recordings(MAT)[2], gyr=None))
    top = analysis_figure(blind).axes[0]
    assert not [line for line in top.lines if line.get_label() == "turn >= 45 deg"]
    assert "turn" not in top.get_title()


def test_a_short_recording_shows_cumulative_minutes(daily_life: WalkingAnalysis) -> None:
    bottom = analysis_figure(daily_life).axes[1]
    walking, moderate = bottom.get_lines()[:2]
    n_sec = len(daily_life.per_second)
    assert walking.get_ydata()[-1] == pytest.approx(n_sec / 60)
    n_mod = int((daily_life.per_second["cadence_spm"] >= MODERATE_SPM).sum())
    assert moderate.get_ydata()[-1] == pytest.approx(n_mod / 60)


def test_several_days_show_one_bar_per_day(daily_life: WalkingAnalysis) -> None:
    days = daily_life.days.copy()
    second = days.iloc[0].copy()
    second["day"] = (dt.date.fromisoformat(str(second["day"])) + dt.timedelta(days=1)).isoformat()
    second["walking_s"] = 2 * float(second["walking_s"])
    two = replace(daily_life, days=pd.concat([days, second.to_frame().T], ignore_index=True))
    bottom = analysis_figure(two).axes[1]
    heights = [p.get_height() for p in bottom.patches]
    assert len(heights) == 3 * 2  # walking, moderate and vigorous per day
    walked = sorted(heights)[-2:]
    assert walked == pytest.approx(
        [float(days.iloc[0]["walking_s"]) / 60, 2 * float(days.iloc[0]["walking_s"]) / 60]
    )


def test_the_png_is_a_real_image(daily_life: WalkingAnalysis) -> None:
    png = analysis_png(daily_life, dpi=50)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(io.BytesIO(png))
    assert image.shape[0] > 200 and image.shape[1] > 300
    assert image[..., :3].std() > 0.05  # not a blank canvas


def test_analyze_out_dir_writes_one_overview_per_recording(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["analyze", str(MAT), "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == [
        "overview-Test11-Trial1.png",
        "overview-Test5-Trial1.png",
        "overview-Test5-Trial2.png",
    ]
    assert not list(out.glob(".*.tmp"))


def test_the_title_counts_the_bouts_in_words(daily_life: WalkingAnalysis) -> None:
    assert analysis_figure(daily_life).axes[0].get_title().startswith("8 walking bouts, ")
    first = daily_life.bouts["bout_id"] == 0
    one = replace(
        daily_life,
        bouts=daily_life.bouts[first],
        summary={**daily_life.summary, "n_bouts": 1},
    )
    assert analysis_figure(one).axes[0].get_title().startswith("1 walking bout, ")


def test_hours_not_worn_are_shaded_and_mark_their_day(daily_life: WalkingAnalysis) -> None:
    """The spans when the sensor lay still are shaded where they are; a whole day recorded
    but worn for part of it is starred as partly worn."""
    off = pd.DataFrame({"start_s": [20.0, 60.0], "end_s": [50.0, 70.0]})
    top = analysis_figure(replace(daily_life, non_wear=off)).axes[0]
    shaded = [p for p in top.patches if p.get_facecolor() == to_rgba(NOT_WORN)]
    to_data = top.transData.inverted()
    x = [to_data.transform(p.get_verts())[:, 0] for p in shaded]  # a Polygon or a Rectangle
    extents = sorted((round(float(v.min()), 6), round(float(v.max()), 6)) for v in x)
    assert extents == [(20.0, 50.0), (60.0, 70.0)]
    assert "not worn" in [t.get_text() for t in top.get_legend().get_texts()]
    unshaded = analysis_figure(daily_life).axes[0]
    assert not [p for p in unshaded.patches if p.get_label() == "not worn"]
    # two whole days, the second worn for 12 of its 24 hours
    days = pd.concat([daily_life.days] * 2, ignore_index=True)
    days["day"] = ["2024-06-03", "2024-06-04"]
    days["recorded_s"], days["worn_s"] = 86400.0, [86400.0, 43200.0]
    bottom = analysis_figure(replace(daily_life, days=days)).axes[1]
    labels = [t.get_text() for t in bottom.get_xticklabels()]
    assert labels == ["2024-06-03", "2024-06-04*"]
