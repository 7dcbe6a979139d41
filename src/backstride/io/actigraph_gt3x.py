"""Reader for ActiGraph ``.gt3x`` (and ``.agdc``) files: current and legacy NEO/MRA layouts.

Written by hand from ActiGraph's published format descriptions (the ``GT3X-File-Format`` and
``NHANES-GT3X-File-Format`` documents). ActiGraph's own Python reader, ``pygt3x``, was not
used: it is licensed GPL-3.0-or-later, which an Apache-2.0 package cannot take as a runtime
dependency; it gives legacy NEO files timestamps around 1990 (it reads .NET ticks as
nanoseconds); and it allocates idle-sleep fills from unchecked record timestamps, so a
damaged file can exhaust memory. ``actipy`` needs a Java runtime. scikit-digital-health's
ActiGraph reader is a C extension with a large dependency stack.

Layouts
-------
A ``.gt3x`` file is a zip archive with ``info.txt`` (``Key: value`` lines: ``Sample Rate``,
``Start Date`` and ``Last Sample Time`` in .NET ticks of local time, ``TimeZone: -05:00:00``,
``Acceleration Scale``, ``Serial Number``, ``Limb``, ``Subject Name``) and either

- ``log.bin`` (current devices: GT3X+ from firmware 3, wGT3X+, wGT3X-BT, GT9X Link, and
  ``.agdc`` files): a sequence of records ``1E type timestamp(u32) size(u16) payload
  checksum``, the checksum being the one's complement of the XOR of the other bytes. Record
  ``0x1A`` (ACTIVITY2) holds one second of samples as little-endian int16 x, y, z; ``0x00``
  (ACTIVITY) as 12-bit big-endian y, x, z; ``0x1B`` (ACTIVITY3) as 12-bit x, y, z. ``0x03``
  (EVENT) with payload ``08``/``09`` marks the start/end of idle sleep mode, during which the
  device logs nothing; ``0x15`` (PARAMETERS) holds the acceleration scale; or
- ``activity.bin`` (legacy NEO/MRA, firmware 2.5.0 and earlier): all samples as 12-bit y, x, z
  from the start date, 341 per g.

What the reader does
--------------------
Samples are placed on the uniform grid by their record's whole-second timestamp. Seconds
missing because the device was in idle sleep mode are filled with the last sample before the
gap, as ActiLife does, and counted in ``Recording.notes``; other missing seconds (records that
failed their checksum) are NaN. Values are divided by the acceleration scale, or, for
uncalibrated files (``calibration.json`` with ``isCalibrated: false``, method 2), calibrated
with its offsets and sensitivity matrix; then converted from g to m/s^2 (ActiLife's export
also rounds to 3 decimals; this reader does not). The start time carries ``TimeZone``.
Archive members are read with size limits, so a zip bomb is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    MAX_GRID_GROWTH,
    PathLike,
    existing_file,
    height_in_m,
    parse_zone,
)
from backstride.io._device_common import (
    MAX_SPAN_S,
    ZIP_OPEN_ERRORS,
    PartsInfo,
    local_datetime,
    placement_from_text,
    trim_missing_ends,
)
from backstride.recording import STANDARD_GRAVITY, FloatArray, Recording

SEPARATOR = 0x1E
TYPE_ACTIVITY = 0x00
TYPE_EVENT = 0x03
TYPE_PARAMETERS = 0x15
TYPE_ACTIVITY2 = 0x1A
TYPE_ACTIVITY3 = 0x1B
ACTIVITY_TYPES = (TYPE_ACTIVITY, TYPE_ACTIVITY2, TYPE_ACTIVITY3)
#: Record types ActiGraph documents or uses (0 to 30); a resynchronisation after damage only
#: accepts these.
MAX_KNOWN_TYPE = 0x1F
EVENT_IDLE_SLEEP_START = 0x08
EVENT_IDLE_SLEEP_END = 0x09
#: ``.NET`` ticks (100 ns since 0001-01-01) at 1970-01-01.
TICKS_AT_1970 = 621_355_968_000_000_000
LEGACY_SCALE = 341.0
#: Default scales by serial-number prefix when neither the log nor info.txt gives one.
SCALE_BY_SERIAL = {"NEO": 341.0, "CLE": 341.0, "MRA": 341.0, "MOS": 256.0, "TAS": 256.0}
#: Size limits for archive members (bytes).
MAX_INFO_BYTES = 1 << 16
MAX_JSON_BYTES = 1 << 20
#: A data member may expand to at most this many times its compressed size (real logs
#: compress about 2:1; zip bombs by 1000:1), and never beyond :data:`MAX_DATA_BYTES`.
MAX_EXPANSION = 100
MIN_DATA_LIMIT = 1 << 24
MAX_DATA_BYTES = 1 << 33
READ_CHUNK = 1 << 20
#: Activity records decoded at once.
RECORD_CHUNK = 20_000
#: Idle-sleep filling may add at most this many times the samples actually recorded.
MAX_IDLE_FILL_RATIO = 100.0
#: The accepted sample rates, Hz.
RATE_RANGE = (1, 10_000)
#: A record timestamp this far outside the info.txt dates is not trusted while resynchronising.
RESYNC_WINDOW_S = 2 * 86400
#: Without info.txt dates, timestamps from 2000 to 2100 are plausible while resynchronising.
PLAUSIBLE_TIME_RANGE = (946_684_800, 4_102_444_800)
#: Candidate records checked while resynchronising may cost this many times the log's bytes.
RESYNC_WORK_FACTOR = 16
_OFFSET_RE = re.compile(r"^\s*([+-])?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


@dataclass(frozen=True)
class Gt3xDecode:
    """Samples on the one-second record grid, before unit conversion to m/s^2.

    Attributes
    ----------
    info
        ``info.txt`` as a dictionary.
    layout
        ``"log.bin"`` or ``"activity.bin"`` (legacy NEO/MRA).
    rate_hz
        Sample rate, Hz.
    start_s
        Device-local time of the first sample, s after 1970-01-01 00:00 (wall clock).
    acc
        ``(n, 3)`` acceleration, g (or raw counts with ``calibrate=False``); NaN where lost.
    idle_sleep_filled
        Samples filled with the last value because the device was in idle sleep mode.
    missing
        Samples lost with damaged records (NaN).
    n_records, n_damaged, damaged_bytes, n_duplicates
        Log records read, damaged places skipped (and their bytes), and activity records
        dropped because their second was already filled.
    idle_sleep_enabled
        Whether the device was set up with idle sleep mode (``None`` if not stated).
    calibration
        How values were scaled, for the notes.
    notes
        Further remarks for ``Recording.notes``.
    """

    info: dict[str, str]
    layout: str
    rate_hz: float
    start_s: float
    acc: FloatArray
    idle_sleep_filled: int = 0
    missing: int = 0
    n_records: int = 0
    n_damaged: int = 0
    damaged_bytes: int = 0
    n_duplicates: int = 0
    idle_sleep_enabled: bool | None = None
    calibration: str = ""
    notes: tuple[str, ...] = field(default=())


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, label: str) -> bytes:
    """Read one archive member, refusing more than ``limit`` bytes."""
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as handle:
            while True:
                chunk = handle.read(READ_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise InvalidInputError(
                        f"The member {info.filename} of {label} expands beyond {limit} bytes; "
                        "the archive is damaged or hostile."
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise InvalidInputError(
            f"The member {info.filename} of {label} cannot be unpacked ({_short(exc)}); the "
            "archive is damaged, so download the recording again."
        ) from exc
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encryption
        raise InvalidInputError(
            f"The member {info.filename} of {label} uses compression or encryption BackStride "
            "cannot unpack; export the recording again with ActiLife."
        ) from exc
    return b"".join(chunks)


def _short(exc: BaseException) -> str:
    """A one-line, sentence-safe description of an exception."""
    text = re.sub(r"[\r\n]+", " ", str(exc)).strip().rstrip(".") or type(exc).__name__
    text = re.sub(r"\.\s+(?=[A-Z])", "; ", text)
    return text[:80]


def _members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Map lower-case base names of the archive's files to their entries (first wins)."""
    members: dict[str, zipfile.ZipInfo] = {}
    for entry in archive.infolist():
        if entry.is_dir():
            continue
        members.setdefault(Path(entry.filename).name.lower(), entry)
    return members


def parse_info(text: str) -> dict[str, str]:
    """Parse ``info.txt`` (``Key: value`` lines) into a dictionary (first value wins)."""
    info: dict[str, str] = {}
    for line in text.splitlines()[:500]:
        key, sep, value = line.partition(":")
        if sep and key.strip():
            info.setdefault(key.strip().lstrip("\ufeff"), value.strip())
    return info


def _ticks_to_seconds(text: str | None) -> float | None:
    """Convert .NET ticks of local time to wall-clock seconds after 1970, or ``None``."""
    if not text:
        return None
    try:
        ticks = int(text.strip())
    except ValueError:
        return None
    if ticks <= 0:
        return None
    seconds = (ticks - TICKS_AT_1970) / 1e7
    return seconds if -2e9 < seconds < 8e9 else None


def parse_utc_offset(text: str | None) -> dt.timezone | None:
    """Parse an ActiGraph ``TimeZone`` value such as ``-05:00:00``; ``None`` if malformed."""
    if not text:
        return None
    match = _OFFSET_RE.match(text)
    if match is None:
        return None
    sign, hours, minutes, seconds = match.groups()
    offset = dt.timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    if offset >= dt.timedelta(hours=24):
        return None
    return dt.timezone(-offset if sign == "-" else offset)


def decode_ssp_float(value: int) -> float:
    """Decode a PARAMETERS float: 24-bit two's-complement fraction and 8-bit exponent."""
    if value in (0x007FFFFF, 0x00800000):
        return float("nan")
    exponent = (value >> 24) & 0xFF
    if exponent & 0x80:
        exponent -= 0x100
    significand = value & 0x00FFFFFF
    if significand & 0x00800000:
        significand -= 0x01000000
    return significand / 8388608.0 * 2.0**exponent


def unpack_12bit(rows: npt.NDArray[np.uint8], n_samples: int) -> npt.NDArray[np.int64]:
    """Unpack rows of 12-bit big-endian two's-complement triplets.

    Parameters
    ----------
    rows
        ``(m, n_bytes)`` payloads of equal length.
    n_samples
        Samples (triplets) per row; needs ``ceil(4.5 * n_samples)`` bytes.

    Returns
    -------
    numpy.ndarray
        ``(m, n_samples, 3)`` signed values, in the order stored.
    """
    m = rows.shape[0]
    n_values = 3 * n_samples
    n_groups = (n_values + 5) // 6  # 9 bytes hold 6 values
    padded = np.zeros((m, 9 * n_groups), dtype=np.int64)
    width = min(rows.shape[1], padded.shape[1])
    padded[:, :width] = rows[:, :width]
    b = padded.reshape(m, n_groups, 9)
    values = np.empty((m, n_groups, 6), dtype=np.int64)
    for k in range(3):
        first, second, third = b[:, :, 3 * k], b[:, :, 3 * k + 1], b[:, :, 3 * k + 2]
        values[:, :, 2 * k] = (first << 4) | (second >> 4)
        values[:, :, 2 * k + 1] = ((second & 0x0F) << 8) | third
    flat = values.reshape(m, -1)[:, :n_values]
    flat = np.where(flat >= 2048, flat - 4096, flat)
    return flat.reshape(m, n_samples, 3)


@dataclass
class _Log:
    """What the log scan collected."""

    activity_ts: list[int] = field(default_factory=list)
    activity_type: list[int] = field(default_factory=list)
    activity_start: list[int] = field(default_factory=list)
    activity_size: list[int] = field(default_factory=list)
    idle_starts: list[int] = field(default_factory=list)
    accel_scale: float | None = None
    idle_sleep_enabled: bool | None = None
    n_records: int = 0
    n_damaged: int = 0
    damaged_bytes: int = 0
    last_ts: int | None = None
    ends_inside_record: bool = False


def _parse_parameters(payload: bytes, log: _Log) -> None:
    """Read the acceleration scale and the idle-sleep flag from a PARAMETERS payload."""
    for k in range(0, len(payload) - 7, 8):
        space = int.from_bytes(payload[k : k + 2], "little")
        ident = int.from_bytes(payload[k + 2 : k + 4], "little")
        value = int.from_bytes(payload[k + 4 : k + 8], "little")
        if space == 0 and ident == 55:
            scale = decode_ssp_float(value)
            if np.isfinite(scale) and 1.0 <= scale <= 1e6:
                log.accel_scale = scale
        elif space == 1 and ident == 2:
            log.idle_sleep_enabled = bool(value & 0x04)


def _plausible_time(ts: int, window: tuple[float, float] | None, last: int | None) -> bool:
    """Whether a candidate record's timestamp fits the recording, while resynchronising."""
    if window is not None:
        return window[0] <= ts <= window[1]
    if last is not None:
        return abs(ts - last) <= RESYNC_WINDOW_S
    return PLAUSIBLE_TIME_RANGE[0] <= ts <= PLAUSIBLE_TIME_RANGE[1]


def _scan_log(buf: bytes, window: tuple[float, float] | None, label: str) -> _Log:
    """Walk the records of ``log.bin``, checking each checksum and skipping damage.

    After a record that fails its checksum (or runs past the end), the scan moves to the
    next separator byte that starts a plausible record (known type, timestamp within
    ``window`` if given, else near the last good record) and counts one damaged place,
    however many candidates it tried. Checking candidates may cost at most
    :data:`RESYNC_WORK_FACTOR` times the log's size.
    """
    log = _Log()
    view = np.frombuffer(buf, dtype=np.uint8)
    n = len(buf)
    pos = 0
    resyncing = False
    damage_start = 0
    budget = RESYNC_WORK_FACTOR * n + (1 << 20)
    while pos + 9 <= n:
        if buf[pos] != SEPARATOR:
            nxt = buf.find(b"\x1e", pos + 1)
            gap_end = n if nxt < 0 else nxt
            if not resyncing and view[pos:gap_end].any():
                resyncing, damage_start = True, pos
                log.n_damaged += 1
            if nxt < 0:
                break
            pos = nxt
            continue
        rtype = buf[pos + 1]
        ts = int.from_bytes(buf[pos + 2 : pos + 6], "little")
        size = int.from_bytes(buf[pos + 6 : pos + 8], "little")
        end = pos + 8 + size
        plausible = not resyncing or (
            rtype <= MAX_KNOWN_TYPE and _plausible_time(ts, window, log.last_ts)
        )
        if plausible and resyncing and end < n:
            budget -= end + 1 - pos
            if budget < 0:
                raise InvalidInputError(
                    f"The log of {label} is too damaged to find its records again; download "
                    "the recording again."
                )
        if plausible and end < n and int(np.bitwise_xor.reduce(view[pos : end + 1])) == 0xFF:
            if resyncing:
                log.damaged_bytes += pos - damage_start
                resyncing = False
            log.n_records += 1
            log.last_ts = ts if log.last_ts is None else max(log.last_ts, ts)
            if rtype in ACTIVITY_TYPES:
                if size > 1:  # a one-byte payload is a USB connection event
                    log.activity_ts.append(ts)
                    log.activity_type.append(rtype)
                    log.activity_start.append(pos + 8)
                    log.activity_size.append(size)
            elif rtype == TYPE_EVENT and size >= 1:
                if buf[pos + 8] == EVENT_IDLE_SLEEP_START:
                    log.idle_starts.append(ts)
            elif rtype == TYPE_PARAMETERS:
                _parse_parameters(buf[pos + 8 : end], log)
            pos = end + 1
            continue
        if not resyncing:
            resyncing, damage_start = True, pos
            log.n_damaged += 1
            if end >= n:
                log.ends_inside_record = True
        pos += 1
    if resyncing:
        log.damaged_bytes += n - damage_start
    elif pos < n and view[pos:].any():
        log.n_damaged += 1
        log.damaged_bytes += n - pos
        log.ends_inside_record = True
    return log


def _calibrate(
    counts: FloatArray, scale: float, calibration: dict[str, Any] | None, rate: int, label: str
) -> tuple[FloatArray, str]:
    """Turn raw counts into g: divided by the scale in place, or with calibration.json method 2."""
    if not calibration or calibration.get("isCalibrated", True) is not False:
        counts /= scale  # in place: the counts are this reader's own array
        return counts, f"raw values divided by the acceleration scale {scale:g} per g"
    method = calibration.get("calibrationMethod")
    if method != 2:
        raise InvalidInputError(
            f"The file {label} holds uncalibrated data with calibration method {method!r}, "
            "which BackStride cannot apply; export it calibrated with ActiLife."
        )
    try:
        offset = np.array([float(calibration[f"offset{a}_{rate}"]) for a in "XYZ"])
        diagonal = np.array([float(calibration[f"sensitivity{a}{a}_{rate}"]) for a in "XYZ"])
        xy, xz, yz = (float(calibration[f"sensitivity{a}_{rate}"]) for a in ("XY", "XZ", "YZ"))
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise InvalidInputError(
            f"The calibration.json of {label} has no method-2 values for {rate} Hz; export the "
            "recording calibrated with ActiLife."
        ) from exc
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cross = 1.0 / (np.array([xy, xz, yz]) * 0.01 + 250.0) - 0.004
        matrix = np.diag(1.0 / (diagonal * 0.01))
        matrix[0, 1] = matrix[1, 0] = cross[0]
        matrix[0, 2] = matrix[2, 0] = cross[1]
        matrix[1, 2] = matrix[2, 1] = cross[2]
    if not np.isfinite(matrix).all() or not np.isfinite(offset).all():
        raise InvalidInputError(
            f"The calibration.json of {label} holds unusable values; export the recording "
            "calibrated with ActiLife."
        )
    return (
        (counts - offset) @ matrix.T,
        "raw values calibrated with the offsets and sensitivities of calibration.json (method 2)",
    )


def _samples_per_record(rtype: int, size: int, rate: int) -> int:
    """Samples an activity record of this type and payload size holds (at most ``rate``)."""
    per_record = size // 6 if rtype == TYPE_ACTIVITY2 else (2 * size) // 9
    return min(per_record, rate)


def _place_samples(
    acc: FloatArray,
    buf: bytes,
    records: npt.NDArray[np.int64],
    log: _Log,
    rows: npt.NDArray[np.int64],
    rate: int,
) -> None:
    """Decode the chosen activity records and write them at their grid rows.

    Records are decoded in groups of equal type and payload size, a chunk at a time, so the
    temporaries stay small whatever the file's length.
    """
    types = np.asarray(log.activity_type, dtype=np.int64)[records]
    sizes = np.asarray(log.activity_size, dtype=np.int64)[records]
    starts = np.asarray(log.activity_start, dtype=np.int64)[records]
    keys = types * 100_000 + sizes
    for key in np.unique(keys):
        group = np.flatnonzero(keys == key)
        rtype, size = int(key // 100_000), int(key % 100_000)
        n_samples = _samples_per_record(rtype, size, rate)
        if n_samples == 0:
            continue
        for first in range(0, group.size, RECORD_CHUNK):
            chosen = group[first : first + RECORD_CHUNK]
            payload = b"".join(buf[int(s) : int(s) + size] for s in starts[chosen])
            table = np.frombuffer(payload, dtype=np.uint8).reshape(chosen.size, size)
            if rtype == TYPE_ACTIVITY2:
                block = (
                    table[:, : 6 * n_samples]
                    .copy()
                    .view("<i2")
                    .reshape(chosen.size, n_samples, 3)
                    .astype(np.float64)
                )
            else:
                unpacked = unpack_12bit(table, n_samples)
                if rtype == TYPE_ACTIVITY:
                    unpacked = unpacked[:, :, [1, 0, 2]]  # stored y, x, z
                block = unpacked.astype(np.float64)
            target = rows[chosen][:, None] + np.arange(n_samples)[None, :]
            acc[target.ravel()] = block.reshape(-1, 3)


def _idle_gaps(
    seconds: npt.NDArray[np.int64], idle_starts: list[int], trailing_end: int | None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Split missing seconds into idle-sleep gaps and other gaps.

    A run of missing seconds between two records is idle sleep if the device logged the start
    of idle sleep mode within it (or at the second of the record before it). After the last
    record, an idle-sleep start extends the recording to ``trailing_end`` (exclusive).

    Returns
    -------
    tuple
        ``(first, stop)`` second ranges (stop exclusive) of idle-sleep gaps and of other gaps.
    """
    starts = np.sort(np.asarray(idle_starts, dtype=np.int64))
    idle: list[tuple[int, int]] = []
    other: list[tuple[int, int]] = []
    steps = np.diff(seconds)
    for k in np.flatnonzero(steps > 1):
        before, after = int(seconds[k]), int(seconds[k + 1])
        lo = np.searchsorted(starts, before, side="left")
        has_start = lo < starts.size and starts[lo] <= after
        (idle if has_start else other).append((before + 1, after))
    last = int(seconds[-1])
    if trailing_end is not None and trailing_end > last + 1 and starts.size and starts[-1] >= last:
        idle.append((last + 1, trailing_end))
    return idle, other


@dataclass(frozen=True)
class _Timeline:
    """Where the records of a scanned log fall on the one-second grid."""

    log: _Log
    seconds: npt.NDArray[np.int64]  # the distinct record seconds, sorted
    records: npt.NDArray[np.int64]  # the log's activity record kept for each second
    first: int  # first second of the grid
    stop: int  # one past its last second (idle sleep may run past the last record)
    idle: list[tuple[int, int]]  # idle-sleep gaps, (first, stop) seconds
    n_duplicates: int
    missing_s: int  # seconds without records outside idle sleep


def _timeline(buf: bytes, info: dict[str, str], rate: int, label: str) -> _Timeline:
    """Scan ``log.bin`` and lay its records on the one-second grid (checks included)."""
    start_s = _ticks_to_seconds(info.get("Start Date"))
    ends = [
        value
        for value in (
            _ticks_to_seconds(info.get("Last Sample Time")),
            _ticks_to_seconds(info.get("Stop Date")),
            _ticks_to_seconds(info.get("Download Date")),
        )
        if value is not None
    ]
    window = None
    if start_s is not None:
        window = (start_s - RESYNC_WINDOW_S, max([start_s, *ends]) + RESYNC_WINDOW_S)
    log = _scan_log(buf, window, label)
    if not log.activity_ts:
        raise InvalidInputError(
            f"The file {label} holds no readable acceleration records; the recording is empty "
            "or damaged."
        )
    ts = np.asarray(log.activity_ts, dtype=np.int64)
    seconds, first_index = np.unique(ts, return_index=True)
    n_duplicates = int(ts.size - first_index.size)
    counts = np.array(
        [
            _samples_per_record(log.activity_type[k], log.activity_size[k], rate)
            for k in first_index
        ],
        dtype=np.int64,
    )
    n_decoded = int(counts.sum())
    last_sample = _ticks_to_seconds(info.get("Last Sample Time"))
    trailing = int(np.floor(last_sample)) if last_sample is not None else log.last_ts
    idle, other = _idle_gaps(seconds, log.idle_starts, trailing)
    first = int(seconds[0])
    stop = max(int(seconds[-1]) + 1, max((end for _, end in idle), default=0))
    span_s = stop - first
    idle_s = sum(end - begin for begin, end in idle)
    other_s = sum(end - begin for begin, end in other)
    if span_s > MAX_SPAN_S:
        raise InvalidInputError(
            f"The records of {label} span {span_s} s, longer than any recording; the file's "
            "timestamps are damaged."
        )
    if idle_s * rate > MAX_IDLE_FILL_RATIO * n_decoded + 10 * rate:
        raise InvalidInputError(
            f"The idle-sleep periods of {label} ({idle_s} s) are over {MAX_IDLE_FILL_RATIO:g} "
            "times longer than the recorded data; the file's timestamps are damaged."
        )
    if other_s * rate > (MAX_GRID_GROWTH - 1) * n_decoded + 10 * rate:
        raise InvalidInputError(
            f"Most of the {span_s} s covered by {label} have no data ({other_s} s missing "
            "outside idle sleep); the file is damaged, so split or download it again."
        )
    return _Timeline(
        log, seconds, first_index.astype(np.int64), first, stop, idle, n_duplicates, other_s
    )


def _place_window(
    timeline: _Timeline, buf: bytes, rate: int, from_s: int, to_s: int
) -> tuple[FloatArray, int]:
    """Raw counts of grid seconds ``[from_s, to_s)`` (from the grid's first second).

    Idle-sleep seconds are filled with the last sample before their gap, as ActiLife does,
    even when that sample lies before the window. Returns the counts (NaN where lost) and
    how many samples were filled.
    """
    seconds = timeline.seconds - timeline.first
    lo, hi = np.searchsorted(seconds, [from_s, to_s])
    acc = np.full(((to_s - from_s) * rate, 3), np.nan)
    _place_samples(
        acc, buf, timeline.records[lo:hi], timeline.log, (seconds[lo:hi] - from_s) * rate, rate
    )
    idle_rows = np.zeros(acc.shape[0], dtype=bool)
    for begin, end in timeline.idle:
        b, e = max(begin - timeline.first, from_s), min(end - timeline.first, to_s)
        if b < e:
            idle_rows[(b - from_s) * rate : (e - from_s) * rate] = True
    filled = 0
    if idle_rows.any():
        finite = np.isfinite(acc).all(axis=1)
        if not finite[0] and idle_rows[0] and lo > 0:
            # the gap began before the window: its fill is the last sample of the record
            # before it, decoded on its own
            before = np.full((rate, 3), np.nan)
            _place_samples(
                before, buf, timeline.records[lo - 1 : lo], timeline.log, np.zeros(1, np.int64),
                rate,
            )  # fmt: skip
            kept = np.flatnonzero(np.isfinite(before).all(axis=1))
            if kept.size:
                acc = np.vstack([before[kept[-1]][None, :], acc])
                idle_rows = np.r_[False, idle_rows]
                finite = np.r_[True, finite]
        last_good = np.where(finite, np.arange(acc.shape[0]), 0)
        np.maximum.accumulate(last_good, out=last_good)
        target = idle_rows & ~finite
        acc[target] = acc[last_good[target]]
        filled = int(np.count_nonzero(target))
        if acc.shape[0] > (to_s - from_s) * rate:
            acc = acc[1:]
    return acc, filled


def _read_log(
    archive: zipfile.ZipFile,
    entry: zipfile.ZipInfo,
    info: dict[str, str],
    rate: int,
    label: str,
) -> tuple[FloatArray, float, _Log, int, int]:
    """Decode ``log.bin`` onto the one-second grid (raw counts, NaN where lost)."""
    buf = _log_bytes(archive, entry, label)
    timeline = _timeline(buf, info, rate, label)
    acc, filled = _place_window(timeline, buf, rate, 0, timeline.stop - timeline.first)
    return acc, float(timeline.first), timeline.log, filled, timeline.n_duplicates


def _log_bytes(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, label: str) -> bytes:
    """The uncompressed ``log.bin``, read with a size limit (a zip bomb is refused)."""
    limit = min(max(MIN_DATA_LIMIT, MAX_EXPANSION * entry.compress_size), MAX_DATA_BYTES)
    return _read_member(archive, entry, limit, label)


def _read_legacy(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, info: dict[str, str], label: str
) -> tuple[FloatArray, float]:
    """Decode the legacy ``activity.bin`` (12-bit y, x, z from the start date)."""
    limit = min(max(MIN_DATA_LIMIT, MAX_EXPANSION * entry.compress_size), MAX_DATA_BYTES)
    buf = _read_member(archive, entry, limit, label)
    start = _ticks_to_seconds(info.get("Start Date"))
    if start is None:
        raise InvalidInputError(
            f"The info.txt of {label} has no valid 'Start Date'; the legacy file cannot be "
            "timed, so download it again."
        )
    n_samples = (2 * len(buf)) // 9
    if n_samples < 2:
        raise InvalidInputError(
            f"The file {label} holds fewer than two samples; record for at least a few seconds."
        )
    data = np.frombuffer(buf, dtype=np.uint8)
    values = np.empty((n_samples, 3), dtype=np.float64)
    per_chunk = 2 * (RECORD_CHUNK * 50)  # an even number of samples: whole 9-byte groups
    for first in range(0, n_samples, per_chunk):
        count = min(per_chunk, n_samples - first)
        offset = first * 9 // 2
        rows = data[offset : offset + (count * 9 + 1) // 2][None, :]
        values[first : first + count] = unpack_12bit(rows, count)[0][:, [1, 0, 2]]
    return values, start


def _open_archive(p: Path) -> zipfile.ZipFile:
    """The file as a zip archive, or one sentence on why it is not one."""
    try:
        return zipfile.ZipFile(p)
    except ZIP_OPEN_ERRORS as exc:
        raise InvalidInputError(
            f"The ActiGraph file {p.name} is not a readable zip archive ({_short(exc)}); "
            "download it again from the device."
        ) from exc


def _info_rate_calibration(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], label: str
) -> tuple[dict[str, str], int, dict[str, Any] | None]:
    """``info.txt``, its whole-number sample rate and ``calibration.json`` if there is one."""
    if "info.txt" not in members:
        raise InvalidInputError(
            f"The ActiGraph file {label} has no info.txt; download it again from the device."
        )
    info_text = _read_member(archive, members["info.txt"], MAX_INFO_BYTES, label)
    info = parse_info(info_text.decode("utf-8-sig", errors="replace"))
    rate_value = info.get("Sample Rate", "")
    try:
        rate_float = float(rate_value.replace(",", "."))
    except ValueError:
        rate_float = float("nan")
    if not (RATE_RANGE[0] <= rate_float <= RATE_RANGE[1]) or rate_float != int(rate_float):
        raise InvalidInputError(
            f"The info.txt of {label} gives the sample rate {rate_value!r}, not a whole "
            "number of Hz; download the file again."
        )
    calibration: dict[str, Any] | None = None
    if "calibration.json" in members:
        raw_json = _read_member(archive, members["calibration.json"], MAX_JSON_BYTES, label)
        try:
            parsed = json.loads(raw_json.decode("utf-8-sig", errors="replace"))
        except (ValueError, RecursionError) as exc:
            raise InvalidInputError(
                f"The calibration.json of {label} is not valid JSON; download the file again."
            ) from exc
        calibration = parsed if isinstance(parsed, dict) else None
    return info, int(rate_float), calibration


def decode_gt3x(path: PathLike, *, calibrate: bool = True) -> Gt3xDecode:
    """Decode an ActiGraph ``.gt3x``/``.agdc`` file onto its one-second record grid.

    Parameters
    ----------
    path
        The file.
    calibrate
        Whether to convert raw counts to g (``False`` returns the counts, for checks).

    Returns
    -------
    Gt3xDecode
        Samples (g or counts), start, idle-sleep filling and damage counts.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        Not a readable archive, no ``info.txt`` or data member, bad sample rate or scale,
        or no readable samples.
    """
    p = existing_file(path)
    label = p.name
    with _open_archive(p) as archive:
        members = _members(archive)
        info, rate, calibration = _info_rate_calibration(archive, members, label)
        notes: list[str] = []
        if "log.bin" in members:
            acc, start_s, log, filled, n_duplicates = _read_log(
                archive, members["log.bin"], info, rate, label
            )
            layout = "log.bin"
            scale = log.accel_scale or _info_scale(info, label)
            notes += _scan_notes(log, n_duplicates)
        elif "activity.bin" in members:
            acc, start_s = _read_legacy(archive, members["activity.bin"], info, label)
            layout = "activity.bin"
            log, filled, n_duplicates = _Log(), 0, 0
            scale = LEGACY_SCALE
            calibration = None
        else:
            raise InvalidInputError(
                f"The ActiGraph file {label} has neither log.bin nor activity.bin; download it "
                "again from the device."
            )
    values, how = _calibrate(acc, scale, calibration, rate, label) if calibrate else (acc, "")
    return Gt3xDecode(
        info=info,
        layout=layout,
        rate_hz=float(rate),
        start_s=start_s,
        acc=values,
        idle_sleep_filled=filled,
        missing=int(np.count_nonzero(~np.isfinite(acc).all(axis=1))),
        n_records=log.n_records,
        n_damaged=log.n_damaged,
        damaged_bytes=log.damaged_bytes,
        n_duplicates=n_duplicates,
        idle_sleep_enabled=log.idle_sleep_enabled,
        calibration=how,
        notes=tuple(notes),
    )


def _scan_notes(log: _Log, n_duplicates: int) -> list[str]:
    """What the log scan dropped: repeated seconds, and a record cut off at the end."""
    notes = []
    if n_duplicates:
        notes.append(
            f"{n_duplicates} acceleration records repeated a second already read and were dropped"
        )
    if log.ends_inside_record:
        notes.append("the log ends inside a record (an incomplete download)")
    return notes


def _grid_notes(
    n_damaged: int,
    damaged_bytes: int,
    idle_filled: int,
    idle_sleep_enabled: bool | None,
    missing: int,
    rate: float,
) -> list[str]:
    """Damaged places, idle sleep filled (samples) and samples left missing, as notes."""
    notes = []
    if n_damaged:
        notes.append(
            f"{n_damaged} damaged place(s) in the log ({damaged_bytes} bytes) failed their "
            "checksum and were skipped"
        )
    if idle_filled:
        notes.append(
            f"{idle_filled / rate:.0f} s of idle sleep mode ({idle_filled} samples) were filled "
            "with the last sample before each gap, as ActiLife does"
        )
    elif idle_sleep_enabled:
        notes.append("idle sleep mode was enabled but the device never entered it")
    if missing:
        notes.append(
            f"{missing / rate:.3g} s of samples lost with damaged records were left as missing "
            "values (NaN)"
        )
    return notes


@dataclass(frozen=True)
class _Described:
    """What ``info.txt`` says about a recording besides its samples."""

    zone: dt.tzinfo
    device: str
    placement: str
    height_m: float | None
    meta: dict[str, Any]
    notes: tuple[str, ...]


def _describe(info: dict[str, str], p: Path, layout: str) -> _Described:
    """Time zone, device, placement, height and identifiers from ``info.txt``, with notes."""
    notes = []
    zone = parse_utc_offset(info.get("TimeZone"))
    if zone is None:
        notes.append("info.txt gives no time zone, so the times were taken as UTC")
    placement = placement_from_text(info.get("Limb", ""))
    if placement is None:
        notes.append("the file does not say where the device was worn; lower back assumed")
    device_type = info.get("Device Type", "").strip() or (
        "GT3X+" if layout == "activity.bin" else "device"
    )
    meta: dict[str, Any] = {"format": "actigraph_gt3x", "source_path": str(p)}
    serial = info.get("Serial Number", "")
    if serial:
        meta["device_serial"] = serial
    subject = info.get("Subject Name", "")
    if subject:
        meta["participant_id"] = subject
    return _Described(
        zone=zone or dt.UTC,
        device=f"ActiGraph {device_type[:40]}",
        placement=placement or "lower_back",
        height_m=height_in_m(info.get("Height", "").replace(",", ".")),
        meta=meta,
        notes=tuple(notes),
    )


def _info_scale(info: dict[str, str], label: str) -> float:
    """The acceleration scale from info.txt, else from the serial-number prefix."""
    text = info.get("Acceleration Scale", "").replace(",", ".")
    try:
        scale = float(text)
    except ValueError:
        scale = float("nan")
    if np.isfinite(scale) and 0 < scale <= 1e6:
        return scale
    serial = info.get("Serial Number", "")
    for prefix, value in SCALE_BY_SERIAL.items():
        if serial.upper().startswith(prefix):
            return value
    raise InvalidInputError(
        f"The file {label} states no acceleration scale and its serial number {serial[:20]!r} "
        "does not tell one; download it again with ActiLife."
    )


def read_gt3x(path: PathLike) -> Recording:
    """Read an ActiGraph ``.gt3x`` or ``.agdc`` file (current or legacy NEO/MRA layout).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    Recording
        Acceleration in m/s^2 on the uniform grid at the sample rate of ``info.txt``, idle
        sleep filled with the last sample, start time in the file's ``TimeZone``; device
        ``"ActiGraph <Device Type>"``.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        A damaged or hostile archive, or content that cannot be used.
    """
    decoded = decode_gt3x(path)
    p = Path(path)
    acc, leading = trim_missing_ends(decoded.acc)
    missing = int(np.count_nonzero(~np.isfinite(acc).all(axis=1)))
    notes = list(decoded.notes) + _grid_notes(
        decoded.n_damaged,
        decoded.damaged_bytes,
        decoded.idle_sleep_filled,
        decoded.idle_sleep_enabled,
        missing,
        decoded.rate_hz,
    )
    if acc.shape[0] < 2:
        raise InvalidInputError(
            f"The file {p.name} holds fewer than two readable samples; record for at least a "
            "few seconds."
        )
    notes.append(
        f"one-second records placed on a uniform {decoded.rate_hz:g} Hz grid; "
        f"{decoded.calibration}; converted from g to m/s^2"
    )
    about = _describe(decoded.info, p, decoded.layout)
    notes += about.notes
    meta = {
        **about.meta,
        "bad_blocks": decoded.n_damaged,
        "idle_sleep_samples": decoded.idle_sleep_filled,
    }
    return Recording(
        acc=np.multiply(acc, STANDARD_GRAVITY, out=acc),
        sample_rate_hz=decoded.rate_hz,
        start=local_datetime(decoded.start_s + leading / decoded.rate_hz, about.zone),
        device=about.device,
        placement=about.placement,
        height_m=about.height_m,
        name=p.stem,
        notes=tuple(notes),
        meta=meta,
    )


class Gt3xParts:
    """An ActiGraph ``.gt3x``/``.agdc`` file read a few hours at a time, for ``analyze_parts``.

    A whole read holds the uncompressed log, the raw counts on the grid and the calibrated
    values (about 57 bytes a sample measured on ``small.gt3x``: 3.4 GB for a week at 100 Hz).
    Here the log (4.5-6 bytes a sample) is kept and scanned once; each part then places only
    its own seconds on the grid, fills idle sleep with the last sample before its gap (even
    when that sample lies in an earlier part) and calibrates only those samples, with the
    same code as a whole read. The legacy NEO layout (``activity.bin``, firmware 2.5 and
    earlier, short recordings) is read whole.
    """

    def __init__(self, path: PathLike, *, time_zone: str | dt.tzinfo | None = None) -> None:
        self._path = existing_file(path)
        label = self._path.name
        self._zone = parse_zone(time_zone)
        with _open_archive(self._path) as archive:
            members = _members(archive)
            info, rate, calibration = _info_rate_calibration(archive, members, label)
            if "log.bin" not in members:
                raise InvalidInputError(
                    f"The ActiGraph file {label} has no log.bin to read in parts; it is read whole."
                )
            self._buf = _log_bytes(archive, members["log.bin"], label)
        self._timeline = _timeline(self._buf, info, rate, label)
        log = self._timeline.log
        self._rate, self._calibration = rate, calibration
        self._scale = log.accel_scale or _info_scale(info, label)
        self._about = _describe(info, self._path, "log.bin")
        idle_s = sum(end - begin for begin, end in self._timeline.idle)
        notes = _scan_notes(log, self._timeline.n_duplicates) + _grid_notes(
            log.n_damaged,
            log.damaged_bytes,
            idle_s * rate,
            log.idle_sleep_enabled,
            self._timeline.missing_s * rate,
            rate,
        )
        span = self._timeline.stop - self._timeline.first
        head = self._recording(0, min(span, 60))
        notes += [*head.notes, *self._about.notes]  # how the counts were calibrated
        self._notes: dict[str, None] = dict.fromkeys(notes)
        self.info = PartsInfo(
            head, float(span), self._notes, f"read in parts of a few hours ({span} s of records)"
        )

    def _recording(self, from_s: int, to_s: int) -> Recording:
        """Grid seconds ``[from_s, to_s)`` as a Recording (NaN where records were lost)."""
        counts, _ = _place_window(self._timeline, self._buf, self._rate, from_s, to_s)
        values, how = _calibrate(
            counts, self._scale, self._calibration, self._rate, self._path.name
        )
        start = local_datetime(self._timeline.first + from_s, self._about.zone)
        if self._zone is not None:
            start = start.astimezone(self._zone)
        return Recording(
            acc=np.multiply(values, STANDARD_GRAVITY, out=values),
            sample_rate_hz=float(self._rate),
            start=start,
            device=self._about.device,
            placement=self._about.placement,
            height_m=self._about.height_m,
            name=self._path.stem,
            notes=(
                f"one-second records placed on a uniform {self._rate:g} Hz grid; {how}; "
                "converted from g to m/s^2",
            ),
            meta=dict(self._about.meta),
        )

    def part(self, from_s: float, to_s: float) -> tuple[Recording, float] | None:
        """The samples of grid seconds about ``from_s`` to ``to_s``, and their first time."""
        span = self._timeline.stop - self._timeline.first
        a, b = max(0, int(np.floor(from_s))), min(span, int(np.ceil(to_s)))
        if b - a < 2:
            return None
        return self._recording(a, b), float(a)


def duration_hint_s(path: PathLike) -> float | None:
    """An upper estimate of a ``.gt3x`` file's length, s, from its archive directory alone.

    The larger of ``Last Sample Time`` minus ``Start Date`` in ``info.txt`` and the seconds
    ``log.bin``'s uncompressed size could hold at the sample rate (at least 4.5 bytes a
    sample, the 12-bit records). ``None`` when the file is not a readable archive.
    """
    p = existing_file(path)
    try:
        with _open_archive(p) as archive:
            members = _members(archive)
            info, rate, _ = _info_rate_calibration(archive, members, p.name)
            log_size = members["log.bin"].file_size if "log.bin" in members else 0
    except InvalidInputError:
        return None
    start, last = (
        _ticks_to_seconds(info.get("Start Date")),
        _ticks_to_seconds(info.get("Last Sample Time")),
    )
    from_info = last - start if start is not None and last is not None else 0.0
    return max(from_info, log_size / (4.5 * rate))
