"""Garmin Training Center (TCX) activities, streamed with defusedxml.

No maintained TCX library parses safely and streams (``python-tcxparser`` loads the whole
tree with lxml), and TCX is a small schema, so it is read here with
:mod:`defusedxml`'s ``iterparse`` (DTDs and entities refused), dropping each ``Trackpoint``
once read so memory stays bounded.

What is read
    One walk per ``Activity`` (its laps joined): ``Sport`` (Running, Biking, Other),
    ``Trackpoint`` ``Time``, ``Position``, ``AltitudeMeters``, ``DistanceMeters`` (the device's
    cumulative distance, used for distance and speed), ``HeartRateBpm``, running cadence
    (``Extensions/TPX/RunCadence``, or ``Cadence`` on foot) in strides per minute, doubled to
    steps per minute; lap ``TotalTimeSeconds``, ``DistanceMeters``, ``Calories`` and
    ``Extensions/LX/Steps``; the device name from ``Creator/Name``. Biking cadence is pedal
    revolutions and is kept in ``extra`` only.
Check
    On ``test.tcx`` the last trackpoint distance is 4686.31 m and the raw altitude sums are
    153.81 m up and 166.31 m down, the independent totals shipped with the sample.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from backstride.exceptions import InvalidInputError
from backstride.io.summaries._base import (
    MAX_FILE_BYTES,
    activity_name,
    short_label,
    shown,
    to_float,
)
from backstride.io.summaries._track import (
    TrackBuilder,
    believable_times,
    summarise_track,
    walk_from_track,
)
from backstride.io.summaries._xml import (
    GuardedStream,
    child_text,
    descendant_text,
    drop,
    iter_xml,
    local_name,
)
from backstride.walks.walk import Walk

_TIME_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?\s*$"
)


def parse_xml_time(text: str | None) -> float | None:
    """Unix time of an XML Schema ``dateTime`` (no zone = UTC), or ``None`` if unreadable."""
    if not text:
        return None
    match = _TIME_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    zone = match.group(8)
    tz: dt.tzinfo = dt.UTC
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            return None
        tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None
    fraction = float(match.group(7)) if match.group(7) else 0.0
    return moment.timestamp() + fraction


@dataclass
class _Activity:
    """What one ``Activity`` element held, as it streamed past."""

    sport: str
    builder: TrackBuilder
    laps: int = 0
    lap_time_s: float = 0.0
    lap_distance_m: float = 0.0
    calories: float = 0.0
    steps: int | None = None
    lap_starts: list[float] = field(default_factory=list)
    bike_cadence: list[float] = field(default_factory=list)
    creator: str = ""
    activity_id: str = ""


def _trackpoint(element: Element, activity: _Activity) -> None:
    """Add one ``Trackpoint`` to the activity's points."""
    time_s = lat = lon = alt = distance = hr = cadence = None
    for child in element:
        tag = local_name(child.tag)
        if tag == "Time":
            time_s = parse_xml_time(child.text)
        elif tag == "Position":
            lat = to_float(child_text(child, "LatitudeDegrees"))
            lon = to_float(child_text(child, "LongitudeDegrees"))
        elif tag == "AltitudeMeters":
            alt = to_float(child.text)
        elif tag == "DistanceMeters":
            distance = to_float(child.text)
        elif tag == "HeartRateBpm":
            hr = to_float(child_text(child, "Value"))
        elif tag == "Cadence":
            cadence = to_float(child.text)
        elif tag == "Extensions":
            run = to_float(descendant_text(child, "RunCadence"))
            cadence = run if run is not None else cadence
    on_foot = activity.sport != "cycling"
    if cadence is not None and not on_foot:
        activity.bike_cadence.append(cadence)
    activity.builder.add(
        time_s,
        lat_deg=lat,
        lon_deg=lon,
        alt_m=alt,
        distance_m=distance,
        cadence_spm=2.0 * cadence if cadence is not None and on_foot else None,
        heart_rate_bpm=hr,
    )


def _lap(element: Element, activity: _Activity) -> None:
    """Add a ``Lap``'s totals to the activity."""
    activity.laps += 1
    start = parse_xml_time(element.get("StartTime"))
    if start is not None:
        activity.lap_starts.append(start)
    activity.lap_time_s += to_float(child_text(element, "TotalTimeSeconds")) or 0.0
    activity.lap_distance_m += to_float(child_text(element, "DistanceMeters")) or 0.0
    activity.calories += to_float(child_text(element, "Calories")) or 0.0
    for child in element:
        if local_name(child.tag) == "Extensions":
            steps = to_float(descendant_text(child, "Steps"))
            if steps is not None and 0 <= steps < 1e7:
                activity.steps = (activity.steps or 0) + round(steps)


def read_tcx(path: str | Path, *, default_tz: dt.tzinfo = dt.UTC) -> list[Walk]:
    """Read the walks of a TCX file (one per ``Activity``).

    Parameters
    ----------
    path
        The ``.tcx`` file.
    default_tz
        Zone in which walks are expressed (TCX times are UTC instants).

    Returns
    -------
    list of Walk
        One walk per activity with timed trackpoints, in file order.

    Raises
    ------
    InvalidInputError
        Unreadable, hostile or not TCX, or no activity with timed trackpoints.
    """
    p = Path(path)
    name = shown(p.name)
    try:
        handle = p.open("rb")
    except OSError as exc:
        raise InvalidInputError(
            f"{shown(p)} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc
    activities: list[_Activity] = []
    root_name = ""
    with handle:
        stream = GuardedStream(handle, name, MAX_FILE_BYTES)
        current: _Activity | None = None
        for event, element, ancestors in iter_xml(stream, name, forbid_dtd=True):
            tag = local_name(element.tag)
            if event == "start":
                if not ancestors:
                    root_name = tag
                    if tag != "TrainingCenterDatabase":
                        break
                elif tag == "Activity":
                    current = _Activity(
                        sport=activity_name(element.get("Sport")), builder=TrackBuilder(name)
                    )
                continue
            if current is None:
                if ancestors and tag in {"Trackpoint", "Lap", "Course", "Workout"}:
                    drop(element, ancestors)
                continue
            if tag == "Trackpoint":
                _trackpoint(element, current)
                drop(element, ancestors)
            elif tag == "Lap":
                _lap(element, current)
                drop(element, ancestors)
            elif tag == "Id" and ancestors and local_name(ancestors[-1].tag) == "Activity":
                current.activity_id = short_label(element.text, 40)
            elif tag == "Creator" and ancestors and local_name(ancestors[-1].tag) == "Activity":
                current.creator = short_label(child_text(element, "Name"), 60)
            elif tag == "Activity":
                activities.append(current)
                current = None
                drop(element, ancestors)
    if root_name != "TrainingCenterDatabase":
        raise InvalidInputError(
            f"The file {name} is XML but not TCX (its root element is {root_name[:30]!r}); "
            "give a .tcx activity."
        )
    walks = [walk for activity in activities if (walk := _walk(activity, default_tz))]
    if not walks:
        raise InvalidInputError(
            f"The file {name} holds no activity with trackpoints timed between 1980 and 2100, "
            "so it has no walk; export the recorded activity."
        )
    return walks


def _walk(activity: _Activity, tz: dt.tzinfo) -> Walk | None:
    """The walk of one activity, or ``None`` without at least two timed points."""
    points = activity.builder.build()
    timed = points.time_s[believable_times(points)]
    if timed.size < 2 or float(timed.max() - timed.min()) <= 0:
        return None
    summary = summarise_track(points, on_foot=activity.sport != "cycling")
    extra: dict[str, Any] = {
        "format": "tcx",
        "laps": activity.laps,
        "lap_time_s": round(activity.lap_time_s, 2),
        "lap_distance_m": round(activity.lap_distance_m, 2),
    }
    if activity.calories:
        extra["energy_kcal"] = round(activity.calories, 1)
    if activity.bike_cadence:
        extra["bike_cadence_rpm_median"] = sorted(activity.bike_cadence)[
            len(activity.bike_cadence) // 2
        ]
    if activity.activity_id:
        extra["activity_id"] = activity.activity_id
    source = f"TCX ({activity.creator})" if activity.creator else "TCX"
    return walk_from_track(
        summary,
        tz=tz,
        source=source,
        activity=activity.sport,
        steps=activity.steps,
        distance_m=activity.lap_distance_m or None,
        extra=extra,
    )
