"""The public file entry point: which height wins, for ``analyze`` and for ``import``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backstride.api import analyze_file, analyze_file_recordings
from backstride.gait.pipeline import AnalysisParameters

MAT = Path(__file__).resolve().parents[1] / "data" / "mobilised-lab" / "HA-001" / "data.mat"
FILE_SENSOR_HEIGHT_M = 0.964  # participant_metadata.json of HA-001


def _stride_lengths(pairs: list) -> np.ndarray:
    return np.concatenate([a.bouts["stride_length_m"].to_numpy() for _, a in pairs])


@pytest.fixture(scope="module")
def as_recorded() -> list:
    return analyze_file_recordings(MAT)


def test_the_file_carries_its_own_sensor_height(as_recorded: list) -> None:
    assert {info.sensor_height_m for info, _ in as_recorded} == {FILE_SENSOR_HEIGHT_M}


def test_a_height_given_for_the_run_replaces_the_files(as_recorded: list) -> None:
    given = analyze_file_recordings(MAT, AnalysisParameters(sensor_height_m=1.2))
    assert {info.sensor_height_m for info, _ in given} == {1.2}
    # the pendulum's step length grows with the square root of its length (h << l)
    ratio = _stride_lengths(given) / _stride_lengths(as_recorded)
    np.testing.assert_allclose(ratio, np.sqrt(1.2 / FILE_SENSOR_HEIGHT_M), rtol=0.01)
    # the reader's note names the file's height; the run says it was replaced
    note = (
        f"the sensor height given, 1.2 m, is used instead of the file's {FILE_SENSOR_HEIGHT_M:g} m"
    )
    assert all(note in info.notes for info, _ in given)
    assert not any("is used instead" in n for info, _ in as_recorded for n in info.notes)
    # analyze_file is the same analysis without the recording details
    only = analyze_file(MAT, AnalysisParameters(sensor_height_m=1.2))
    np.testing.assert_array_equal(
        np.concatenate([a.bouts["stride_length_m"].to_numpy() for a in only]),
        _stride_lengths(given),
    )


def test_the_files_height_wins_when_asked(as_recorded: list) -> None:
    kept = analyze_file_recordings(
        MAT, AnalysisParameters(sensor_height_m=1.2, height_m=2.0), heights_from="file"
    )
    assert {info.sensor_height_m for info, _ in kept} == {FILE_SENSOR_HEIGHT_M}
    assert {info.height_m for info, _ in kept} == {1.59}
    assert not any("is used instead" in n for info, _ in kept for n in info.notes)
    np.testing.assert_array_equal(_stride_lengths(kept), _stride_lengths(as_recorded))


def test_days_follow_the_time_zone_given_not_the_files() -> None:
    """HA-001's file names Europe/Berlin; its 13:57 walk is already the next day at UTC+14."""
    (first, *_) = analyze_file_recordings(MAT)
    assert first[1].days["day"].tolist() == ["2020-12-10"]
    (given, *_) = analyze_file_recordings(MAT, time_zone="Pacific/Kiritimati")
    assert given[1].recording["start"].startswith("2020-12-11T02:57")
    assert given[1].days["day"].tolist() == ["2020-12-11"]
