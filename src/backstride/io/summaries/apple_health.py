"""Apple Health exports (``export.zip``, ``export.xml`` or the unzipped folder), streamed.

An export is one XML file that reaches gigabytes, so it is never loaded: it is streamed
with :mod:`defusedxml`'s ``iterparse`` (entity declarations and external references
refused; Apple's own DTD holds element declarations only), every element is dropped once
read, and a zip is read member by member in memory (never extracted) with size, ratio and
path checks (:mod:`._zip`). Memory therefore stays bounded whatever the export's size.

Walks (:func:`read_apple_health`)
    Each ``<Workout>`` whose ``workoutActivityType`` is walking or hiking (or any of
    ``activities``) is a walk: start and end (``"2020-09-16 18:33:42 -0800"``, expressed in
    the workout's ``HKTimeZone`` when it names one), ``duration`` (Apple's active time, kept
    as ``extra["active_duration_s"]``), ``totalDistance`` or the
    ``WorkoutStatistics`` of ``DistanceWalkingRunning``, energy, ``HKIndoorWorkout`` and
    ``HKElevationAscended`` (barometric) metadata, and the route: inline ``<Location>``
    points (older exports) or the ``workout-routes/*.gpx`` file its ``FileReference``
    names, read from the zip or the export folder. A route gives moving time, elevation
    gain, loss and grade and the gentle-hills summary by the common track method.
    The export is read twice: once for the workouts, then once for the records that
    overlap them (records come before workouts in the file), so nothing is buffered.
Records attached to walks
    ``StepCount`` (and, when the workout has no distance, ``DistanceWalkingRunning``):
    the overlapping part of each record, counted per source; the walk takes the source with
    the most (the iPhone and the Watch both count the same steps, so adding them would
    count twice). ``WalkingSpeed``, ``WalkingStepLength``, ``WalkingAsymmetryPercentage``,
    ``WalkingDoubleSupportPercentage``, ``AppleWalkingSteadiness`` and ``HeartRate``: the
    mean of the overlapping records, in ``extra`` (``walking_speed_mps``,
    ``walking_step_length_m``, ``walking_asymmetry_fraction``,
    ``walking_double_support_fraction``, ``walking_steadiness_fraction``,
    ``heart_rate_bpm_mean``). Apple stores percentages as fractions (``0.294`` is 29.4%); a
    value above 1 is read as a percentage and divided by 100. ``stride_length_m`` is twice
    the mean step length.
Daily steps (:func:`read_apple_daily_steps`)
    Every ``StepCount`` record is split over the local hours it spans (in proportion to
    time, in the record's own UTC offset, so a walk lands on the day it was walked) and
    summed per hour and source; each hour takes the source with the most steps, and the
    hours are summed per day. This approximates the Health app's own source priority
    without counting the iPhone's and the Watch's steps twice, and keeps the steps of
    whichever device was carried when only one was. Records spanning more than 7 days are
    implausible and skipped.
"""

from __future__ import annotations

import bisect
import datetime as dt
import posixpath
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element

import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io.summaries._base import (
    MAX_FILE_BYTES,
    WALKING_ACTIVITIES,
    activity_name,
    believable,
    optional_time_zone,
    short_label,
    shown,
    summary_hash,
    to_float,
)
from backstride.io.summaries._track import (
    TrackBuilder,
    TrackPoints,
    TrackSummary,
    round_or_none,
    summarise_track,
    summary_extra,
)
from backstride.io.summaries._xml import GuardedStream, drop, iter_xml, local_name
from backstride.io.summaries._zip import (
    MAX_UNCOMPRESSED_BYTES,
    member_dir,
    open_member,
    open_zip,
    read_member,
)
from backstride.io.summaries.gpx import gpx_tracks, parse_gpx_bytes
from backstride.walks.walk import Walk

STEP_COUNT = "HKQuantityTypeIdentifierStepCount"
DISTANCE = "HKQuantityTypeIdentifierDistanceWalkingRunning"
FLIGHTS = "HKQuantityTypeIdentifierFlightsClimbed"
#: Record types averaged over a walk: type -> (extra key, unit table).
MEAN_TYPES: dict[str, tuple[str, str]] = {
    "HKQuantityTypeIdentifierWalkingSpeed": ("walking_speed_mps", "speed"),
    "HKQuantityTypeIdentifierWalkingStepLength": ("walking_step_length_m", "length"),
    "HKQuantityTypeIdentifierWalkingAsymmetryPercentage": (
        "walking_asymmetry_fraction",
        "percent",
    ),
    "HKQuantityTypeIdentifierWalkingDoubleSupportPercentage": (
        "walking_double_support_fraction",
        "percent",
    ),
    "HKQuantityTypeIdentifierAppleWalkingSteadiness": ("walking_steadiness_fraction", "percent"),
    "HKQuantityTypeIdentifierHeartRate": ("heart_rate_bpm_mean", "rate"),
}
#: Record types summed over a walk (best source): type -> unit table.
SUM_TYPES: dict[str, str] = {STEP_COUNT: "count", DISTANCE: "length", FLIGHTS: "count"}

UNITS: dict[str, dict[str, float]] = {
    "length": {
        "m": 1.0,
        "km": 1000.0,
        "cm": 0.01,
        "mm": 0.001,
        "mi": 1609.344,
        "ft": 0.3048,
        "in": 0.0254,
        "yd": 0.9144,
    },
    "speed": {
        "m/s": 1.0,
        "km/hr": 1 / 3.6,
        "km/h": 1 / 3.6,
        "mi/hr": 0.44704,
        "mph": 0.44704,
        "ft/s": 0.3048,
        "m/min": 1 / 60,
    },
    "duration": {"s": 1.0, "sec": 1.0, "min": 60.0, "hr": 3600.0, "h": 3600.0, "ms": 0.001},
    "energy": {"kcal": 1.0, "Cal": 1.0, "cal": 0.001, "kJ": 1 / 4.184, "J": 1 / 4184},
    "count": {"count": 1.0, "": 1.0},
    "rate": {"count/min": 1.0, "count/s": 60.0},
    "percent": {"%": 1.0, "": 1.0},
}
#: Longest believable record, s (longer ones are skipped).
MAX_RECORD_S = 7 * 86400.0
#: Route points this far outside the workout still belong to it, s.
ROUTE_MARGIN_S = 60.0
#: A route must span this share of its workout for its moving time to be used.
ROUTE_COVERAGE = 0.5
#: Most distinct sources counted per walk or hour (a real export has a handful).
MAX_SOURCES = 50
#: Most walking workouts read (ten a day for 27 years).
MAX_WORKOUTS = 100_000
#: Most inline route points of one workout (55 h at one a second).
MAX_ROUTE_POINTS = 200_000
#: Longest believable workout, s.
MAX_WORKOUT_S = 7 * 86400.0

_DATE_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?\s*"
    r"(?:([+-])(\d{2}):?(\d{2})|Z)?\s*$"
)


@lru_cache(maxsize=128)
def _offset(sign: str, hours: int, minutes: int) -> dt.timezone:
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if sign == "-" else delta)


def parse_apple_date(text: str | None) -> dt.datetime | None:
    """An aware datetime from an Apple Health date (``"2020-09-16 18:33:42 -0800"``).

    Returns ``None`` when the text is missing, unreadable or outside 1980-2100 (a placeholder);
    a time without a zone is UTC.
    """
    if not text or len(text) > 40:
        return None
    match = _DATE_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    tz: dt.tzinfo = dt.UTC
    if match.group(7):
        hours, minutes = int(match.group(8)), int(match.group(9))
        if hours > 18 or minutes > 59:
            return None
        tz = _offset(match.group(7), hours, minutes)
    try:
        moment = dt.datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None
    return moment if believable(moment) else None


def _convert(value: str | None, unit: str | None, table: str) -> float | None:
    """A record or attribute value in BackStride units, or ``None`` if unusable."""
    number = to_float(value)
    factors = UNITS[table]
    if number is None or (unit or "") not in factors:
        return None
    number *= factors[unit or ""]
    if number < 0:
        return None
    if table == "percent" and number > 1.0:
        number /= 100.0
    return number


def _quantity_text(text: str | None, table: str) -> float | None:
    """A metadata quantity such as ``"1234 cm"`` in BackStride units."""
    if not text:
        return None
    parts = text.strip().split()
    if len(parts) != 2:
        return None
    return _convert(parts[0], parts[1], table)


# --- Opening an export --------------------------------------------------------------------


@dataclass
class _Source:
    """An opened export: a way to stream export.xml and to load route files.

    ``size`` is export.xml's size in bytes (for progress).
    """

    label: str
    open_xml: Callable[[], GuardedStream]
    load_route: Callable[[str], tuple[bytes | None, str | None]]
    size: int


def _route_reference(reference: str) -> str | None:
    """A route path relative to the export folder, or ``None`` if it leaves the folder."""
    cleaned = reference.replace("\\", "/").lstrip("/")
    normal = posixpath.normpath(cleaned)
    if not cleaned or normal.startswith("..") or normal.startswith("/") or "\x00" in normal:
        return None
    return normal


def _export_member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    candidates = [
        info
        for info in archive.infolist()
        if posixpath.basename(info.filename) == "export.xml" and not info.is_dir()
    ]
    if not candidates:
        raise InvalidInputError(
            f"The zip archive {name} holds no export.xml, so it is not an Apple Health export; "
            "give the export.zip from the Health app."
        )
    return min(candidates, key=lambda info: (info.filename.count("/"), info.filename))


Progress = Callable[[int], None]


@contextmanager
def _open_source(path: Path, max_bytes: int, on_read: Progress | None = None) -> Iterator[_Source]:
    """Open a zip, an export.xml or an export folder as a :class:`_Source`."""
    if path.is_dir():
        xml = path / "export.xml"
        if not xml.is_file():
            raise InvalidInputError(
                f"The folder {shown(path)} holds no export.xml; give the Apple Health export "
                "folder or its export.zip."
            )
        path = xml
    try:
        with path.open("rb") as probe:
            head = probe.read(4)
        file_size = path.stat().st_size
    except OSError as exc:
        raise InvalidInputError(
            f"{shown(path)} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc
    if head.startswith(b"PK"):
        archive = open_zip(path)
        try:
            info = _export_member(archive, shown(path.name))
            folder = member_dir(info.filename)
            names = {item.filename: item for item in archive.infolist()}

            def open_xml() -> GuardedStream:
                return open_member(archive, info, shown(path.name), max_bytes, on_read)

            def load_route(reference: str) -> tuple[bytes | None, str | None]:
                relative = _route_reference(reference)
                if relative is None:
                    return None, f"route path {reference[:60]!r} leaves the export; ignored"
                member = names.get(posixpath.join(folder, relative) if folder else relative)
                if member is None:
                    return None, f"route file {relative[:60]!r} is not in the archive"
                return read_member(archive, member, shown(path.name), MAX_FILE_BYTES), None

            yield _Source(
                f"{shown(info.filename)} in {shown(path.name)}",
                open_xml,
                load_route,
                info.file_size,
            )
        finally:
            archive.close()
        return
    folder_path = path.parent.resolve()
    handles: list[IO[bytes]] = []

    def open_file() -> GuardedStream:
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise InvalidInputError(
                f"{shown(path)} cannot be read ({exc.strerror or exc}); check its permissions."
            ) from exc
        handles.append(handle)
        return GuardedStream(handle, shown(path.name), max_bytes, on_read=on_read)

    def load_file_route(reference: str) -> tuple[bytes | None, str | None]:
        relative = _route_reference(reference)
        if relative is None:
            return None, f"route path {reference[:60]!r} leaves the export; ignored"
        target = (folder_path / relative).resolve()
        if not target.is_relative_to(folder_path):
            return None, f"route path {reference[:60]!r} leaves the export; ignored"
        if not target.is_file():
            return None, f"route file {relative[:60]!r} is not beside export.xml"
        try:
            size = target.stat().st_size
            if size > MAX_FILE_BYTES:
                return None, f"route file {relative[:60]!r} is larger than 64 MiB; ignored"
            return target.read_bytes(), None
        except OSError:
            return None, f"route file {relative[:60]!r} cannot be read"

    try:
        yield _Source(shown(path.name), open_file, load_file_route, file_size)
    finally:
        for handle in handles:
            handle.close()


def _records(
    source: _Source,
) -> Iterator[tuple[str, Element, list[Element]]]:
    """Stream export.xml, checking its root, yielding ``(event, element, ancestors)``."""
    stream = source.open_xml()
    for event, element, ancestors in iter_xml(stream, source.label, forbid_dtd=False):
        if event == "start" and not ancestors and local_name(element.tag) != "HealthData":
            raise InvalidInputError(
                f"The file {source.label} is XML but not an Apple Health export (its root "
                f"element is {local_name(element.tag)[:30]!r}); give export.xml or export.zip."
            )
        yield event, element, ancestors


class _Progress:
    """Turn chunk sizes into ``progress(done, total)`` calls over several passes."""

    def __init__(self, callback: Callable[[int, int], None] | None, passes: int) -> None:
        self.callback = callback
        self.passes = passes
        self.size = 0
        self.done = 0

    def on_read(self, n: int) -> None:
        """Count ``n`` more bytes read."""
        self.done += n
        if self.callback is not None:
            total = max(self.size * self.passes, self.done)
            self.callback(self.done, total)

    def finish(self) -> None:
        """Report completion (a pass that was skipped counts as done)."""
        if self.callback is not None:
            self.callback(max(self.done, 1), max(self.done, 1))


# --- Workouts -------------------------------------------------------------------------------


@dataclass
class _Workout:
    """One workout as it streamed past, then what the records add to it."""

    attributes: dict[str, str]
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    statistics: dict[str, float] = field(default_factory=dict)
    route_files: list[str] = field(default_factory=list)
    locations: TrackBuilder | None = None
    sums: dict[str, dict[str, float]] = field(default_factory=dict)
    means: dict[str, list[float]] = field(default_factory=dict)
    route: TrackSummary | None = None
    route_name: str | None = None
    notes: list[str] = field(default_factory=list)


def _workout_child(
    element: Element, ancestors: list[Element], workout: _Workout, label: str
) -> None:
    """Record what a child (at any depth) of a ``<Workout>`` says."""
    tag = local_name(element.tag)
    parent = local_name(ancestors[-1].tag) if ancestors else ""
    if tag == "MetadataEntry" and parent == "Workout":
        key = element.get("key")
        value = element.get("value")
        if key and value is not None and len(workout.metadata) < 200:
            workout.metadata[key[:80]] = value[:200]
    elif tag == "WorkoutStatistics":
        kind = element.get("type") or ""
        for suffix, key, table in (
            ("DistanceWalkingRunning", "distance_m", "length"),
            ("ActiveEnergyBurned", "energy_kcal", "energy"),
            ("StepCount", "steps", "count"),
        ):
            if kind.endswith(suffix):
                total = _convert(element.get("sum"), element.get("unit"), table)
                if total is not None:
                    workout.statistics[key] = total
    elif tag == "FileReference" and parent == "WorkoutRoute":
        reference = element.get("path")
        if reference and len(workout.route_files) < 10:
            workout.route_files.append(reference[:500])
    elif tag == "Location" and parent == "WorkoutRoute":
        moment = parse_apple_date(element.get("date"))
        if workout.locations is None:
            workout.locations = TrackBuilder(label, MAX_ROUTE_POINTS)
        workout.locations.add(
            moment.timestamp() if moment else None,
            lat_deg=to_float(element.get("latitude")),
            lon_deg=to_float(element.get("longitude")),
            alt_m=to_float(element.get("altitude")),
        )


def _scan_workouts(source: _Source, activities: frozenset[str]) -> tuple[list[_Workout], int]:
    """First pass: the wanted workouts (routes measured), and how many were unusable."""
    workouts: list[_Workout] = []
    current: _Workout | None = None
    bad_dates = 0
    for event, element, ancestors in _records(source):
        depth = len(ancestors)
        if event == "start":
            if depth == 1 and local_name(element.tag) == "Workout":
                kind = activity_name(element.get("workoutActivityType"))
                current = _Workout(dict(element.attrib)) if kind in activities else None
            continue
        if depth == 0:
            break
        if depth >= 2:
            if current is not None:
                _workout_child(element, ancestors, current, source.label)
            drop(element, ancestors)
            continue
        if local_name(element.tag) == "Workout" and current is not None:
            current.start = parse_apple_date(current.attributes.get("startDate"))
            current.end = parse_apple_date(current.attributes.get("endDate"))
            if (
                current.start is None
                or current.end is None
                or not 0 <= (current.end - current.start).total_seconds() <= MAX_WORKOUT_S
            ):
                bad_dates += 1
            else:
                if len(workouts) >= MAX_WORKOUTS:
                    raise InvalidInputError(
                        f"The export {source.label} holds more than {MAX_WORKOUTS:,} walking "
                        "workouts, more than any person records; it is damaged or hostile."
                    )
                # Measure the route now and keep only its summary, so memory stays bounded.
                current.route, current.route_name = _route_summary(current, source)
                current.locations = None
                workouts.append(current)
            current = None
        drop(element, ancestors)
    workouts.sort(key=lambda w: w.start or dt.datetime.min.replace(tzinfo=dt.UTC))
    return workouts, bad_dates


def _overlap(start: float, end: float, w_start: float, w_end: float) -> float:
    """Share of a record ``[start, end]`` inside ``[w_start, w_end]`` (instants: 0 or 1)."""
    if end <= start:
        return 1.0 if w_start <= start <= w_end else 0.0
    inside = min(end, w_end) - max(start, w_start)
    return max(0.0, inside) / (end - start)


def _attach_records(source: _Source, workouts: list[_Workout]) -> int:
    """Second pass: add overlapping records to the workouts; returns records skipped."""
    starts = [w.start.timestamp() for w in workouts if w.start]
    ends = [w.end.timestamp() for w in workouts if w.end]
    longest = max((e - s for s, e in zip(starts, ends, strict=True)), default=0.0)
    wanted = set(MEAN_TYPES) | set(SUM_TYPES)
    skipped = 0
    for event, element, ancestors in _records(source):
        if event == "start":
            continue
        depth = len(ancestors)
        if depth == 0:
            break
        if depth == 1 and local_name(element.tag) == "Record":
            kind = element.get("type") or ""
            if kind in wanted and not _attach(element, kind, workouts, starts, ends, longest):
                skipped += 1
        drop(element, ancestors)
    return skipped


def _attach(
    element: Element,
    kind: str,
    workouts: list[_Workout],
    starts: list[float],
    ends: list[float],
    longest: float,
) -> bool:
    """Add one record to the workouts it overlaps; ``False`` if it is unusable."""
    begin = parse_apple_date(element.get("startDate"))
    finish = parse_apple_date(element.get("endDate")) or begin
    if begin is None or finish is None:
        return False
    s, e = begin.timestamp(), finish.timestamp()
    if e < s or e - s > MAX_RECORD_S:
        return False
    table = SUM_TYPES.get(kind) or MEAN_TYPES[kind][1]
    value = _convert(element.get("value"), element.get("unit"), table)
    if value is None or value < 0:
        return False
    index = bisect.bisect_right(starts, e) - 1
    while index >= 0 and starts[index] >= s - longest:
        if ends[index] >= s:
            share = _overlap(s, e, starts[index], ends[index])
            if share > 0:
                workout = workouts[index]
                if kind in SUM_TYPES:
                    who = (element.get("sourceName") or "?")[:80]
                    per_source = workout.sums.setdefault(kind, defaultdict(float))
                    if who in per_source or len(per_source) < MAX_SOURCES:
                        per_source[who] += value * share
                else:
                    running = workout.means.setdefault(kind, [0.0, 0.0])
                    running[0] += value
                    running[1] += 1.0
        index -= 1
    return True


def _best(per_source: dict[str, float] | None) -> float | None:
    """The largest total over the sources (see the module docstring)."""
    if not per_source:
        return None
    return max(per_source.values())


def _route_summary(workout: _Workout, source: _Source) -> tuple[TrackSummary | None, str | None]:
    """Measure the workout's route within its times, from inline locations or GPX files."""
    parts: list[TrackPoints] = []
    used: str | None = None
    if workout.locations is not None and len(workout.locations):
        parts.append(workout.locations.build())
        used = "inline locations"
    for reference in workout.route_files:
        data, problem = source.load_route(reference)
        if problem or data is None:
            workout.notes.append(problem or f"route file {reference[:60]!r} is empty")
            continue
        name = posixpath.basename(reference)[:60]
        try:
            gpx = parse_gpx_bytes(data, name)
        except InvalidInputError as exc:
            workout.notes.append(f"route file {name!r} is unreadable ({exc})")
            continue
        parts.extend(track.points for track in gpx_tracks(gpx, name))
        used = name
    if not parts:
        return None, None
    points = TrackPoints.concat(parts)
    assert workout.start is not None and workout.end is not None
    low = workout.start.timestamp() - ROUTE_MARGIN_S
    high = workout.end.timestamp() + ROUTE_MARGIN_S
    inside = np.isfinite(points.time_s) & (points.time_s >= low) & (points.time_s <= high)
    if np.count_nonzero(inside) < 2:
        workout.notes.append(f"the route ({used}) does not overlap the workout's times; ignored")
        return None, None
    return summarise_track(points.select(inside)), used


def _walk(workout: _Workout, file_notes: list[str]) -> Walk:
    """The walk of one workout with its records attached."""
    assert workout.start is not None and workout.end is not None
    attributes = workout.attributes
    activity = activity_name(attributes.get("workoutActivityType"))
    tz = optional_time_zone(workout.metadata.get("HKTimeZone")) or workout.start.tzinfo or dt.UTC
    start = workout.start.astimezone(tz)
    end = workout.end.astimezone(tz)
    notes = list(workout.notes)
    extra: dict[str, Any] = {"activity": activity, "format": "apple_health"}

    active_s = _convert(attributes.get("duration"), attributes.get("durationUnit"), "duration")
    if active_s is not None:
        extra["active_duration_s"] = round(active_s, 1)
    distance = _convert(
        attributes.get("totalDistance"), attributes.get("totalDistanceUnit"), "length"
    )
    if distance is None:
        distance = workout.statistics.get("distance_m")
    energy = _convert(
        attributes.get("totalEnergyBurned"), attributes.get("totalEnergyBurnedUnit"), "energy"
    )
    energy = energy if energy is not None else workout.statistics.get("energy_kcal")
    if energy is not None:
        extra["energy_kcal"] = round(energy, 1)
    indoor = workout.metadata.get("HKIndoorWorkout")
    if indoor is not None:
        extra["indoor"] = indoor.strip() in {"1", "true", "YES"}
    ascended = _quantity_text(workout.metadata.get("HKElevationAscended"), "length")

    steps_value = workout.statistics.get("steps")
    if steps_value is None:
        steps_value = _best(workout.sums.get(STEP_COUNT))
        if steps_value is not None:
            extra["steps_method"] = "StepCount records of the source with the most steps"
    steps = round(steps_value) if steps_value is not None else None
    if distance is None:
        distance = _best(workout.sums.get(DISTANCE))
        if distance is not None:
            extra["distance_method"] = "DistanceWalkingRunning records, best source"
    flights = _best(workout.sums.get(FLIGHTS))
    if flights is not None:
        extra["flights_climbed"] = round(flights, 1)
    for kind, (key, _) in MEAN_TYPES.items():
        running = workout.means.get(kind)
        if running and running[1]:
            extra[key] = round(running[0] / running[1], 4)
    step_length = extra.get("walking_step_length_m")

    walking_s = active_s
    gain = loss = grade = None
    summary = workout.route
    if summary is not None:
        extra.update(summary_extra(summary))
        extra["route"] = workout.route_name
        covers = summary.duration_s >= ROUTE_COVERAGE * max((end - start).total_seconds(), 1.0)
        if summary.walking_s is not None and (covers or walking_s is None):
            walking_s = summary.walking_s
            extra["moving_time_source"] = "route"
        gain, loss, grade = (
            summary.elevation_gain_m,
            summary.elevation_loss_m,
            summary.mean_grade_pct,
        )
        if distance is None:
            distance = summary.distance_m
    if ascended is not None:
        extra["elevation_gain_route_m"] = round_or_none(gain)
        gain = ascended
        extra["elevation_gain_source"] = "HKElevationAscended (barometer)"
    cadence = None
    if steps is not None and walking_s:
        cadence = 60.0 * steps / walking_s
        extra["cadence_method"] = "steps / moving minutes"
    speed = distance / walking_s if distance is not None and walking_s else None
    if notes or file_notes:
        extra["file_notes"] = notes + file_notes
    device = short_label(attributes.get("sourceName"), 60)
    return Walk(
        start=start,
        end=end,
        source=f"Apple Health ({device})" if device else "Apple Health",
        source_hash=summary_hash(start, activity, distance, steps),
        duration_s=(end - start).total_seconds(),
        walking_s=round_or_none(walking_s, 3),
        steps=steps,
        distance_m=round_or_none(distance),
        cadence_spm=round_or_none(cadence),
        elevation_gain_m=round_or_none(gain),
        elevation_loss_m=round_or_none(loss),
        mean_grade_pct=round_or_none(grade),
        speed_mps=round_or_none(speed, 3),
        stride_length_m=round(2.0 * step_length, 3) if step_length else None,
        extra=extra,
    )


def read_apple_health(
    path: str | Path,
    *,
    activities: frozenset[str] | set[str] = WALKING_ACTIVITIES,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> list[Walk]:
    """Read the walking workouts of an Apple Health export (see the module docstring).

    Parameters
    ----------
    path
        ``export.zip``, ``export.xml`` or the unzipped ``apple_health_export`` folder.
    activities
        BackStride activity names read as walks (default walking and hiking; e.g. add
        ``"running"``).
    max_uncompressed_bytes
        Largest export.xml read (default 4 GiB).
    progress
        Called as ``progress(bytes_done, bytes_total)`` while the export streams (it is read
        twice when it has walking workouts, so the total counts both passes).

    Returns
    -------
    list of Walk
        One walk per matching workout, in time order (empty if there is none).

    Raises
    ------
    InvalidInputError
        Hostile, damaged or not an Apple Health export.
    """
    p = Path(path)
    wanted = frozenset(activities)
    tracker = _Progress(progress, passes=2)
    with _open_source(p, max_uncompressed_bytes, tracker.on_read) as source:
        tracker.size = source.size
        workouts, bad_dates = _scan_workouts(source, wanted)
        if not workouts:
            tracker.finish()
            return []
        skipped = _attach_records(source, workouts)
        file_notes = []
        if bad_dates:
            file_notes.append(f"{bad_dates} workouts with unreadable dates skipped")
        if skipped:
            file_notes.append(f"{skipped} records with unreadable dates or units skipped")
        tracker.finish()
        return [_walk(workout, file_notes) for workout in workouts]


def read_apple_daily_steps(
    path: str | Path,
    *,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> dict[dt.date, int]:
    """Daily step totals of an Apple Health export, de-duplicated across sources.

    See the module docstring for the rule (per local hour, the source with the most steps).
    ``max_uncompressed_bytes`` and ``progress`` are those of :func:`read_apple_health` (one
    pass here).

    Returns
    -------
    dict
        Local date -> steps, in date order.

    Raises
    ------
    InvalidInputError
        Hostile, damaged or not an Apple Health export.
    """
    p = Path(path)
    hours: dict[tuple[dt.date, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    tracker = _Progress(progress, passes=1)
    with _open_source(p, max_uncompressed_bytes, tracker.on_read) as source:
        tracker.size = source.size
        for event, element, ancestors in _records(source):
            if event == "start":
                continue
            depth = len(ancestors)
            if depth == 0:
                break
            if (
                depth == 1
                and local_name(element.tag) == "Record"
                and element.get("type") == STEP_COUNT
            ):
                _add_hourly(element, hours)
            drop(element, ancestors)
    tracker.finish()
    days: dict[dt.date, float] = defaultdict(float)
    for (day, _), per_source in hours.items():
        days[day] += max(per_source.values())
    return {day: round(total) for day, total in sorted(days.items())}


def _add_hourly(element: Element, hours: dict[tuple[dt.date, int], dict[str, float]]) -> None:
    """Split one step record over the local hours it spans."""
    begin = parse_apple_date(element.get("startDate"))
    finish = parse_apple_date(element.get("endDate")) or begin
    value = _convert(element.get("value"), element.get("unit"), "count")
    if begin is None or finish is None or value is None or value < 0:
        return
    finish = finish.astimezone(begin.tzinfo)
    total = (finish - begin).total_seconds()
    if total < 0 or total > MAX_RECORD_S:
        return
    who = (element.get("sourceName") or "?")[:80]
    cursor = begin
    while True:
        boundary = cursor.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        piece_end = min(boundary, finish)
        share = (piece_end - cursor).total_seconds() / total if total else 1.0
        per_source = hours[(cursor.date(), cursor.hour)]
        if who in per_source or len(per_source) < MAX_SOURCES:
            per_source[who] += value * share
        cursor = piece_end
        if cursor >= finish:
            break
