"""Shared pieces of the summary readers: limits, time zones, numbers, activities and hashes.

Every function here raises only :mod:`backstride.exceptions` errors with one-sentence
messages, so the readers built from them do the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backstride.exceptions import InputNotFoundError, InvalidInputError
from backstride.walks.walk import Walk

PathLike = str | os.PathLike[str]

#: Largest GPX, TCX, FIT or Fitbit JSON file read (they are read whole or kept as points;
#: a day-long 1 Hz track is about 15 MB of GPX and 3 MB of FIT).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Most points kept for one file's tracks (about 23 days at one point a second).
MAX_TRACK_POINTS = 2_000_000
#: Earliest believable device time: the GPS epoch. Earlier times are placeholders written by
#: devices without a clock fix (``Mojstrovka.gpx`` has 1901-12-13 20:45:52, the smallest
#: 32-bit Unix time).
EARLIEST_TIME = dt.datetime(1980, 1, 6, tzinfo=dt.UTC)
#: Latest believable device time (a clock far in the future is as wrong as one in 1901).
LATEST_TIME = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)

#: Activity labels of each format mapped to BackStride's activity names.
ACTIVITY_ALIASES: dict[str, str] = {
    "walk": "walking",
    "walking": "walking",
    "hike": "hiking",
    "hiking": "hiking",
    "run": "running",
    "running": "running",
    "jog": "running",
    "jogging": "running",
    "trail running": "running",
    "cycling": "cycling",
    "biking": "cycling",
    "bike": "cycling",
    "ride": "cycling",
    "other": "other",
    "generic": "unknown",
    "": "unknown",
}
#: Activities whose cadence is counted in steps (on foot) rather than pedal revolutions.
ON_FOOT_ACTIVITIES = frozenset({"walking", "hiking", "running", "other", "unknown"})
#: Activities counted as walks by default where a file mixes many (Apple Health).
WALKING_ACTIVITIES = frozenset({"walking", "hiking"})

#: Width of the distance bins of :func:`summary_hash`: a 2% step on a log scale.
HASH_DISTANCE_STEP = 0.02
#: Exact duplicate rule of :func:`same_workout`.
SAME_START_S = 60.0
SAME_DISTANCE_FRACTION = 0.02


def byte_size(n: int) -> str:
    """A size for a message: ``"64 MiB"``, ``"4 GiB"``, ``"1,000 bytes"``."""
    if n >= 2**30:
        return f"{n / 2**30:.3g} GiB"
    if n >= 2**20:
        return f"{n / 2**20:.3g} MiB"
    return f"{n:,} bytes"


def existing_input(path: PathLike) -> Path:
    """Return ``path`` after checking that something readable is there.

    Raises
    ------
    InputNotFoundError
        Nothing exists at ``path``.
    InvalidInputError
        ``path`` is neither a regular file nor a folder.
    """
    p = Path(path)
    try:
        exists = p.exists()
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"The path {shown(p)} cannot be used ({exc}); check it.") from exc
    if not exists:
        raise InputNotFoundError(f"No file at {shown(p)}; check the path.")
    if not (p.is_file() or p.is_dir()):
        raise InvalidInputError(
            f"{shown(p)} is not a regular file; give the path of an export file."
        )
    return p


def read_capped(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a whole file of at most ``limit`` bytes.

    Raises
    ------
    InvalidInputError
        The file is a folder, empty, larger than ``limit`` or unreadable.
    """
    if path.is_dir():
        raise InvalidInputError(f"{shown(path)} is a folder; give the path of one file inside it.")
    chunks: list[bytes] = []
    total = 0
    try:
        with path.open("rb") as handle:
            # Chunked: read(limit) would allocate the whole limit up front.
            while total <= limit:
                chunk = handle.read(min(1 << 20, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
    except OSError as exc:
        raise InvalidInputError(
            f"{shown(path)} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc
    data = b"".join(chunks)
    if not data:
        raise InvalidInputError(
            f"The file {shown(path.name)} is empty; check that it was exported completely."
        )
    if len(data) > limit:
        raise InvalidInputError(
            f"The file {shown(path.name)} is larger than {byte_size(limit)}, far more than any "
            "walk needs; split it or export a shorter period."
        )
    return data


def time_zone(name: str) -> dt.tzinfo:
    """Return the IANA time zone ``name``.

    Raises
    ------
    InvalidInputError
        The name is not a known IANA zone.
    """
    if name.upper() == "UTC":
        return dt.UTC
    if not re.fullmatch(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*", name) or len(name) > 64:
        raise InvalidInputError(
            f"{name[:40]!r} is not a time zone name; give an IANA name such as Europe/Berlin."
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidInputError(
            f"{name!r} is not a known time zone; give an IANA name such as Europe/Berlin."
        ) from exc


def optional_time_zone(name: str | None) -> dt.tzinfo | None:
    """Return the IANA zone ``name``, or ``None`` if it is missing or unknown (never raises)."""
    if not name:
        return None
    try:
        return time_zone(name.strip())
    except InvalidInputError:
        return None


def believable(moment: dt.datetime) -> bool:
    """Whether a device time lies between the GPS epoch and 2100 (not a placeholder)."""
    return EARLIEST_TIME <= moment <= LATEST_TIME


def unix_to_local(seconds: float, tz: dt.tzinfo) -> dt.datetime:
    """Return the aware datetime of a Unix time in ``tz``.

    Raises
    ------
    InvalidInputError
        The time is outside the believable range (see :data:`EARLIEST_TIME`).
    """
    low, high = EARLIEST_TIME.timestamp(), LATEST_TIME.timestamp()
    if not (math.isfinite(seconds) and low <= seconds <= high):
        raise InvalidInputError(
            "A time in the file lies outside 1980-2100; check the device's clock."
        )
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).astimezone(tz)


def to_float(text: object) -> float | None:
    """Return ``text`` as a finite float, or ``None`` if it is missing or not a finite number."""
    if text is None:
        return None
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = str(text).strip()
        if not cleaned or len(cleaned) > 64:
            return None
        try:
            value = float(cleaned)
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def activity_name(label: str | None) -> str:
    """Map a file's activity label to BackStride's activity name.

    ``"Running"`` -> ``"running"``, ``"HKWorkoutActivityTypeHiking"`` -> ``"hiking"``,
    ``"Biking"`` -> ``"cycling"``, nothing -> ``"unknown"``.
    """
    if label is None:
        return "unknown"
    text = label.strip()
    if text.startswith("HKWorkoutActivityType"):
        text = text[len("HKWorkoutActivityType") :]
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).replace("_", " ").lower().strip()
    if text in ACTIVITY_ALIASES:
        return ACTIVITY_ALIASES[text]
    return re.sub(r"[^a-z0-9]+", "_", text)[:40] or "unknown"


def _hash_class(activity: str) -> str:
    """The activity class that :func:`summary_hash` uses: all walking-like labels are one.

    GPX files rarely name the activity and TCX knows only Running, Biking and Other, so a walk
    exported as FIT ("walking"), TCX ("Other") and GPX (none) must fall in the same class.
    """
    if activity in {"walking", "hiking", "other", "unknown"}:
        return "walk"
    return activity


def summary_hash(
    start: dt.datetime, activity: str, distance_m: float | None, steps: int | None = None
) -> str:
    """Content hash of a walk read from a summary file (the same workout gives the same hash).

    The hash is SHA-256 of ``walk-summary-v1|<class>|<start minute>|<size>``:

    - the start rounded to the nearest UTC minute, so exports whose start differs by seconds
      agree;
    - the activity class: walking, hiking, "other" and unnamed activities are one class
      (``walk``), running, cycling and the rest their own;
    - the size: the distance in bins of 2% on a log scale (``round(ln(d) / ln(1.02))``), or
      the step count in the same bins when the distance is unknown (Fitbit), or ``none``.

    Rounding to bins cannot give every pair within 60 s and 2% the same hash (two values just
    either side of a bin edge differ); :func:`same_workout` applies the exact rule and
    :func:`deduplicate_walks` uses it to merge the walks of one import.

    Parameters
    ----------
    start
        Time-zone aware start.
    activity
        BackStride activity name (:func:`activity_name`).
    distance_m
        Distance, m, if known.
    steps
        Step count, used when the distance is unknown.

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    minute = round(start.timestamp() / 60.0)
    if distance_m is not None and distance_m >= 1.0:
        size = f"d{round(math.log(distance_m) / math.log1p(HASH_DISTANCE_STEP))}"
    elif steps is not None and steps >= 1:
        size = f"s{round(math.log(steps) / math.log1p(HASH_DISTANCE_STEP))}"
    else:
        size = "none"
    text = f"walk-summary-v1|{_hash_class(activity)}|{minute}|{size}"
    return hashlib.sha256(text.encode()).hexdigest()


def same_workout(a: Walk, b: Walk) -> bool:
    """Whether two walks are the same workout exported twice.

    Same activity class, starts within :data:`SAME_START_S` (60 s), and distances within
    :data:`SAME_DISTANCE_FRACTION` (2%) of the larger; when either distance is unknown, step
    counts within 2% instead; when both are unknown, the starts alone decide.
    """
    if _hash_class(str(a.extra.get("activity", "unknown"))) != _hash_class(
        str(b.extra.get("activity", "unknown"))
    ):
        return False
    if abs((a.start - b.start).total_seconds()) > SAME_START_S:
        return False
    for x, y in ((a.distance_m, b.distance_m), (a.steps, b.steps)):
        if x is not None and y is not None:
            larger = max(abs(x), abs(y))
            return larger == 0 or abs(x - y) <= SAME_DISTANCE_FRACTION * larger
    return True


def deduplicate_walks(walks: Iterable[Walk]) -> list[Walk]:
    """Keep one walk of each group of :func:`same_workout` walks (the one with most fields).

    The kept walk records the hashes of the others in ``extra["duplicate_hashes"]``.
    """
    kept: list[Walk] = []
    for walk in sorted(walks, key=lambda w: w.start):
        # Kept walks are in start order (a swap moves a start by at most 60 s), so only the
        # last few can match: look back until starts are two windows away.
        merged = False
        for index in range(len(kept) - 1, -1, -1):
            other = kept[index]
            if (walk.start - other.start).total_seconds() > 2 * SAME_START_S:
                break
            if same_workout(walk, other):
                richer, poorer = (walk, other) if _filled(walk) > _filled(other) else (other, walk)
                hashes = list(richer.extra.get("duplicate_hashes", []))
                hashes += [poorer.source_hash, *poorer.extra.get("duplicate_hashes", [])]
                extra = {**richer.extra, "duplicate_hashes": sorted(set(hashes))}
                kept[index] = replace(richer, extra=extra)
                merged = True
                break
        if not merged:
            kept.append(walk)
    return kept


def _filled(walk: Walk) -> int:
    """Number of known optional values of a walk (to keep the richer of two duplicates)."""
    names = (
        "duration_s",
        "walking_s",
        "steps",
        "distance_m",
        "cadence_spm",
        "elevation_gain_m",
        "elevation_loss_m",
        "mean_grade_pct",
        "speed_mps",
        "stride_length_m",
    )
    return sum(getattr(walk, name) is not None for name in names) + len(walk.extra)


def shown(name: object) -> str:
    """A file name or path as shown in a message: one line, printable, at most 200 characters.

    Names come from users and archives and may hold newlines or control characters, which
    would break the one-sentence rule of every message.
    """
    return short_label(str(name), 200)


def short_label(text: str | None, limit: int = 60) -> str:
    """A printable, single-line, bounded label from file text (device names, creators)."""
    if not text:
        return ""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    cleaned = re.sub(r"\s+", " ", printable).strip()
    return cleaned[:limit]
