"""What an analysis writes agrees with itself: totals, per-second cadence, JSON and CSV."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backstride.api import analyze_file
from backstride.gait.daily import MODERATE_SPM, VIGOROUS_SPM
from backstride.gait.pipeline import (
    AnalysisParameters,
    WalkingAnalysis,
    analyze,
    per_second_cadence,
)
from backstride.output import analysis_document, write_out_dir
from backstride.recording import STANDARD_GRAVITY, Recording

from cwa_writer import write_ax6

ROOT = Path(__file__).resolve().parents[1]
DAILY_LIFE = ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv"
GAITPY = ROOT / "data" / "gaitpy-demo" / "demo_data.csv"
AX3 = ROOT / "data" / "devices" / "axivity-cwa" / "ax3_sample.cwa"
GENEACTIV = ROOT / "data" / "devices" / "geneactiv-bin" / "GENEActiv_testfile.bin"


def _strict_json(analysis: WalkingAnalysis) -> dict:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the JSON")

    text = json.dumps(analysis_document(analysis))
    return json.loads(text, parse_constant=refuse)


def _daily_life(rate_hz: float, minutes: float) -> Recording:
    """The real 137-s daily-life trial repeated to ``minutes``, labelled at ``rate_hz``."""
    df = pd.read_csv(DAILY_LIFE)
    n = round(minutes * 60 * rate_hz)
    return Recording(
        acc=np.resize(df[["acc_x", "acc_y", "acc_z"]].to_numpy() * STANDARD_GRAVITY, (n, 3)),
        gyr=np.resize(df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(), (n, 3)),
        sample_rate_hz=rate_hz,
        sensor_height_m=0.964,
        name="tiled",
    )


def _seconds_in_their_bouts(analysis: WalkingAnalysis) -> None:
    """Every whole second from a bout's first contact to its last, once, and no other."""
    sec = analysis.per_second.join(
        analysis.bouts.set_index("bout_id")[["start_s", "end_s"]], on="bout_id"
    )
    assert sec["second"].is_unique and sec["second"].is_monotonic_increasing
    assert (sec["second"] >= sec["start_s"] - 1e-6).all()
    assert (sec["second"] <= sec["end_s"] + 1e-6).all()
    expected = np.floor(analysis.bouts["end_s"].astype(float) + 1e-6) - np.ceil(
        analysis.bouts["start_s"].astype(float) - 1e-6
    )
    assert len(sec) == int((expected + 1).clip(lower=0).sum())


@pytest.mark.parametrize("path", [GAITPY, AX3], ids=["gaitpy-demo", "ax3-sample"])
def test_moderate_and_vigorous_time_count_the_written_seconds(path: Path, tmp_path: Path) -> None:
    # On the GaitPy demo (50 Hz) several seconds are exactly 100 steps/min (0.6-s steps):
    # floating-point noise made some 99.99999999999996 (not moderate) and some
    # 100.00000000000095 (moderate), while every output wrote them as 100.0; on the AX3
    # sample a second of 99.985 was written as 100.0 in the JSON and 99.98 in seconds.csv.
    (analysis,) = analyze_file(path)
    doc = _strict_json(analysis)
    cadence = np.array(doc["cadence_per_second"]["cadence_spm"])
    summary = doc["summary"]
    assert summary["moderate_s"] == (cadence >= MODERATE_SPM).sum() > 0
    assert summary["vigorous_s"] == (cadence >= VIGOROUS_SPM).sum()
    assert summary["moderate_s"] == sum(b["moderate_s"] for b in doc["bouts"])
    assert summary["moderate_s"] == sum(d["moderate_s"] for d in doc["days"])
    write_out_dir(tmp_path, [analysis], path, {})
    seconds = pd.read_csv(tmp_path / "seconds.csv")
    assert seconds["cadence_spm"].tolist() == doc["cadence_per_second"]["cadence_spm"]
    assert (seconds["cadence_spm"] >= MODERATE_SPM).sum() == summary["moderate_s"]


def test_windows_give_the_same_seconds_as_one_piece_at_any_rate() -> None:
    # at 97.3 Hz a window cannot start on a whole second; its seconds were its own, shifted
    # by the window's start rounded to a second, so some lay outside their bout
    rec = _daily_life(97.3, 16)
    windowed = analyze(rec, AnalysisParameters(window_s=300.0, sensor_height_m=0.964))
    whole = analyze(rec, AnalysisParameters(window_s=1e9, sensor_height_m=0.964))
    assert len(windowed.bouts) == len(whole.bouts) > 40
    _seconds_in_their_bouts(windowed)
    pd.testing.assert_frame_equal(windowed.per_second, whole.per_second)
    for column in ("moderate_s", "vigorous_s", "brisk_intervals", "brisk_s"):
        assert windowed.bouts[column].tolist() == whole.bouts[column].tolist()
    assert windowed.summary["cadence_spm"] == whole.summary["cadence_spm"]
    # the quiet standing each lean is measured against comes from the same 1-s grid: before,
    # a window's grid started at its own first sample, and here 2 of 53 bouts had a lean in
    # one analysis and none in the other, and one lean differed by 14.7 degrees
    for column in ("forward_lean_deg", "sideways_lean_deg"):
        lean_w, lean_1 = windowed.bouts[column].to_numpy(), whole.bouts[column].to_numpy()
        assert np.array_equal(np.isnan(lean_w), np.isnan(lean_1))
        # what remains is the body axes, found per window (docs/methods.md §5): 0.05 degrees
        # forward and 0.22 sideways at most, against a lean's 1-2 degrees of meaning
        assert np.nanmax(np.abs(lean_w - lean_1)) < 0.5


@pytest.mark.parametrize(("fs", "window_start"), [(97.3, 37), (85.7, 8)])
def test_a_contact_on_a_whole_second_keeps_it_in_any_window(fs: float, window_start: int) -> None:
    # the sample 10 s in, timed from a window's first sample plus the window's start, is
    # 10.000000000000002 s at 97.3 Hz (window from sample 37) and 9.999999999999998 s at
    # 85.7 Hz (from sample 8); a bout opening or closing on it must keep its second 10
    sample = round(10 * fs)
    in_window = (sample - window_start) / fs + window_start / fs
    assert sample / fs == 10.0 and in_window != 10.0
    before, after = 5.0 + 0.5 * np.arange(10), 10.5 + 0.5 * np.arange(10)
    one_bout = np.zeros(11, dtype=np.int64)
    closing = per_second_cadence(np.append(before, in_window), one_bout, 1)
    opening = per_second_cadence(np.insert(after, 0, in_window), one_bout, 1)
    assert closing["second"].tolist() == list(range(5, 11))
    assert opening["second"].tolist() == list(range(10, 16))
    assert set(closing["cadence_spm"]) == set(opening["cadence_spm"]) == {120.0}


def test_an_axivity_file_read_in_parts_puts_each_second_in_its_bout(tmp_path: Path) -> None:
    df = pd.read_csv(DAILY_LIFE)
    n = 16 * 60 * 100
    path = tmp_path / "long.cwa"
    write_ax6(
        path,
        np.resize(df[["acc_x", "acc_y", "acc_z"]].to_numpy(), (n, 3)),
        np.resize(df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(), (n, 3)),
        dt.datetime(2024, 6, 1, 23, 55, 0),
    )
    (analysis,) = analyze_file(path, AnalysisParameters(window_s=300.0))
    assert any("read in parts" in note for note in analysis.recording["notes"])
    _seconds_in_their_bouts(analysis)
    doc = _strict_json(analysis)
    cadence = np.array(doc["cadence_per_second"]["cadence_spm"])
    assert doc["summary"]["moderate_s"] == (cadence >= MODERATE_SPM).sum()
    assert len(doc["days"]) == 2
    for key in ("walking_s", "steps", "moderate_s", "vigorous_s", "n_bouts"):
        assert sum(d[key] for d in doc["days"]) == pytest.approx(doc["summary"][key])


def test_every_contact_in_the_json_lies_in_its_bout() -> None:
    # at 85.7 Hz the contacts were rounded to 1 ms and the bouts' times were not: the first
    # contact, 5.006 s, came before its bout's start, 5.005834 s
    (analysis,) = analyze_file(GENEACTIV)
    doc = _strict_json(analysis)
    assert doc["bouts"]
    contacts = iter(doc["initial_contacts_s"])
    for bout in doc["bouts"]:
        mine = [next(contacts) for _ in range(bout["n_steps"])]
        assert mine[0] == bout["start_s"] and mine[-1] == bout["end_s"]
        assert mine == sorted(mine)
    assert next(contacts, None) is None
