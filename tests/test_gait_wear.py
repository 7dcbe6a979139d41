"""When the sensor was not worn (``backstride.gait.wear``): van Hees et al.'s rule.

A block of 15 minutes is not worn where, over the hour centred on it, two axes have a
standard deviation below 13 mg or two a range below 50 mg. The signals: ``wear_signals``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from backstride.cli import main
from backstride.gait.pipeline import AnalysisParameters, _analyze_window, analyze
from backstride.gait.wear import (
    BLOCK_S,
    STILL_SD_G,
    WINDOW_S,
    WearStatistics,
    not_worn,
)
from backstride.io import read_recordings
from backstride.output import analysis_json_schema
from backstride.recording import STANDARD_GRAVITY, Recording
from shared_data import SHARED, shared

from wear_signals import FS, HOUR, on_a_table, walking, write_csv


def test_a_sensor_left_on_a_table_is_not_worn_between_half_hours() -> None:
    """Worn 3 h, on a table 5 h, worn 3 h (11 h, analysed in 4-h windows). A block is
    judged by the hour centred on it, so the first block all of whose hour lay on the table
    starts 30 min after the sensor was put down and the last ends 30 min before it was
    picked up: 3.5 h to 7.5 h, and nothing else."""
    acc = np.vstack([walking(3 * HOUR), on_a_table(5 * HOUR), walking(3 * HOUR)])
    result = analyze(Recording(acc=acc, sample_rate_hz=FS))
    assert result.non_wear is not None
    np.testing.assert_allclose(result.non_wear.to_numpy(), [[3.5 * HOUR, 7.5 * HOUR]])
    assert result.summary["worn_s"] == pytest.approx(7 * HOUR)
    # no walk while it lay there, and the rule saw every sample once across the windows
    assert not ((result.bouts["end_s"] > 3 * HOUR) & (result.bouts["start_s"] < 8 * HOUR)).any()
    np.testing.assert_array_equal(result.non_wear.to_numpy(), not_worn(acc, FS))
    (day,) = result.days.to_dict(orient="records")
    assert day["worn_s"] == pytest.approx(7 * HOUR)


@pytest.mark.parametrize(
    ("still_from_h", "still_to_h", "expected_h"),
    [
        (0.0, 2.0, [[0.0, 1.5]]),  # at the start the hour is moved inward: from the first block
        (3.0, 6.0, [[3.5, 6.0]]),  # lying there at the end too: to the last sample
        (2.0 + 5 / 60, 4.0, [[2.5, 3.5]]),  # put down off the grid: the next whole block
        (3.0, 3.0 + 55 / 60, []),  # under an hour on the table is not an hour still
    ],
)
def test_where_the_spans_start_and_end(
    still_from_h: float, still_to_h: float, expected_h: list[list[float]]
) -> None:
    """The spans follow from the rule: a block is not worn once its centred hour (moved
    inward at the recording's ends) lies on the table."""
    total_h = 6.0
    a, b = round(still_from_h * HOUR * FS), round(still_to_h * HOUR * FS)
    acc = walking(total_h * HOUR)
    acc[a:b] = on_a_table((b - a) / FS)
    spans = not_worn(acc, FS)
    assert spans is not None
    np.testing.assert_allclose(spans, np.array(expected_h).reshape(-1, 2) * HOUR)


def test_an_hour_is_judged_and_less_is_not() -> None:
    """The rule needs an hour: shorter recordings are not judged, even lying still."""
    assert not_worn(on_a_table(WINDOW_S - 1.0), FS) is None
    spans = not_worn(on_a_table(WINDOW_S), FS)
    assert spans is not None
    np.testing.assert_allclose(spans, [[0.0, WINDOW_S]])
    lab = analyze(Recording(acc=walking(300.0), sample_rate_hz=FS))
    assert lab.non_wear is None and lab.summary["worn_s"] is None
    assert lab.days["worn_s"].isna().all()


def test_a_gap_without_readings_is_not_worn() -> None:
    """A block with no reading at all measured nothing; the hours around it are judged on
    the readings they have."""
    acc = walking(3 * HOUR)
    acc[round(HOUR * FS) : round((HOUR + 20 * 60) * FS)] = np.nan  # 1:00 to 1:20
    spans = not_worn(acc, FS)
    assert spans is not None
    # the block 1:00-1:15 holds no reading; 1:15-1:30 holds five minutes of walking
    np.testing.assert_allclose(spans, [[HOUR, HOUR + BLOCK_S]])


def test_parts_handed_over_in_any_cut_give_the_same_spans() -> None:
    """A long file is read a part at a time, each with context before it; every sample is
    taken once, wherever the cuts fall (also inside a 7.5-minute block)."""
    acc = np.vstack([walking(2 * HOUR), on_a_table(3 * HOUR), walking(2 * HOUR)])
    whole = not_worn(acc, FS)
    stats = WearStatistics()
    cuts = [0.0, 1234.56, 9000.0, 9000.01, 17_777.7, 7 * HOUR]
    for lo, hi in itertools.pairwise(cuts):
        first = max(0, round((lo - 300.0) * FS))  # a part starts 5 min early, like a window
        last = min(acc.shape[0], round((hi + 300.0) * FS))
        stats.add(acc[first:last], first / FS, FS, lo, hi)
    assert sum(stats._count.values()) == acc.shape[0]
    np.testing.assert_array_equal(stats.not_worn(7 * HOUR), whole)


def test_a_day_counts_the_worn_part_of_what_it_recorded() -> None:
    """On the table from 22:00 to 04:00 across midnight: each day is worn for what it
    recorded less its share of the span (22:30-03:30)."""
    start = dt.datetime(2024, 6, 3, 18, 0, tzinfo=dt.UTC)
    acc = np.vstack([walking(4 * HOUR), on_a_table(6 * HOUR), walking(2 * HOUR)])
    result = analyze(Recording(acc=acc, sample_rate_hz=FS, start=start))
    np.testing.assert_allclose(result.non_wear.to_numpy(), [[4.5 * HOUR, 9.5 * HOUR]])
    days = result.days.set_index("day")
    assert days.loc["2024-06-03", "recorded_s"] == pytest.approx(6 * HOUR)
    assert days.loc["2024-06-03", "worn_s"] == pytest.approx(4.5 * HOUR)  # 18:00-22:30
    assert days.loc["2024-06-04", "worn_s"] == pytest.approx(6 * HOUR - 3.5 * HOUR)
    assert days["worn_s"].sum() == pytest.approx(result.summary["worn_s"])


def test_a_still_half_hour_on_the_wrist_is_worn() -> None:
    """ActiGraph's own 13.6-h wrist recording (pygt3x's test file) holds a half-hour in
    which two axes have a standard deviation below 13 mg (blocks 6 and 7); the hour around
    it moves, so none of it is called not worn."""
    path = shared(SHARED / "devices" / "actigraph-gt3x" / "small.gt3x")
    (recording,) = read_recordings(path)
    result = analyze(recording)
    fs = recording.sample_rate_hz
    n = round(BLOCK_S * fs)
    blocks = recording.acc[: recording.n_samples // n * n].reshape(-1, n, 3)
    sd_g = blocks.std(axis=1) / STANDARD_GRAVITY
    still = np.flatnonzero((sd_g < STILL_SD_G).sum(axis=1) >= 2)
    assert len(still) >= 2  # there is a still stretch for the rule to judge
    assert result.non_wear is not None and result.non_wear.empty
    assert result.summary["worn_s"] == pytest.approx(recording.duration_s)
    assert result.days["worn_s"].sum() == pytest.approx(recording.duration_s)


def test_the_cli_says_when_the_sensor_was_off(tmp_path: Path) -> None:
    """The terminal names the span; the JSON lists it and follows the schema."""
    acc = np.vstack([walking(1.5 * HOUR), on_a_table(2 * HOUR), walking(1.5 * HOUR)])
    path = write_csv(tmp_path / "day.csv", acc)
    result = CliRunner().invoke(main, ["analyze", str(path), "--json", str(tmp_path / "a.json")])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # the terminal wraps long lines
    assert "not worn (still for an hour or more) 1.0 h of 5.0 h, from 2.00 h to 3.00 h" in out
    document = json.loads((tmp_path / "a.json").read_text())
    jsonschema.validate(document, analysis_json_schema())
    assert document["non_wear"] == [{"start_s": 2 * HOUR, "end_s": 3 * HOUR}]
    assert document["summary"]["worn_s"] == pytest.approx(4 * HOUR)
    assert math.isclose(document["days"][0]["worn_s"], 4 * HOUR)


@pytest.mark.parametrize("turned_deg", [90, 180])
def test_a_sensor_put_back_turned_after_an_hour_off_gets_its_own_axes(turned_deg: int) -> None:
    """Taken off for 1.5 h and put back turned about the vertical: the walks after the
    break read as they do analysed alone, not in axes mixed from both mountings (one frame
    for the whole window puts the forward lean off by more than a degree, and by 19 degrees
    for a sensor put back the other way round)."""
    worn = walking(HOUR)
    up = worn.mean(axis=0) / np.linalg.norm(worn.mean(axis=0))
    turned = worn @ Rotation.from_rotvec(np.radians(turned_deg) * up).as_matrix().T
    acc = np.vstack([worn, on_a_table(1.5 * HOUR), turned])
    result = analyze(Recording(acc=acc, sample_rate_hz=FS))
    np.testing.assert_allclose(result.non_wear.to_numpy(), [[1.5 * HOUR, 2.0 * HOUR]])
    alone = analyze(Recording(acc=turned, sample_rate_hz=FS)).bouts
    after = result.bouts[result.bouts["start_s"] > 2.5 * HOUR].reset_index(drop=True)
    np.testing.assert_allclose(after["start_s"] - 2.5 * HOUR, alone["start_s"], atol=1e-6)
    for column, tolerance in (
        ("forward_lean_deg", 0.2),
        ("sideways_lean_deg", 0.2),
        ("harmonic_ratio_ap", 1e-3),
        ("step_time_ratio", 1e-3),
    ):
        np.testing.assert_allclose(after[column], alone[column], atol=tolerance, err_msg=column)
    one_frame = _analyze_window(Recording(acc=acc, sample_rate_hz=FS), AnalysisParameters())
    mixed = one_frame.bouts[one_frame.bouts["start_s"] > 2.5 * HOUR].reset_index(drop=True)
    assert np.nanmax(np.abs(mixed["forward_lean_deg"] - alone["forward_lean_deg"])) > 1.0


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    pieces=st.lists(
        st.tuples(st.sampled_from(["walk", "table", "gap"]), st.integers(5, 120)),
        min_size=2,
        max_size=5,
    ),
    every=st.sampled_from([1, 2, 4]),  # 100, 50 or 25 Hz
)
@example(pieces=[("walk", 100), ("gap", 20), ("table", 150), ("walk", 120)], every=2)  # windows
def test_spans_not_worn_hold_no_walk_and_add_up(pieces: list[tuple[str, int]], every: int) -> None:
    """Real walking, table time and gaps without readings (up to 10 h, minutes each) at
    25-100 Hz: the spans lie in the recording, in order and apart, in whole 15-minute blocks
    but at its end; no walk touches one; the summary's and the days' worn time are the
    recording less the spans."""
    chunks = []
    for kind, minutes in pieces:
        seconds = 60.0 * minutes
        if kind == "walk":
            chunks.append(walking(seconds))
        elif kind == "table":
            chunks.append(on_a_table(seconds, seed=minutes))
        else:
            chunks.append(np.full((round(seconds * FS), 3), np.nan))
    acc = np.vstack(chunks)[::every]
    assume(np.isfinite(acc[:, 0]).mean() >= 0.9)  # more missing is refused as broken
    fs = FS / every
    result = analyze(Recording(acc=acc, sample_rate_hz=fs))
    duration = acc.shape[0] / fs
    if duration < WINDOW_S:
        assert result.non_wear is None and result.summary["worn_s"] is None
        return
    spans = result.non_wear.to_numpy()
    assert ((spans[:, 0] >= 0) & (spans[:, 1] <= duration)).all()
    assert (spans[:, 1] > spans[:, 0]).all() and (spans[1:, 0] > spans[:-1, 1]).all()
    inner = spans[:, 1] < duration
    assert not (spans % BLOCK_S)[:, 0].any() and not (spans[inner, 1] % BLOCK_S).any()
    for start, end in spans:
        assert not ((result.bouts["start_s"] < end) & (result.bouts["end_s"] > start)).any()
    worn = duration - (spans[:, 1] - spans[:, 0]).sum()
    assert result.summary["worn_s"] == pytest.approx(worn)
    assert result.days["worn_s"].sum() == pytest.approx(worn)
