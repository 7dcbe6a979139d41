"""Long recordings are analysed in windows: same walks as in one piece, bounded memory."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backstride.gait.pipeline import AnalysisParameters, WalkingAnalysis, analyze
from backstride.recording import STANDARD_GRAVITY, Recording
from backstride.validation.metrics import match_contacts

from synthetic import rotation, walking_signal

ROOT = Path(__file__).resolve().parents[1]
DAILY_LIFE = ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv"
FS = 100.0
WINDOW = AnalysisParameters(window_s=300.0)
ONE_PIECE = AnalysisParameters(window_s=1e9)


def _tiled(minutes: float) -> Recording:
    """The real 137-s daily-life trial repeated to ``minutes`` (walks, turns, sitting)."""
    df = pd.read_csv(DAILY_LIFE)
    acc = df[["acc_x", "acc_y", "acc_z"]].to_numpy(np.float64) * STANDARD_GRAVITY
    gyr = df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(np.float64)
    n = round(minutes * 60 * FS)
    return Recording(
        acc=np.resize(acc, (n, 3)),
        gyr=np.resize(gyr, (n, 3)),
        sample_rate_hz=FS,
        sensor_height_m=0.964,
        name="tiled",
    )


@pytest.fixture(scope="module")
def tiled() -> Recording:
    return _tiled(30)


@pytest.fixture(scope="module")
def in_one_piece(tiled: Recording) -> WalkingAnalysis:
    return analyze(tiled, ONE_PIECE)


@pytest.fixture(scope="module")
def windowed(tiled: Recording) -> WalkingAnalysis:
    return analyze(tiled, WINDOW)  # 30 min in windows of 5 min: 6+ windows, 5+ seams


def _bout_pairs(a: WalkingAnalysis, b: WalkingAnalysis) -> pd.DataFrame:
    """Bouts of two analyses paired by start time (within one sample)."""
    left = a.bouts.assign(key=np.round(a.bouts["start_s"].astype(float) * FS).astype(int))
    right = b.bouts.assign(key=np.round(b.bouts["start_s"].astype(float) * FS).astype(int))
    return left.merge(right, on="key", suffixes=("_a", "_b"))


def test_windows_find_the_same_walks_as_one_piece(
    tiled: Recording, in_one_piece: WalkingAnalysis, windowed: WalkingAnalysis
) -> None:
    assert len(in_one_piece.bouts) > 90
    assert len(windowed.bouts) == len(in_one_piece.bouts)
    assert windowed.bouts["bout_id"].tolist() == list(range(len(windowed.bouts)))
    assert windowed.summary["steps"] == in_one_piece.summary["steps"]
    contacts = match_contacts(
        in_one_piece.initial_contacts_s, windowed.initial_contacts_s, tolerance_s=0.5 / FS
    )
    assert contacts.n_matched == contacts.n_detected == contacts.n_reference
    pairs = _bout_pairs(in_one_piece, windowed)
    assert len(pairs) == len(in_one_piece.bouts)
    # timing-based measures do not depend on the window at all
    for column in ("n_steps", "cadence_spm"):
        np.testing.assert_allclose(pairs[f"{column}_a"], pairs[f"{column}_b"], rtol=1e-9)
    # stride length and speed count a step's vertical excursion as far as it trades with
    # forward speed, and "forward" is found per window: 0.03% apart in the median bout, at
    # most 1.9% here (before the vaulting share they were timing and height only, 1e-9)
    for column in ("stride_length_m", "walking_speed_mps"):
        np.testing.assert_allclose(pairs[f"{column}_a"], pairs[f"{column}_b"], rtol=0.03)
        ratio = pairs[f"{column}_a"] / pairs[f"{column}_b"]
        assert float(np.median(np.abs(ratio - 1.0))) <= 0.001
    # the AP/ML axes are found per window; on a tiled recording they barely move
    np.testing.assert_allclose(
        pairs["harmonic_ratio_ap_a"], pairs["harmonic_ratio_ap_b"], atol=0.05
    )
    assert windowed.per_second["second"].tolist() == in_one_piece.per_second["second"].tolist()
    assert windowed.recording["n_samples"] == tiled.n_samples
    # the feet: each signal is scaled over the window, so a contact whose two signals nearly
    # cancel can flip (4 of 1,244 here)
    same_foot = windowed.steps["side"].to_numpy() == in_one_piece.steps["side"].to_numpy()
    assert same_foot.mean() >= 0.99


def test_windows_find_the_same_turns_as_one_piece(
    in_one_piece: WalkingAnalysis, windowed: WalkingAnalysis
) -> None:
    one, parts = in_one_piece.turns, windowed.turns
    assert len(one) > 100  # 11 turns in each 137-s tile of the daily-life trial
    assert len(parts) == len(one)
    assert parts["bout_id"].tolist() == one["bout_id"].tolist()
    assert parts["direction"].tolist() == one["direction"].tolist()
    # the gyroscope's offset (the median yaw rate) is taken per window, which can move where
    # the smoothed rate passes 5 deg/s by a sample, and the angle (0.7 degrees at most here)
    for column in ("start_s", "end_s"):
        np.testing.assert_allclose(parts[column], one[column], atol=1.01 / FS)
    np.testing.assert_allclose(parts["angle_deg"], one["angle_deg"], atol=1.0)
    assert windowed.summary["n_turns"] == in_one_piece.summary["n_turns"] == len(one)


def test_a_mirrored_file_turns_the_same_way(
    tiled: Recording, in_one_piece: WalkingAnalysis
) -> None:
    """A file whose axes were relabelled into a mirror image (y negated in both sensors):
    the yaw rate, the angular velocity along "up", is a dot product of two vectors read in
    the same axes, so the mirror changes nothing (reading it as evidence of mirrored axes
    and reversing the turns, as a first version did, failed this test)."""
    mirror = np.array([1.0, -1.0, 1.0])
    mirrored = dataclasses.replace(tiled, acc=tiled.acc * mirror, gyr=tiled.gyr * mirror)  # type: ignore[operator]
    turns = analyze(mirrored, ONE_PIECE).turns
    assert turns["direction"].tolist() == in_one_piece.turns["direction"].tolist()
    np.testing.assert_allclose(turns["angle_deg"], in_one_piece.turns["angle_deg"], atol=1e-6)


def test_a_sensor_put_back_differently_is_handled_per_window(tiled: Recording) -> None:
    """Second half re-mounted (rotated): each half's body axes are found again."""
    half = tiled.n_samples // 2
    rot = rotation(70, -35, 120)
    acc, gyr = tiled.acc.copy(), tiled.gyr.copy()  # type: ignore[union-attr]
    acc[half:] = acc[half:] @ rot.T
    gyr[half:] = gyr[half:] @ rot.T
    remounted = dataclasses.replace(tiled, acc=acc, gyr=gyr)
    original = analyze(tiled, WINDOW)
    moved = analyze(remounted, WINDOW)
    # compare bouts away from the switch (the window holding it sees both mountings)
    pairs = _bout_pairs(original, moved)
    # a window's axes come from the walking in it and in its 60-s lead-in
    far = (pairs["start_s_a"] - half / FS).abs() > 1.5 * WINDOW.window_s
    assert far.sum() > 40
    # (analysed in one piece, these differ by up to 0.74, 1.36 and 3.7 degrees)
    for column in ("harmonic_ratio_ap", "harmonic_ratio_ml", "trunk_rom_sagittal_deg"):
        a, b = pairs.loc[far, f"{column}_a"], pairs.loc[far, f"{column}_b"]
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_feet_are_named_alike_in_every_window_mirrored_or_not(
    tiled: Recording, in_one_piece: WalkingAnalysis
) -> None:
    """Daily life, where turning swamps the rotation: each window decides sway's sign alone.

    Rotation and sway hardly correlate in this trial (0.02), so the sign of their product,
    which set sway's sign, was a coin toss per window: filtering the rotation in one pass
    instead of per bout moved 3 of 7 five-minute windows to the other side, and they named
    every foot by a reversed sway. The axes' handedness settles it now, also when the file
    is a mirror image (y negated in both sensors, as a careless export does).
    """
    mirror = np.array([1.0, -1.0, 1.0])
    mirrored = dataclasses.replace(tiled, acc=tiled.acc * mirror, gyr=tiled.gyr * mirror)  # type: ignore[operator]
    reference = in_one_piece.steps["side"].to_numpy()
    for recording in (tiled, mirrored):
        windowed = analyze(recording, WINDOW).steps["side"].to_numpy()
        assert windowed.size == reference.size
        assert (windowed == reference).mean() >= 0.99


def test_a_gap_in_the_recording_gives_no_walks_and_keeps_the_others(
    in_one_piece: WalkingAnalysis, tiled: Recording
) -> None:
    acc = tiled.acc.copy()
    gap = slice(round(600 * FS), round(740 * FS))  # 140 s without data (7.8%)
    acc[gap] = np.nan
    windowed = analyze(dataclasses.replace(tiled, acc=acc), AnalysisParameters(window_s=130.0))
    starts = windowed.bouts["start_s"].astype(float)
    assert not ((starts > 600) & (starts < 740)).any()
    # away from the gap the same walks are found
    pairs = _bout_pairs(in_one_piece, windowed)
    away = (in_one_piece.bouts["end_s"] < 560) | (in_one_piece.bouts["start_s"] > 800)
    assert len(pairs) >= away.sum() - 2


def test_minutes_the_gyroscope_lost_do_not_turn_the_walks_around_them(
    in_one_piece: WalkingAnalysis, tiled: Recording
) -> None:
    """A device that loses minutes loses both sensors. The lost samples are bridged by a
    straight line from the last reading to the next, and a window holding most of them
    took the median of that line as the gyroscope's offset: the turns of the walks beside
    the gap came out up to hundreds of degrees wrong."""
    assert tiled.gyr is not None
    acc, gyr = tiled.acc.copy(), tiled.gyr.copy()
    gap = slice(round(600 * FS), round(750 * FS))  # two and a half minutes lost
    acc[gap], gyr[gap] = np.nan, np.nan
    gapped = analyze(dataclasses.replace(tiled, acc=acc, gyr=gyr), WINDOW)
    away = in_one_piece.turns[
        (in_one_piece.turns["end_s"] < 600) | (in_one_piece.turns["start_s"] > 750)
    ]
    # paired by start time; per window, the offset can move an edge by a sample (above)
    pairs = pd.merge_asof(
        away.sort_values("start_s"),
        gapped.turns.sort_values("start_s"),
        on="start_s",
        tolerance=1.01 / FS,
        direction="nearest",
        suffixes=("_one", "_gapped"),
    )
    assert len(away) > 100
    assert pairs["angle_deg_gapped"].notna().all()
    assert len(gapped.turns) == len(away)
    # the offset of a window beside the gap comes from fewer samples: 1.1 degrees at most here
    np.testing.assert_allclose(pairs["angle_deg_gapped"], pairs["angle_deg_one"], atol=1.5)


def test_a_walk_longer_than_a_window_stays_one_bout() -> None:
    rec, _ = walking_signal(walk_s=420.0, stand_before_s=10.0, stand_after_s=10.0)
    windowed = analyze(rec, AnalysisParameters(window_s=150.0))
    whole = analyze(rec, ONE_PIECE)
    assert len(whole.bouts) == 1
    assert len(windowed.bouts) == 1
    assert windowed.summary["steps"] == whole.summary["steps"]
    assert float(windowed.bouts["duration_s"].iloc[0]) > 410


def test_the_window_is_recorded_with_the_parameters() -> None:
    assert AnalysisParameters().window_s == 4 * 3600
    assert "window_s" in dataclasses.asdict(AnalysisParameters())


def test_a_long_analysis_reports_its_progress(tiled: Recording) -> None:
    told: list[tuple[float, float]] = []
    analyze(tiled, WINDOW, progress=lambda done, total: told.append((done, total)))
    assert len(told) >= 6  # 30 min in 5-min windows
    assert all(total == pytest.approx(tiled.duration_s) for _, total in told)
    done = [d for d, _ in told]
    assert done == sorted(done) and done[-1] == pytest.approx(tiled.duration_s)
    short: list[tuple[float, float]] = []
    analyze(_tiled(2), WINDOW, progress=lambda d, t: short.append((d, t)))
    assert short == []  # one window: nothing to report
