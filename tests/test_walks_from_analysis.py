"""Walks from an analysis: sessions of bouts placed at the instants the sensor saw them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from backstride import analyze
from backstride.exceptions import InvalidInputError
from backstride.store import Store
from backstride.validation.runner import find_cases
from backstride.validation.transforms import asymmetric_recording
from backstride.walks import Walk, walks_from_analysis

from synthetic import walking_signal

LONDON = ZoneInfo("Europe/London")
ROOT = Path(__file__).resolve().parents[1]


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


def test_a_limp_is_kept_with_the_stored_walk(store: Store) -> None:
    """The bouts' step-time ratio reaches the walk and the store: HA-001's first straight walk
    as recorded and re-timed into a limp (every other step 1.5 times the others)."""
    (case,) = [
        c
        for c in find_cases(ROOT / "data" / "mobilised-lab")
        if c[0] == "mobilised-stereo" and c[1].name == "HA-001/Test5-Trial1"
    ]
    _, recording, reference = case
    store.add_person("ann", time_zone="UTC")
    start = dt.datetime(2024, 5, 6, 8, tzinfo=dt.UTC)
    for day, ratio in enumerate((1.0, 1.5)):
        analysis = analyze(asymmetric_recording(recording, reference, ratio))
        (walk,) = walks_from_analysis(
            analysis, start + dt.timedelta(days=day), "limp", f"limp-{ratio}"
        )
        assert walk.step_time_ratio == pytest.approx(analysis.bouts["step_time_ratio"].iloc[0])
        store.add_walks("ann", [walk])
    even, limping = (w.step_time_ratio for w in store.list_walks("ann"))
    assert even is not None and limping is not None
    assert even < 1.1  # measured 1.06
    assert limping > 1.35  # measured 1.45


def test_a_step_time_ratio_below_one_is_refused() -> None:
    start = dt.datetime(2024, 5, 6, 8, tzinfo=dt.UTC)
    with pytest.raises(InvalidInputError, match=r"at least 1; got 0\.9\."):
        Walk(start=start, end=start, source="x", source_hash="h", step_time_ratio=0.9)
