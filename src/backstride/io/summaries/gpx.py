"""GPX 1.0 and 1.1 tracks, read with gpxpy.

What is read
    Every ``trk`` (its ``trkseg`` joined in order) with ``time`` on its points; ``ele`` for
    elevation; heart rate (``hr``) and cadence (``cad``) from Garmin's TrackPointExtension.
    ``cad`` is strides per minute in Garmin's convention (the extension's author), so steps
    per minute are twice it. Routes (``rte``) and waypoints are plans, not walks, and are
    ignored.
One walk per outing
    GPS loggers split one outing into several tracks when the signal or power drops
    (GPSBabel's "ACTIVE LOG", "ACTIVE LOG #2"...), so tracks less than
    :data:`~backstride.walks.walk.SESSION_GAP_S` (5 min) apart are one walk, the rule used
    for raw recordings. Each walk is measured by :func:`~._track.summarise_track`.
Times
    GPX times are UTC (the standard says so; a time without a zone is read as UTC and noted).
    Walks are expressed in ``default_tz`` so that their dates are local.
Placeholder times
    Devices without a clock fix write a constant or impossible time (``Mojstrovka.gpx``:
    every point at 1901-12-13 20:45:52, the smallest 32-bit Unix time). A track whose times
    are all equal or fall outside 1980-2100 is skipped with a note in the other walks'
    ``extra["file_notes"]``; if no track is left the file raises
    :class:`~backstride.exceptions.InvalidInputError` naming the problem, rather than a walk
    with a nonsense date and duration.
Safety
    The text is first parsed by :mod:`defusedxml` with DTDs forbidden (no entity
    expansion), files over 64 MiB are refused, and a file with more than 200 namespace
    declarations (which would make gpxpy's namespace scan quadratic) is refused.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gpxpy
import gpxpy.gpx
import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io.summaries._base import (
    EARLIEST_TIME,
    LATEST_TIME,
    activity_name,
    read_capped,
    short_label,
    shown,
    to_float,
)
from backstride.io.summaries._track import (
    FloatArray,
    TrackBuilder,
    TrackPoints,
    summarise_track,
    walk_from_track,
)
from backstride.io.summaries._xml import _reason, drop, iter_xml, local_name
from backstride.walks.walk import SESSION_GAP_S, Walk

#: Most ``xmlns`` declarations accepted in one file (real files have fewer than 10).
MAX_NAMESPACE_DECLARATIONS = 200

_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._\-]{1,40})["']""")


@dataclass(frozen=True)
class GpxTrack:
    """The timed points of one GPX track.

    Attributes
    ----------
    name
        Track name (may be empty).
    activity
        BackStride activity name from the track's ``type``.
    points
        The points with their times.
    naive_times
        Whether some times had no zone (read as UTC).
    """

    name: str
    activity: str
    points: TrackPoints
    naive_times: bool


def parse_gpx_bytes(data: bytes, name: str) -> gpxpy.gpx.GPX:
    """Parse GPX bytes safely with gpxpy.

    Raises
    ------
    InvalidInputError
        Not well-formed, hostile XML (DTD, entities), or not GPX.
    """
    if data.count(b"xmlns") > MAX_NAMESPACE_DECLARATIONS:
        raise InvalidInputError(
            f"The file {name} declares more than {MAX_NAMESPACE_DECLARATIONS} XML namespaces, "
            "which no GPX writer does; it is damaged or hostile."
        )
    root_name = ""
    for event, element, ancestors in iter_xml(io.BytesIO(data), name, forbid_dtd=True):
        if event == "start" and not ancestors:
            root_name = local_name(element.tag)
        elif event == "end":
            drop(element, ancestors)
    if root_name != "gpx":
        raise InvalidInputError(
            f"The file {name} is XML but not GPX (its root element is {root_name[:30]!r}); "
            "give a .gpx track."
        )
    match = _ENCODING_RE.match(data[:200].lstrip(b"\xef\xbb\xbf"))
    encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding)
    except (LookupError, UnicodeError) as exc:
        raise InvalidInputError(
            f"The file {name} is not valid {encoding[:20]} text ({_reason(exc)}); export it again."
        ) from exc
    try:
        return gpxpy.parse(text.lstrip("\ufeff"))
    except Exception as exc:  # gpxpy raises its own and assorted errors on odd content
        raise InvalidInputError(
            f"The file {name} is not a readable GPX file ({_reason(exc)}); export it again."
        ) from exc


def _extension_values(extensions: list[Any]) -> tuple[float | None, float | None]:
    """Heart rate and cadence (raw, strides/min) from a point's extension elements."""
    hr = cad = None
    for root in extensions:
        for element in root.iter():
            tag = local_name(element.tag)
            if tag == "hr":
                hr = to_float(element.text)
            elif tag == "cad":
                cad = to_float(element.text)
    return hr, cad


def _unix(moment: dt.datetime | None) -> tuple[float | None, bool]:
    """Unix time of a gpxpy time (naive = UTC) and whether it was naive."""
    if moment is None:
        return None, False
    naive = moment.tzinfo is None
    aware = moment.replace(tzinfo=dt.UTC) if naive else moment
    try:
        return aware.timestamp(), naive
    except (OverflowError, ValueError, OSError):
        return None, naive


def gpx_tracks(gpx: gpxpy.gpx.GPX, name: str) -> list[GpxTrack]:
    """The points of every track of a parsed GPX file (untimed points included)."""
    tracks: list[GpxTrack] = []
    for track in gpx.tracks:
        activity = activity_name(track.type)
        on_foot_factor = 2.0  # Garmin's cad is strides/min
        builder = TrackBuilder(name)
        naive_any = False
        for segment in track.segments:
            for point in segment.points:
                seconds, naive = _unix(point.time)
                naive_any = naive_any or naive
                hr, cad = _extension_values(point.extensions) if point.extensions else (None, None)
                builder.add(
                    seconds,
                    lat_deg=to_float(point.latitude),
                    lon_deg=to_float(point.longitude),
                    alt_m=to_float(point.elevation),
                    cadence_spm=None if cad is None else cad * on_foot_factor,
                    heart_rate_bpm=hr,
                )
        if len(builder):
            tracks.append(
                GpxTrack(
                    name=short_label(track.name, 40),
                    activity=activity,
                    points=builder.build(),
                    naive_times=naive_any,
                )
            )
    return tracks


def _problem(track: GpxTrack) -> str | None:
    """Why a track cannot be a walk (no times, placeholder times), or ``None``."""
    timed = _timed(track)
    label = f"track {track.name!r}" if track.name else "an unnamed track"
    if timed.size == 0:
        return f"{label} has no times"
    low, high = EARLIEST_TIME.timestamp(), LATEST_TIME.timestamp()
    if (timed < low).any() or (timed > high).any():
        first = float(timed.min())
        try:
            shown = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=first)
            when = shown.strftime("%Y-%m-%d %H:%M:%S")
        except OverflowError:
            when = "an impossible date"
        return f"{label} has placeholder times (as early as {when} UTC)"
    if timed.size >= 2 and float(timed.max() - timed.min()) == 0.0:
        return f"{label} has placeholder times (every point at the same instant)"
    if timed.size < 2:
        return f"{label} has only one timed point"
    return None


def read_gpx(path: str | Path, *, default_tz: dt.tzinfo = dt.UTC) -> list[Walk]:
    """Read the walks of a GPX file.

    Parameters
    ----------
    path
        The ``.gpx`` file.
    default_tz
        Zone in which walks are expressed (GPX times are UTC instants).

    Returns
    -------
    list of Walk
        One walk per outing (tracks less than 5 min apart joined), in time order.

    Raises
    ------
    InvalidInputError
        Unreadable, hostile or not GPX, or no track with usable times.
    """
    p = Path(path)
    gpx = parse_gpx_bytes(read_capped(p), shown(p.name))
    return walks_from_gpx(gpx, shown(p.name), default_tz)


def walks_from_gpx(gpx: gpxpy.gpx.GPX, name: str, tz: dt.tzinfo) -> list[Walk]:
    """Walks of a parsed GPX file (see :func:`read_gpx`)."""
    tracks = gpx_tracks(gpx, name)
    notes: list[str] = []
    usable: list[GpxTrack] = []
    for track in tracks:
        problem = _problem(track)
        if problem:
            notes.append(f"{problem}; skipped")
        else:
            usable.append(track)
    if not usable:
        if not tracks:
            raise InvalidInputError(
                f"The file {name} holds no recorded track (only routes or waypoints, which are "
                "plans), so it has no walk; export the recorded activity."
            )
        reason = notes[0].removesuffix("; skipped") if notes else "no usable track"
        raise InvalidInputError(
            f"The file {name} has no track with real times: {reason}, so the walk's date and "
            "duration are unknown; export it again from the device with its recorded times."
        )
    usable.sort(key=lambda track: float(_timed(track).min()))
    groups: list[list[GpxTrack]] = [[usable[0]]]
    for track in usable[1:]:
        previous_end = max(float(_timed(t).max()) for t in groups[-1])
        if float(_timed(track).min()) - previous_end < SESSION_GAP_S:
            groups[-1].append(track)
        else:
            groups.append([track])
    creator = short_label(gpx.creator, 60)
    source = f"GPX ({creator})" if creator else "GPX"
    walks = []
    for group in groups:
        activity = next((t.activity for t in group if t.activity != "unknown"), "unknown")
        points = TrackPoints.concat([t.points for t in group])
        summary = summarise_track(points, on_foot=activity != "cycling")
        extra: dict[str, Any] = {
            "format": "gpx",
            "tracks": [t.name for t in group],
        }
        if any(t.naive_times for t in group):
            extra["time_note"] = "times without a zone were read as UTC, as GPX requires"
        if notes:
            extra["file_notes"] = list(notes)
        speed = summary.speed_mps
        if activity == "unknown" and speed is not None and speed > 2.5:
            extra["likely_not_walking"] = (
                f"moving speed {speed:.1f} m/s is faster than walking (2.5 m/s)"
            )
        walks.append(walk_from_track(summary, tz=tz, source=source, activity=activity, extra=extra))
    return walks


def _timed(track: GpxTrack) -> FloatArray:
    """Times of a track's timed points."""
    times = track.points.time_s
    return times[np.isfinite(times)]
