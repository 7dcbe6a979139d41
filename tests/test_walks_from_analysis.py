"""Walks from an analysis: sessions of bouts placed at the instants the sensor saw them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from backstride import analyze
from backstride.walks import walks_from_analysis

from synthetic import walking_signal

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "start",
    [
        dt.datetime(2024, 3, 31, 0, 50, tzinfo=LONDON),  # clocks go forward at 01:00 GMT
        dt.datetime(2024, 10, 27, 1, 40, tzinfo=LONDON),  # and back at 02:00 BST
    ],
)
def test_walks_across_a_clock_change_keep_their_elapsed_time(start: dt.datetime) -> None:
    """Seconds were added to the wall clock: a walk 30 min after another was stored at the
    same instant (spring), 90 min after it (autumn), or ended before it started."""
    analysis = analyze(walking_signal()[0])
    (bout,) = analysis.bouts.to_dict(orient="records")
    length = bout["end_s"] - bout["start_s"]
    # three walks of the same bout, 0, 30 and 60 min after the recording started
    offsets = [0.0, 1800.0, 3600.0]
    bouts = pd.DataFrame(
        [{**bout, "start_s": t, "end_s": t + length, "bout_id": k} for k, t in enumerate(offsets)]
    )
    walks = walks_from_analysis(dataclasses.replace(analysis, bouts=bouts), start, "x", "h")
    assert len(walks) == 3
    first = start.astimezone(dt.UTC)
    for walk, offset in zip(walks, offsets, strict=True):
        assert walk.start.astimezone(dt.UTC) == first + dt.timedelta(seconds=offset)
        assert (walk.end - walk.start).total_seconds() == pytest.approx(length)
        assert walk.end > walk.start
        assert walk.start.tzinfo is LONDON  # shown in the recording's own zone
    # the wall clock says the change happened between the first and the last walk
    assert walks[0].start.utcoffset() != walks[2].start.utcoffset()
