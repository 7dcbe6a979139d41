"""Agreement with scikit-digital-health's gait module on its own lumbar test recordings.

scikit-digital-health (SKDH, Adamowicz et al. 2022, Pfizer, MIT) ships two lower-back
accelerometer recordings with its gait tests (``data/skdh-gait``): ``gait_input.npz``, 86 s
at about 196 Hz with a jittering clock, and ``gait_input2.npz``, 45 s at 128 Hz with a
gyroscope and turns, both in g (gyroscope in rad/s). Its spreadsheets
``manual_gait_*results_vcwt.xlsx`` rebuild every gait cycle its default (vertical-wavelet)
method found, by hand: each row's initial contact and the next two (``IC``, ``IC + 1``,
``IC + 2``), as sample indices at the 50 Hz SKDH works at, counted from the start of each of
its gait bouts. SKDH does not export where its bouts start, so each bout's contacts are
placed on the recording's time line by the one shift that matches most of them to
BackStride's; what is compared is the contact sequence step by step, not the absolute times.

SKDH is not a reference. The check is that an independent implementation, on a device and
sample rates the reference sets do not have, finds the same steps, and that where the two
differ it is where SKDH left cycles out (turns, its validity rules).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backstride.gait.pipeline import WalkingAnalysis, analyze
from backstride.io import read_recordings
from backstride.validation.metrics import match_contacts
from backstride.validation.runner import CONTACT_TOLERANCE_S

SKDH = Path(__file__).resolve().parents[1] / "data" / "skdh-gait"
#: SKDH finds gait at 50 Hz; its contact indices count samples at that rate.
SKDH_FS = 50.0
#: Two samples at 50 Hz: the contact sequences must agree this closely once aligned.
MATCH_S = 0.04
CASES = {
    "gait_input": "manual_gait_results_vcwt.xlsx",
    "gait_input2": "manual_gait_turn_results_vcwt.xlsx",
}


def _as_device_csv(npz: Path, out: Path) -> Path:
    """Write an SKDH input as a generic CSV (Unix-second timestamps, g, rad/s), unchanged."""
    data = np.load(npz)
    columns: dict[str, np.ndarray] = {"timestamp": data["time"]}
    for k, axis in enumerate("xyz"):
        columns[f"acc_{axis}"] = data["accel"][:, k]
    if "gyro" in data.files:
        for k, axis in enumerate("xyz"):
            columns[f"gyr_{axis}"] = data["gyro"][:, k]
    pd.DataFrame(columns).to_csv(out, index=False, float_format="%.9f")
    return out


def _skdh_bouts(sheet: Path) -> list[np.ndarray]:
    """Each SKDH bout's contact times, s from the bout's start, from its hand-built sheet."""
    rows = pd.read_excel(sheet)
    bouts = []
    for _, bout in rows.groupby("Bout N"):
        index = pd.concat([bout["IC"], bout["IC + 1"], bout["IC + 2"]]).dropna()
        bouts.append(np.unique(index.to_numpy(dtype=float)) / SKDH_FS)
    return bouts


def _aligned(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """``theirs`` shifted by the offset (0.01 s grid) that matches most contacts to ``ours``."""
    shifts = np.arange(-theirs[0], ours[-1] - theirs[0], 0.01)
    counts = [match_contacts(ours, theirs + s, MATCH_S).n_matched for s in shifts]
    return theirs + shifts[int(np.argmax(counts))]


def _regular(aligned: np.ndarray) -> np.ndarray:
    """Which of SKDH's steps are regular: not a gap of more than 1.5 of its median steps."""
    steps = np.diff(aligned)
    return np.asarray(steps <= 1.5 * np.median(steps))


@pytest.fixture(scope="module", params=sorted(CASES))
def case(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, WalkingAnalysis, list[np.ndarray]]:
    """The input's name, BackStride's analysis, and SKDH's bouts aligned to it (once)."""
    name = request.param
    path = _as_device_csv(SKDH / f"{name}.npz", tmp_path_factory.mktemp(name) / f"{name}.csv")
    analysis = analyze(read_recordings(path)[0])
    ours = np.asarray(analysis.initial_contacts_s)
    return name, analysis, [_aligned(ours, b) for b in _skdh_bouts(SKDH / CASES[name])]


def test_the_device_file_reads_as_written(
    case: tuple[str, WalkingAnalysis, list[np.ndarray]],
) -> None:
    # rate, units and gyroscope found from the data alone
    name, analysis, _ = case
    info = analysis.recording
    raw = np.load(SKDH / f"{name}.npz")
    span = float(np.ptp(raw["time"]))
    # the jittering ~196 Hz clock averages 197.1 Hz over the file; 128 Hz is exact
    assert info["sample_rate_hz"] == pytest.approx((raw["time"].size - 1) / span, rel=0.005)
    assert info["duration_s"] == pytest.approx(span, rel=0.001)
    notes = " ".join(info["notes"])
    assert "detected as g" in notes
    if name == "gait_input2":
        assert "detected as rad/s" in notes


def test_every_skdh_contact_is_found_step_by_step(
    case: tuple[str, WalkingAnalysis, list[np.ndarray]],
) -> None:
    _, analysis, bouts = case
    ours = np.asarray(analysis.initial_contacts_s)
    n_close = n_theirs = 0
    for aligned in bouts:
        # every one, within the validation tolerance, one-to-one
        assert match_contacts(ours, aligned, CONTACT_TOLERANCE_S).n_matched == aligned.size
        n_close += match_contacts(ours, aligned, MATCH_S).n_matched
        n_theirs += aligned.size
    # and 95% within two 50 Hz samples (the others: a walk's first step, a turn)
    assert n_close >= 0.95 * n_theirs


def test_extra_contacts_lie_where_skdh_left_cycles_out(
    case: tuple[str, WalkingAnalysis, list[np.ndarray]],
) -> None:
    # inside an SKDH bout, a contact BackStride has and SKDH lacks must sit in a gap of
    # SKDH's sequence longer than 1.5 of its median steps (a turn or a cycle its validity
    # rules dropped), never between two of its regular steps
    _, analysis, bouts = case
    ours = np.asarray(analysis.initial_contacts_s)
    for aligned in bouts:
        matched = {i for i, _ in match_contacts(ours, aligned, CONTACT_TOLERANCE_S).pairs}
        gap = np.flatnonzero(~_regular(aligned))
        gaps = list(zip(aligned[gap], aligned[gap + 1], strict=True))
        inside = (ours > aligned[0] + MATCH_S) & (ours < aligned[-1] - MATCH_S)
        for i in np.flatnonzero(inside):
            if i not in matched:
                assert any(a < ours[i] < b for a, b in gaps), f"extra contact at {ours[i]:.2f} s"


def test_step_durations_agree(case: tuple[str, WalkingAnalysis, list[np.ndarray]]) -> None:
    _, analysis, bouts = case
    ours = np.asarray(analysis.initial_contacts_s)
    ours_step = analysis.steps["step_duration_s"].to_numpy()
    diffs = []
    n_steps = 0  # SKDH's steps that do not span one of its gaps
    for aligned in bouts:
        regular = _regular(aligned)
        n_steps += int(regular.sum())
        for i, k in match_contacts(ours, aligned, CONTACT_TOLERANCE_S).pairs:
            if k + 1 < aligned.size and regular[k] and np.isfinite(ours_step[i]):
                diffs.append(ours_step[i] - (aligned[k + 1] - aligned[k]))
    diff = np.abs(np.array(diffs))
    assert diff.size >= 0.95 * n_steps
    # each end may differ by one 50 Hz sample
    assert np.mean(diff <= 0.04) >= 0.9
