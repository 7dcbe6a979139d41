"""ActiGraph .gt3x files read a part at a time: the same samples and walks as a whole read.

``small.gt3x`` (GPL: read in place) is a 13.6-h ActiGraph Link recording with 6 h of idle
sleep, so parts start inside idle gaps, whose fill comes from an earlier part.
"""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from backstride.gait.pipeline import AnalysisParameters, analyze, analyze_parts
from backstride.io import Gt3xParts, open_parts, read_gt3x
from backstride.io.actigraph_gt3x import decode_gt3x
from backstride.recording import STANDARD_GRAVITY
from test_io_devices import shared

from fuzz.device_seeds import GT3X_DIR, make_gt3x

SMALL = GT3X_DIR / "small.gt3x"


def _assert_parts_equal_whole(path: Path, window_s: int, step_s: int) -> int:
    """Every window read in parts equals the same rows of a whole decode; returns windows."""
    whole = decode_gt3x(path).acc * STANDARD_GRAVITY
    parts = Gt3xParts(path)
    rate = int(parts.info.sample_rate_hz)
    span = int(parts.info.duration_s)
    assert span * rate == whole.shape[0]
    n = 0
    for a in range(0, span - 1, step_s):
        found = parts.part(a, a + window_s)
        assert found is not None
        rec, offset = found
        assert offset == a
        b = min(span, a + window_s)
        np.testing.assert_array_equal(rec.acc, whole[a * rate : b * rate])
        n += 1
    return n


@pytest.mark.shared_data
def test_parts_of_a_day_with_idle_sleep_equal_the_whole_read() -> None:
    # windows of 25 min every 16.6 min: many start inside one of the idle-sleep gaps
    assert _assert_parts_equal_whole(shared(SMALL), 1500, 997) > 40


def test_an_idle_gap_across_a_part_boundary_is_filled_from_before_it(tmp_path: Path) -> None:
    path = tmp_path / "idle.gt3x"
    path.write_bytes(make_gt3x(seconds=120, idle=[(30, 80)], idle_until_end=110))
    assert _assert_parts_equal_whole(path, 20, 7) > 10
    parts = Gt3xParts(path)
    rec, _ = parts.part(50, 60)  # wholly inside the gap: every sample is second 29's last
    assert np.isfinite(rec.acc).all()
    np.testing.assert_array_equal(rec.acc, np.broadcast_to(rec.acc[0], rec.acc.shape))
    # the 50-s gap and the last 10 s, as a whole read counts them
    whole_notes = read_gt3x(path).notes
    assert any(note.startswith("60 s of idle sleep") for note in parts.info.notes)
    assert [n for n in parts.info.notes if "idle sleep" in n] == [
        n for n in whole_notes if "idle sleep" in n
    ]


@pytest.mark.shared_data
def test_a_day_read_in_parts_gives_the_walks_of_a_whole_read() -> None:
    whole = analyze(read_gt3x(shared(SMALL)))
    in_parts = analyze_parts(Gt3xParts(SMALL), AnalysisParameters())
    assert len(in_parts.bouts) == len(whole.bouts) > 300
    assert in_parts.summary["steps"] == whole.summary["steps"]
    np.testing.assert_array_equal(
        in_parts.bouts["start_s"].astype(float), whole.bouts["start_s"].astype(float)
    )
    assert any("read in parts" in note for note in in_parts.recording["notes"])


@pytest.mark.shared_data
def test_open_parts_takes_long_gt3x_files_only() -> None:
    assert isinstance(open_parts(shared(SMALL), longer_than_s=3600.0), Gt3xParts)
    assert open_parts(SMALL, longer_than_s=86_400.0) is None  # 13.6 h: read whole
    assert open_parts(shared(GT3X_DIR / "neo.gt3x"), longer_than_s=60.0) is None  # legacy


@pytest.mark.shared_data
def test_the_index_needs_far_less_memory_than_a_whole_read() -> None:
    tracemalloc.start()
    try:
        read_gt3x(shared(SMALL))
        _, whole_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        parts = Gt3xParts(SMALL)
        _, index_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        parts.part(3600, 2 * 3600)  # 1 h of the 13.6
        _, part_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 1.47 M samples: a whole read holds about 56 bytes a sample, the index about 8
    assert index_peak < whole_peak / 4
    assert part_peak < whole_peak / 4


def test_the_start_is_expressed_in_the_wearers_zone(tmp_path: Path) -> None:
    path = tmp_path / "zone.gt3x"
    path.write_bytes(make_gt3x(seconds=60))
    plain, berlin = Gt3xParts(path), Gt3xParts(path, time_zone="Europe/Berlin")
    assert plain.info.start == read_gt3x(path).start
    assert berlin.info.start == plain.info.start
    assert berlin.info.start.utcoffset() == dt.timedelta(hours=1)  # November 2023


def test_no_step_is_shorter_than_the_shortest_step() -> None:
    """At 30 Hz two coarse peaks 8 samples apart found loading peaks one sample apart: the
    wrist file gave 27 steps of 0.03-0.23 s (up to 1800 steps/min) and 15 seconds above 250
    steps/min, some counted as vigorous."""
    from backstride.gait.bouts import BoutRules

    result = analyze(read_gt3x(shared(SMALL)))
    assert len(result.steps) > 4000
    assert result.steps["step_duration_s"].min() >= BoutRules().min_step_s - 1e-9
    assert result.per_second["cadence_spm"].max() <= 60 / BoutRules().min_step_s
