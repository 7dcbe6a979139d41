"""Walk summaries and tracks: GPX, TCX, Garmin FIT, Apple Health and Fitbit JSON.

These files hold no raw signal: each becomes :class:`~backstride.walks.Walk` objects
directly. :func:`detect_summary_format` recognises a file from its content (never its name
alone), :func:`read_walk_summaries` returns its walks and :func:`read_daily_steps` the
daily step totals of the formats that count steps all day. Every reader raises only
:mod:`backstride.exceptions` errors, each a single sentence, and keeps memory bounded
(size caps, streamed XML, in-memory zip members with bomb and path checks).

Formats
-------

============  ===============  =======================  ====================================
format id     library          real samples tested      checked against
============  ===============  =======================  ====================================
gpx           gpxpy, after a   korita-zbevnica,         README: 871 points over 3.7 h;
              defusedxml       cerknicko-jezero,        gpxpy's own 2-D length of each
              pre-parse        Mojstrovka (.gpx)        track; placeholder times refused
tcx           defusedxml,      test.tcx, no_hr.tcx      shipped totals: distance 4686.31 m,
              streamed (by                              raw ascent 153.81 m, raw descent
              hand: no safe                             166.31 m
              streaming lib)
fit           fitdecode        garmin-fenix-5-walk,     record CSVs, every field of every
                               garmin-fenix-5-run,      record; the watches' own session
                               activity-small-fenix2    totals (distance, strides, ascent)
apple_health  defusedxml,      export.xml, the export   workout values as exported; built
              streamed;        folder and a zip made    exports with known steps, sources,
              zipfile          from it                  metrics, time zones and routes
fitbit_json   json             steps-1995-06-23_        607 steps in total (README); the
                               Fitbit.json              walk rule by hand
============  ===============  =======================  ====================================

Each module's docstring says what is read, in which units, and how: track measures
(distance, moving time, elevation with GPS-noise smoothing, grade, gentle hills) in
:mod:`._track`, the hash that makes the same workout exported twice count once in
:func:`summary_hash`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zipfile
from pathlib import Path

from backstride.exceptions import InvalidInputError, UnsupportedFormatError
from backstride.io.summaries._base import (
    WALKING_ACTIVITIES,
    PathLike,
    deduplicate_walks,
    existing_input,
    same_workout,
    shown,
    summary_hash,
    time_zone,
)
from backstride.io.summaries._zip import MAX_DIRECTORY_BYTES, MAX_ENTRIES, _directory_size, is_zip
from backstride.io.summaries.apple_health import read_apple_daily_steps, read_apple_health
from backstride.io.summaries.fit import read_fit, read_fit_activity
from backstride.io.summaries.fitbit import (
    names_other_metric,
    read_fitbit_daily_steps,
    read_fitbit_walks,
)
from backstride.io.summaries.gpx import read_gpx
from backstride.io.summaries.tcx import read_tcx
from backstride.walks.walk import Walk

__all__ = [
    "SUMMARY_FORMATS",
    "WALKING_ACTIVITIES",
    "deduplicate_walks",
    "detect_summary_format",
    "read_apple_daily_steps",
    "read_apple_health",
    "read_daily_steps",
    "read_fit",
    "read_fit_activity",
    "read_fitbit_daily_steps",
    "read_fitbit_walks",
    "read_gpx",
    "read_tcx",
    "read_walk_summaries",
    "same_workout",
    "summary_hash",
]

#: Format id -> description shown when a file is not recognised.
SUMMARY_FORMATS: dict[str, str] = {
    "gpx": "GPX track (.gpx)",
    "tcx": "Garmin Training Center activity (.tcx)",
    "fit": "Garmin FIT activity (.fit)",
    "apple_health": "Apple Health export (export.zip, export.xml or its folder)",
    "fitbit_json": "Fitbit steps export (steps-*.json)",
}

#: Bytes read to recognise a file (Apple's DTD before the root element is about 10 KB).
SNIFF_BYTES = 64 * 1024
_XML_ROOTS = {"gpx": "gpx", "TrainingCenterDatabase": "tcx", "HealthData": "apple_health"}
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_ROOT_RE = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s/>]")
_FITBIT_RE = re.compile(r'^\s*\[\s*\{\s*"(?:dateTime|value)"\s*:')
_FITBIT_API_RE = re.compile(r'^\s*\{\s*"activities-steps"\s*:')
_FITBIT_VALUE_RE = re.compile(r'"value"\s*:\s*("?)([^",}\s]*)')


def _text(head: bytes) -> str:
    """Decode the start of a file for sniffing (UTF-8, or UTF-16 with a byte-order mark)."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    return head.decode("utf-8-sig", errors="replace")


def _zip_holds_export(path: Path) -> bool:
    """Whether a zip's directory lists an ``export.xml`` (without trusting the archive)."""
    try:
        entries, directory = _directory_size(path)
        if entries > MAX_ENTRIES or directory > MAX_DIRECTORY_BYTES:
            return False
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except Exception:  # any damage means "not recognisable here"; reading reports it
        return False
    return any(name.replace("\\", "/").rsplit("/", 1)[-1] == "export.xml" for name in names)


def _looks_like_fitbit_steps(text: str, name: str) -> bool:
    """Whether JSON text is a Fitbit steps export (module docstring of :mod:`.fitbit`)."""
    if names_other_metric(name):
        return False
    if _FITBIT_API_RE.match(text):
        return True
    if not _FITBIT_RE.match(text) or '"dateTime"' not in text:
        return False
    values = _FITBIT_VALUE_RE.findall(text[:8192])
    if not values:
        return False
    return all(re.fullmatch(r"\d{1,7}", value) for _, value in values)


def detect_summary_format(path: PathLike) -> str | None:
    """Return the summary format of a file from its content, or ``None`` if it is not one.

    Parameters
    ----------
    path
        A file, or an unzipped Apple Health export folder.

    Returns
    -------
    str or None
        A key of :data:`SUMMARY_FORMATS`, or ``None`` when the content is none of them
        (including an empty file).

    Raises
    ------
    InputNotFoundError
        Nothing exists at ``path``.
    InvalidInputError
        The file cannot be read.
    """
    p = existing_input(path)
    if p.is_dir():
        return "apple_health" if detect_summary_format_file(p / "export.xml") else None
    return detect_summary_format_file(p)


def detect_summary_format_file(p: Path) -> str | None:
    """:func:`detect_summary_format` for a regular file (``None`` if it does not exist)."""
    if not p.is_file():
        return None
    try:
        with p.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise InvalidInputError(
            f"{shown(p)} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc
    if len(head) >= 12 and head[8:12] == b".FIT" and head[0] in (12, 14):
        return "fit"
    if is_zip(head):
        return "apple_health" if _zip_holds_export(p) else None
    text = _text(head)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        if re.search(r"<!DOCTYPE\s+HealthData[\s\[>]", text):
            return "apple_health"
        body = _COMMENT_RE.sub("", text)
        match = _ROOT_RE.search(body)
        return _XML_ROOTS.get(match.group(1)) if match else None
    if stripped.startswith(("[", "{")) and _looks_like_fitbit_steps(stripped, p.name):
        return "fitbit_json"
    return None


def _unsupported(p: Path) -> UnsupportedFormatError:
    formats = "; ".join(SUMMARY_FORMATS.values())
    return UnsupportedFormatError(
        f"The file {shown(p.name)} is not a walk summary BackStride reads; the supported "
        f"formats are: {formats}."
    )


def read_walk_summaries(path: PathLike, *, default_tz: str = "UTC") -> list[Walk]:
    """Read the walks of a GPX, TCX, FIT, Apple Health or Fitbit file.

    Parameters
    ----------
    path
        The file (or an unzipped Apple Health export folder); its format is detected from
        its content.
    default_tz
        IANA zone for times the file does not place: GPX and TCX times are UTC instants
        shown in this zone, Fitbit wall-clock times are read in it, FIT files use the
        watch's own offset when they record it and this zone otherwise; Apple Health dates
        carry their offsets (and the workout's ``HKTimeZone``).

    Returns
    -------
    list of Walk
        The walks, in time order (an Apple export with no walking workout, or Fitbit data
        with no stepping, gives an empty list).

    Raises
    ------
    InputNotFoundError
        Nothing at ``path``.
    UnsupportedFormatError
        Not one of :data:`SUMMARY_FORMATS`.
    InvalidInputError
        Damaged, truncated, hostile or unusable content, or an unknown ``default_tz``.
    """
    tz = time_zone(default_tz)
    p = existing_input(path)
    fmt = detect_summary_format(p)
    if fmt is None:
        raise _unsupported(p)
    if fmt == "gpx":
        walks = read_gpx(p, default_tz=tz)
    elif fmt == "tcx":
        walks = read_tcx(p, default_tz=tz)
    elif fmt == "fit":
        walks = read_fit(p, default_tz=tz)
    elif fmt == "apple_health":
        walks = read_apple_health(p)
    else:
        walks = read_fitbit_walks(p, default_tz=tz)
    return sorted(walks, key=lambda walk: walk.start)


def read_daily_steps(path: PathLike) -> dict[dt.date, int]:
    """Daily step totals of an Apple Health or Fitbit export, by local date.

    Apple Health records of the iPhone and the Watch are de-duplicated (per hour, the
    source with the most steps; :mod:`.apple_health`); Fitbit entries are summed per day.

    Raises
    ------
    InputNotFoundError
        Nothing at ``path``.
    UnsupportedFormatError
        Not Apple Health or Fitbit (GPX, TCX and FIT hold tracks, not daily steps).
    InvalidInputError
        Damaged, truncated or hostile content.
    """
    p = existing_input(path)
    fmt = detect_summary_format(p)
    if fmt == "apple_health":
        return read_apple_daily_steps(p)
    if fmt == "fitbit_json":
        return read_fitbit_daily_steps(p)
    if fmt is None:
        raise _unsupported(p)
    raise UnsupportedFormatError(
        f"The file {shown(p.name)} is a {SUMMARY_FORMATS[fmt]}, which holds tracks, not daily step "
        "counts; daily steps come from Apple Health or Fitbit exports."
    )
