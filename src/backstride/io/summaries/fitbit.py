"""Fitbit step exports (JSON): daily step totals and walks found in minute-by-minute steps.

What is read
    - Fitbit account archive files (``steps-YYYY-MM-DD.json``): a list of
      ``{"dateTime": "06/24/95 16:01:00", "value": "44"}``, one entry per minute;
    - Fitbit Web API responses: ``{"activities-steps": [{"dateTime": "2020-01-01",
      "value": "1234"}], "activities-steps-intraday": {"dataset": [{"time": "00:00:00",
      "value": 0}]}}`` (intraday or daily).
    The archive files carry no type of their own (calories, distance and active-minute files
    look the same), so a file whose name starts with another Fitbit metric (``calories-``,
    ``distance-``, ``heart_rate-``...) is not read as steps, and every value must be a
    whole, non-negative number.
Times
    Fitbit writes the tracker's wall-clock time without a zone; it is read in
    ``default_tz`` (the zone the tracker was set to), as GGIRread does.
Daily totals
    The sum of each local day's entries (an entry repeated with the same time counts once,
    its largest value).
Walks
    A minute with at least :data:`ACTIVE_SPM` (60) steps is stepping. Stepping minutes less
    than :data:`MAX_GAP_MIN` + 1 minutes apart (gaps of up to 2 minutes) are joined, and a
    joined run with at least :data:`MIN_ACTIVE_MIN` (5) stepping minutes is a walk: from the
    start of its first stepping minute to the end of its last, with every step inside it,
    moving time 60 s per stepping minute, cadence the median of its stepping minutes, and
    moderate and vigorous time 60 s per minute with at least 100 and 130 steps.
    Data coarser than one minute has no walks.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io.summaries._base import read_capped, shown, summary_hash, to_float
from backstride.io.summaries._xml import _reason
from backstride.walks.walk import Walk

ACTIVE_SPM = 60
#: Cadence thresholds of ``Walk.moderate_s`` and ``Walk.vigorous_s`` (DESIGN.md).
MODERATE_SPM = 100
VIGOROUS_SPM = 130
MAX_GAP_MIN = 2
MIN_ACTIVE_MIN = 5
#: Largest believable count in one entry (a whole day's steps in a daily file).
MAX_STEPS_PER_ENTRY = 200_000
#: File-name prefixes of Fitbit archive files that hold something other than steps.
OTHER_METRICS = (
    "calories",
    "distance",
    "altitude",
    "heart_rate",
    "resting_heart_rate",
    "sleep",
    "very_active_minutes",
    "moderately_active_minutes",
    "lightly_active_minutes",
    "sedentary_minutes",
    "time_in_heart_rate_zones",
    "estimated_oxygen_variation",
    "swim_lengths_data",
    "exercise",
    "demographic_vo2_max",
    "run_vo2_max",
    "floors",
    "elevation",
    "weight",
    "bmi",
)

_TIME_FORMATS = (
    (re.compile(r"^\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}$"), "%m/%d/%y %H:%M:%S"),
    (re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$"), None),
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{2}/\d{2}/\d{2}$"), "%m/%d/%y"),
)


def names_other_metric(name: str) -> bool:
    """Whether a Fitbit archive file name names a metric other than steps."""
    lowered = name.lower()
    return any(lowered.startswith(prefix) for prefix in OTHER_METRICS)


def _parse_time(text: object) -> dt.datetime | None:
    """A naive wall-clock time from a Fitbit ``dateTime``, or ``None`` if unreadable."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    text = text.strip()
    for pattern, fmt in _TIME_FORMATS:
        if pattern.match(text):
            try:
                moment = (
                    dt.datetime.fromisoformat(text)
                    if fmt is None
                    else dt.datetime.strptime(text, fmt)
                )
            except ValueError:
                return None
            return moment if 1980 <= moment.year < 2100 else None
    return None


def _count(value: object, where: str, name: str) -> int:
    """A step count from a Fitbit ``value`` (a whole, non-negative number)."""
    number = to_float(value) if isinstance(value, str | int | float) else None
    if number is None or number < 0 or number != int(number) or number > MAX_STEPS_PER_ENTRY:
        raise InvalidInputError(
            f"The file {name} has the value {str(value)[:20]!r} {where}, which is not a step "
            "count; give a Fitbit steps export (steps-*.json)."
        )
    return int(number)


def parse_fitbit_steps(data: bytes, name: str) -> tuple[list[tuple[dt.datetime, int]], bool]:
    """Parse a Fitbit steps JSON into ``(wall-clock time, steps)`` entries.

    Parameters
    ----------
    data
        The file's bytes.
    name
        File name, for messages and the metric check.

    Returns
    -------
    tuple
        The entries in time order (a repeated time kept once, with its largest value), and
        whether they are intraday (one per minute or finer) rather than daily totals.

    Raises
    ------
    InvalidInputError
        Not JSON, not a Fitbit steps layout, or values that are not step counts.
    """
    if names_other_metric(name):
        raise InvalidInputError(
            f"The file {name} holds another Fitbit metric, not steps; give a steps-*.json file."
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeError, ValueError, RecursionError) as exc:
        raise InvalidInputError(
            f"The file {name} is not valid JSON ({_reason(exc)}); export it again."
        ) from exc
    raw: list[tuple[object, object]] = []
    if isinstance(document, list):
        for index, item in enumerate(document):
            if not isinstance(item, dict) or "dateTime" not in item or "value" not in item:
                raise InvalidInputError(
                    f"Entry {index + 1} of {name} is not a {{dateTime, value}} pair; give a "
                    "Fitbit steps export."
                )
            raw.append((item["dateTime"], item["value"]))
    elif isinstance(document, dict) and isinstance(document.get("activities-steps"), list):
        raw = _api_entries(document, name)
    else:
        raise InvalidInputError(
            f"The file {name} is JSON but not a Fitbit steps export (a list of dateTime/value "
            "pairs or an activities-steps response)."
        )
    if not raw:
        raise InvalidInputError(f"The file {name} holds no step entries; export it again.")
    merged: dict[dt.datetime, int] = {}
    for index, (when, value) in enumerate(raw):
        moment = _parse_time(when)
        if moment is None:
            raise InvalidInputError(
                f"Entry {index + 1} of {name} has the unreadable time {str(when)[:30]!r}; give "
                "an unmodified Fitbit export."
            )
        steps = _count(value, f"in entry {index + 1}", name)
        merged[moment] = max(steps, merged.get(moment, 0))
    entries = sorted(merged.items())
    times = [moment for moment, _ in entries]
    intraday = (
        len(times) > 1
        and min((b - a).total_seconds() for a, b in itertools.pairwise(times)) <= 60.0
    )
    if len(times) == 1:
        first = times[0]
        intraday = (first.hour, first.minute, first.second) != (0, 0, 0)
    return entries, intraday


def _api_entries(document: dict[str, Any], name: str) -> list[tuple[object, object]]:
    """Entries of a Fitbit Web API steps response (intraday when present, else daily)."""
    daily = document["activities-steps"]
    intraday = document.get("activities-steps-intraday")
    if isinstance(intraday, dict) and isinstance(intraday.get("dataset"), list):
        if len(daily) != 1 or not isinstance(daily[0], dict):
            raise InvalidInputError(
                f"The file {name} has intraday steps without exactly one day in "
                "activities-steps, so their date is unknown; request one day at a time."
            )
        day = str(daily[0].get("dateTime", ""))[:10]
        entries: list[tuple[object, object]] = []
        for item in intraday["dataset"]:
            if not isinstance(item, dict):
                raise InvalidInputError(
                    f"The file {name} has an intraday entry that is not a {{time, value}} pair."
                )
            entries.append((f"{day} {item.get('time', '')}", item.get("value")))
        return entries
    entries = []
    for item in daily:
        if not isinstance(item, dict):
            raise InvalidInputError(
                f"The file {name} has a daily entry that is not a {{dateTime, value}} pair."
            )
        entries.append((item.get("dateTime"), item.get("value")))
    return entries


def read_fitbit_daily_steps(path: str | Path) -> dict[dt.date, int]:
    """Daily step totals of a Fitbit steps export (local days; see the module docstring).

    Raises
    ------
    InvalidInputError
        See :func:`parse_fitbit_steps`.
    """
    p = Path(path)
    entries, _ = parse_fitbit_steps(read_capped(p), shown(p.name))
    totals: dict[dt.date, int] = defaultdict(int)
    for moment, steps in entries:
        totals[moment.date()] += steps
    return dict(sorted(totals.items()))


def read_fitbit_walks(path: str | Path, *, default_tz: dt.tzinfo = dt.UTC) -> list[Walk]:
    """Walks found in a Fitbit intraday steps export (rule in the module docstring).

    Parameters
    ----------
    path
        The JSON file.
    default_tz
        The zone of the tracker's wall-clock times.

    Returns
    -------
    list of Walk
        The walks in time order (empty for daily totals or when nobody walked).

    Raises
    ------
    InvalidInputError
        See :func:`parse_fitbit_steps`.
    """
    p = Path(path)
    entries, intraday = parse_fitbit_steps(read_capped(p), shown(p.name))
    if not intraday:
        return []
    minutes: dict[dt.datetime, int] = defaultdict(int)
    for moment, steps in entries:
        minutes[moment.replace(second=0, microsecond=0)] += steps
    ordered = sorted(minutes)
    if not ordered:
        return []
    origin = ordered[0]
    # Sparse minute indices: a file spanning years never becomes a dense array.
    index = np.array([int((m - origin).total_seconds() // 60) for m in ordered], dtype=np.int64)
    counts = np.array([minutes[m] for m in ordered], dtype=np.int64)
    stepping = counts >= ACTIVE_SPM
    active = index[stepping]
    walks: list[Walk] = []
    if active.size == 0:
        return walks
    breaks = np.flatnonzero(np.diff(active) > MAX_GAP_MIN + 1)
    for run in np.split(np.flatnonzero(stepping), breaks + 1):
        if run.size < MIN_ACTIVE_MIN:
            continue
        first, last = int(index[run[0]]), int(index[run[-1]])
        start = (origin + dt.timedelta(minutes=first)).replace(tzinfo=default_tz)
        end = (origin + dt.timedelta(minutes=last + 1)).replace(tzinfo=default_tz)
        inside = slice(int(run[0]), int(run[-1]) + 1)
        steps = int(counts[inside].sum())
        cadence = float(np.median(counts[run]))
        walks.append(
            Walk(
                start=start,
                end=end,
                source="Fitbit",
                source_hash=summary_hash(start, "walking", None, steps),
                duration_s=float((last + 1 - first) * 60),
                walking_s=float(run.size * 60),
                steps=steps,
                cadence_spm=cadence,
                moderate_s=float(60 * np.count_nonzero(counts[run] >= MODERATE_SPM)),
                vigorous_s=float(60 * np.count_nonzero(counts[run] >= VIGOROUS_SPM)),
                extra={
                    "activity": "walking",
                    "format": "fitbit_json",
                    "stepping_minutes": int(run.size),
                    "walk_rule": (
                        f"minutes with >= {ACTIVE_SPM} steps, joined across gaps of up to "
                        f"{MAX_GAP_MIN} min, at least {MIN_ACTIVE_MIN} stepping minutes"
                    ),
                    "time_note": f"Fitbit wall-clock times read in {default_tz}",
                },
            )
        )
    return walks
