"""Per-day walking measures of a recording: what a multi-day wear protocol reports.

Free-living studies summarise each day of wear rather than each bout. The Mobilise-D
consortium's digital mobility outcomes (protocol: Mazza et al. 2021, BMJ Open 11:e050785)
are daily walking duration, the number of walking bouts, the number of turns in them, and
the typical cadence, stride length and walking speed; because short indoor bouts are
slower than longer walks, bouts are also counted by duration (at least 10, 30 and 60 s
here) and speed is given separately for bouts of at least 30 s (Kirk et al. 2024, Sci Rep
14:1754). Step count and time at moderate and vigorous cadence follow Tudor-Locke et al.
(2018).

Rules:

- Days are calendar days in the recording's own time zone (daylight-saving changes give a
  23- or 25-hour day); a recording without a start time is cut into 24-hour periods from its
  first sample, labelled ``day 1``, ``day 2``, ...
- A bout is counted on the day on which it starts (bouts, bouts by duration, the longest
  bout, typical values). Walking time, steps and time at moderate and vigorous cadence are
  split at midnight: a walk from 23:50 to 00:20 gives 10 minutes to the first day and 20 to
  the second, so a day never shows more walking than it recorded, and the days add up to
  the recording's totals. A turn counts on the day it starts, as a step does.
- Every day the recording covers is listed, with ``recorded_s`` (the part of the day that was
  recorded) and ``worn_s`` (the part of that when the sensor was worn,
  :mod:`backstride.gait.wear`), also days without walking: a day of wear without a walk is a
  result, while a day the sensor lay on a table is not, and the first or last day is usually
  partial, so ``recorded_s`` and ``worn_s`` say how much to trust it.
- Typical values are medians over the day's bouts; ``None`` when the day has no bout with
  that value.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from backstride.gait.wear import overlap_s
from backstride.recording import FloatArray

#: Cadence thresholds for absolute intensity (Tudor-Locke et al. 2018, CADENCE-Adults):
#: about 100 steps/min is moderate (3 METs), about 130 steps/min vigorous (6 METs).
MODERATE_SPM = 100.0
VIGOROUS_SPM = 130.0

DAY_COLUMNS = [
    "day", "recorded_s", "worn_s", "n_bouts", "n_bouts_10s", "n_bouts_30s", "n_bouts_60s",
    "walking_s", "longest_bout_s", "steps", "moderate_s", "vigorous_s", "n_turns",
    "cadence_spm", "stride_length_m", "walking_speed_mps", "walking_speed_30s_mps",
    "step_time_ratio",
]  # fmt: skip


def _day_edges(start: dt.datetime | None, duration_s: float) -> tuple[list[str], list[float]]:
    """Day labels and their start times in seconds from the first sample (plus the end)."""
    if start is None:
        n = max(1, math.ceil(duration_s / 86400.0))
        return [f"day {k + 1}" for k in range(n)], [86400.0 * k for k in range(n)] + [duration_s]
    tz = start.tzinfo
    labels: list[str] = []
    edges: list[float] = []
    day = start.date()
    while True:
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=tz)
        # in UTC: subtracting two times of the same zone ignores a clock change between them
        offset = max(0.0, (midnight.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds())
        if offset >= duration_s:
            break
        labels.append(day.isoformat())
        edges.append(offset)
        day += dt.timedelta(days=1)
    return labels, [*edges, duration_s]


def _median(values: pd.Series) -> float | None:
    finite = values.astype(float).dropna()
    return float(finite.median()) if len(finite) else None


def daily_measures(
    bouts: pd.DataFrame,
    start: dt.datetime | None,
    duration_s: float,
    contacts_s: npt.ArrayLike,
    per_second: pd.DataFrame,
    turns_s: npt.ArrayLike | None = None,
    non_wear: FloatArray | None = None,
) -> pd.DataFrame:
    """One row per calendar day covered by a recording (columns :data:`DAY_COLUMNS`).

    Parameters
    ----------
    bouts
        The bouts table of an analysis (``start_s``, ``end_s``, ``duration_s``, ...).
    start
        Time-zone aware start of the recording, or ``None``.
    duration_s
        Length of the recording, s.
    contacts_s
        Every step's initial contact, s from the first sample (the steps table's ``ic_s``).
    per_second
        Cadence of every whole walking second (``second``, ``cadence_spm``), as the
        analysis's ``per_second``.
    turns_s
        Start of every turn, s from the first sample (the turns table's ``start_s``), or
        ``None`` where turns cannot be told (no gyroscope): then ``n_turns`` is ``None``.
    non_wear
        Spans when the sensor was not worn, ``(k, 2)`` s from the first sample
        (:mod:`backstride.gait.wear`), or ``None`` where that was not judged (a recording
        shorter than an hour): then ``worn_s`` is ``None``.
    """
    labels, edges = _day_edges(start, duration_s)
    inner = np.asarray(edges[1:-1])
    starts = bouts["start_s"].to_numpy(dtype=float) if len(bouts) else np.zeros(0)
    ends = bouts["end_s"].to_numpy(dtype=float) if len(bouts) else np.zeros(0)
    which = np.searchsorted(inner, starts, side="right")
    step_day = np.searchsorted(inner, np.asarray(contacts_s, dtype=float), side="right")
    second = per_second["second"].to_numpy(dtype=float) if len(per_second) else np.zeros(0)
    cadence = per_second["cadence_spm"].to_numpy(dtype=float) if len(per_second) else second
    second_day = np.searchsorted(inner, second, side="right")
    turn_day = (
        None
        if turns_s is None
        else np.searchsorted(inner, np.asarray(turns_s, dtype=float), side="right")
    )
    rows = []
    for k, label in enumerate(labels):
        day = bouts[which == k] if len(bouts) else bouts
        duration = day["duration_s"].astype(float) if len(day) else pd.Series(dtype=float)
        long_enough = day[duration >= 30.0] if len(day) else day
        walked = np.minimum(ends, edges[k + 1]) - np.maximum(starts, edges[k])
        today = cadence[second_day == k]
        rows.append(
            {
                "day": label,
                "recorded_s": edges[k + 1] - edges[k],
                "worn_s": (
                    None
                    if non_wear is None
                    else edges[k + 1] - edges[k] - overlap_s(non_wear, edges[k], edges[k + 1])
                ),
                "n_bouts": len(day),
                "n_bouts_10s": int((duration >= 10.0).sum()),
                "n_bouts_30s": int((duration >= 30.0).sum()),
                "n_bouts_60s": int((duration >= 60.0).sum()),
                "walking_s": float(np.clip(walked, 0.0, None).sum()),
                "longest_bout_s": float(duration.max()) if len(day) else 0.0,
                "steps": int((step_day == k).sum()),
                "moderate_s": float((today >= MODERATE_SPM).sum()),
                "vigorous_s": float((today >= VIGOROUS_SPM).sum()),
                "n_turns": None if turn_day is None else int((turn_day == k).sum()),
                "cadence_spm": _median(day["cadence_spm"]) if len(day) else None,
                "stride_length_m": _median(day["stride_length_m"]) if len(day) else None,
                "walking_speed_mps": _median(day["walking_speed_mps"]) if len(day) else None,
                "walking_speed_30s_mps": (
                    _median(long_enough["walking_speed_mps"]) if len(long_enough) else None
                ),
                "step_time_ratio": _median(day["step_time_ratio"]) if len(day) else None,
            }
        )
    return pd.DataFrame(rows, columns=DAY_COLUMNS)
