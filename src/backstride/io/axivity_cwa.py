"""Reader for Axivity AX3 and AX6 ``.cwa`` files (Open Movement continuous wave accelerometer).

Written by hand, with NumPy, from the published Open Movement format description (``cwa.h``).
The libraries on PyPI were not good enough here. scikit-digital-health (``skdh`` 0.17) stops
with ``RuntimeError`` on the sample file with corrupt blocks instead of skipping them, and its
compiled reader crashed the interpreter (segmentation fault) on 24 of 150 mutated sample files,
which no ``except`` can turn into a one-sentence error; it also pulls in scikit-learn,
LightGBM, h5py, matplotlib and PyWavelets, and its decodes are this reader's independent
reference, so using it would check it against itself. ``openmovement`` (0.0.1 on PyPI) is a
pre-alpha snapshot that prints warnings, raises bare ``Exception`` and does not drop blocks
that fail their checksum. ``actipy`` needs a Java runtime.

Layout
------
A 1024-byte header (``MD``, packet length 1020) holds the device type (AX3 or AX6), session
id, sample-rate code (``3200 / 2**(15 - (code & 15))`` Hz) and url-encoded metadata (subject
code ``_sc``, body location ``_p``, height ``_h``). Then come 512-byte data blocks (``AX``,
length 508), each with a 16-bit word checksum (the words of a block sum to zero), a sequence
number, a packed RTC timestamp (device-local time, no time zone) with a 1/32768-s fraction, the
offset of the sample that timestamp belongs to, and 120 packed AX3 samples (10-bit x/y/z with a
shared exponent, 256 per g), 80 16-bit AX3 samples, or 40 AX6 samples (gyroscope x/y/z then
accelerometer x/y/z, 16-bit; scales in the block's ``light`` word).

What the reader does
--------------------
Blocks that fail their checksum, or whose format, rate, session or timestamp do not match
the recording, are skipped and counted in ``Recording.notes``; their samples are NaN on the
grid (or cut off when at either end). Sample times are interpolated between block timestamps
(the accelerometer's oscillator runs off its nominal rate, e.g. 197.2 Hz for "200 Hz") and
resampled onto a uniform grid at the header's rate. Acceleration is converted from g to
m/s^2, angular velocity is kept in deg/s. The time zone is not stored in the file: the start
is the device's local clock marked as UTC unless ``time_zone`` is given.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    IntArray,
    PathLike,
    existing_file,
    height_in_m,
    parse_zone,
    read_head,
)
from backstride.io._device_common import (
    PartsInfo,
    anchored_times,
    grid_notes,
    increasing_mask,
    local_datetime,
    part_range,
    parts_index,
    placement_from_text,
    timeline_outliers,
    to_uniform_grid,
)
from backstride.recording import STANDARD_GRAVITY, FloatArray, Recording

SECTOR = 512
HEADER_MAGIC = 0x444D  # "MD", little-endian
BLOCK_MAGIC = 0x5841  # "AX", little-endian
BLOCK_LENGTH = 508
DATA_BYTES = 480
#: Blocks decoded at once, to bound the temporaries (about 600,000 samples).
BLOCK_CHUNK = 5_000

BLOCK_DTYPE = np.dtype(
    [
        ("magic", "<u2"),
        ("length", "<u2"),
        ("fractional", "<u2"),
        ("session", "<u4"),
        ("sequence", "<u4"),
        ("timestamp", "<u4"),
        ("light", "<u2"),
        ("temperature", "<u2"),
        ("events", "u1"),
        ("battery", "u1"),
        ("rate_code", "u1"),
        ("axes_bps", "u1"),
        ("timestamp_offset", "<i2"),
        ("count", "<u2"),
        ("data", f"V{DATA_BYTES}"),
        ("checksum", "<u2"),
    ]
)

_SHORTHAND = {
    "_c": "study_centre",
    "_s": "study_code",
    "_i": "investigator",
    "_x": "exercise_code",
    "_v": "volunteer_number",
    "_p": "body_location",
    "_so": "setup_operator",
    "_n": "notes",
    "_sc": "subject_code",
    "_se": "sex",
    "_h": "height",
    "_w": "weight",
    "_ha": "handedness",
    "_sn": "study_name",
}


@dataclass(frozen=True)
class CwaHeader:
    """The parts of a CWA header the reader uses."""

    device: str
    device_id: int
    session_id: int
    rate_code: int
    sensor_config: int
    data_offset: int
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CwaDecode:
    """Samples as stored, before they are put on the uniform grid.

    Attributes
    ----------
    header
        The parsed header.
    rate_hz
        Nominal sample rate, Hz.
    base_s
        A device-local time, s after 1970-01-01 00:00 (wall clock), that ``rel_s`` counts from.
    rel_s
        Time of each sample, s after ``base_s`` (kept apart so that sub-microsecond steps are
        not lost in the large epoch seconds; :attr:`time_s` adds them).
    sample_index
        Running sample number (samples of skipped blocks are counted, so a step above 1 marks
        lost samples).
    samples
        ``(n, 3)`` acceleration in g, followed for an AX6 by 3 columns of angular velocity in
        deg/s (see :attr:`acc_g` and :attr:`gyr_dps`).
    n_blocks, n_bad_checksum, n_mismatched, n_dropped_time
        Data blocks in the file, blocks that failed their checksum, blocks skipped because
        their format, rate, session or timestamp did not fit, and samples dropped because
        their time went backwards.
    n_time_breaks
        Places where consecutive block timestamps were not continuous.
    trailing_bytes
        Bytes after the last whole block (an incomplete block), ignored.
    """

    header: CwaHeader
    rate_hz: float
    base_s: float
    rel_s: FloatArray
    sample_index: IntArray
    samples: FloatArray
    n_blocks: int
    n_bad_checksum: int
    n_mismatched: int
    n_dropped_time: int
    n_time_breaks: int
    trailing_bytes: int

    @property
    def time_s(self) -> FloatArray:
        """Device-local time of each sample, s after 1970-01-01 00:00 (wall clock)."""
        return self.base_s + self.rel_s

    @property
    def acc_g(self) -> FloatArray:
        """``(n, 3)`` acceleration, g."""
        return self.samples[:, 0:3]

    @property
    def gyr_dps(self) -> FloatArray | None:
        """``(n, 3)`` angular velocity, deg/s, or ``None`` for an AX3."""
        return self.samples[:, 3:6] if self.samples.shape[1] >= 6 else None


def rate_from_code(code: int) -> float:
    """Sample rate (Hz) of a CWA rate code: ``3200 / 2**(15 - (code & 15))``."""
    return 3200.0 / (1 << (15 - (code & 0x0F)))


def _parse_metadata(raw: bytes) -> dict[str, str]:
    """Parse the url-encoded ``name=value&...`` annotation of the header."""
    text = raw.decode("ascii", errors="replace").rstrip(" \x00\xff\ufffd")
    metadata: dict[str, str] = {}
    for pair in text.split("&"):
        name, _, value = pair.partition("=")
        name = urllib.parse.unquote_plus(name).strip()
        if name:
            metadata[_SHORTHAND.get(name, name)] = urllib.parse.unquote_plus(value).strip()
    return metadata


def parse_header(head: bytes, label: str) -> CwaHeader:
    """Parse the CWA header from the first bytes of the file.

    Raises
    ------
    InvalidInputError
        The header is missing, truncated or not a CWA header.
    """
    if len(head) < SECTOR:
        raise InvalidInputError(
            f"The file {label} ends inside its Axivity header ({len(head)} bytes); download "
            "it again from the device."
        )
    magic = int.from_bytes(head[0:2], "little")
    length = int.from_bytes(head[2:4], "little")
    if magic != HEADER_MAGIC or length < BLOCK_LENGTH:
        raise InvalidInputError(
            f"The file {label} does not start with an Axivity CWA header; check that it is an "
            "unmodified .cwa download."
        )
    hardware = head[4]
    device = "AX6" if hardware == 0x64 else "AX3" if hardware in (0x00, 0xFF, 0x17) else "AX"
    device_id = int.from_bytes(head[5:7], "little")
    upper = int.from_bytes(head[11:13], "little")
    if upper != 0xFFFF:
        device_id |= upper << 16
    return CwaHeader(
        device=device,
        device_id=device_id,
        session_id=int.from_bytes(head[7:11], "little"),
        rate_code=head[36],
        sensor_config=head[35],
        data_offset=((length + SECTOR - 1) // SECTOR) * SECTOR,
        metadata=_parse_metadata(head[64:SECTOR]),
    )


def _block_seconds(
    packed: npt.NDArray[np.uint32],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Decode packed CWA timestamps to wall-clock seconds after 1970 and a validity mask.

    Bit layout ``YYYYYYMM MMDDDDDh hhhhmmmm mmssssss`` (year from 2000).
    """
    value = packed.astype(np.int64)
    year = ((value >> 26) & 0x3F) + 2000
    month = (value >> 22) & 0x0F
    day = (value >> 17) & 0x1F
    hour = (value >> 12) & 0x1F
    minute = (value >> 6) & 0x3F
    second = value & 0x3F
    valid = (month >= 1) & (month <= 12) & (day >= 1) & (hour < 24) & (minute < 60)
    valid &= second < 60
    months = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    first_of_month = months.astype("datetime64[M]").astype("datetime64[D]")
    date = first_of_month + (np.clip(day, 1, 31) - 1).astype("timedelta64[D]")
    valid &= date.astype("datetime64[M]") == first_of_month.astype("datetime64[M]")
    days = date.astype(np.int64)
    return days * 86400 + hour * 3600 + minute * 60 + second, valid


def _unpack_samples(
    blocks: npt.NDArray[Any], channels: int, packed: bool, per_block: int
) -> npt.NDArray[np.float64]:
    """Return ``(n_blocks, per_block, channels)`` raw sample values of full-format blocks."""
    data = blocks["data"]
    if packed:
        words = np.frombuffer(data.tobytes(), dtype="<u4").reshape(-1, per_block)
        exponent = (words >> 30).astype(np.int64)
        out = np.empty((words.shape[0], per_block, 3), dtype=np.float64)
        for axis in range(3):
            field_value = ((words >> (10 * axis)) & 0x3FF).astype(np.int64)
            signed = (field_value ^ 0x200) - 0x200
            out[:, :, axis] = signed << exponent
        return out
    width = per_block * channels
    values = np.frombuffer(data.tobytes(), dtype="<i2").reshape(-1, DATA_BYTES // 2)
    return values[:, :width].reshape(-1, per_block, channels).astype(np.float64)


def decode_cwa(path: PathLike, *, first_block: int = 0, max_blocks: int | None = None) -> CwaDecode:
    """Decode the samples of a CWA file as stored (no resampling), skipping bad blocks.

    Parameters
    ----------
    path
        The ``.cwa`` file.
    first_block, max_blocks
        Decode only the data blocks ``first_block`` to ``first_block + max_blocks - 1`` (all
        by default): a long file is read a part at a time (:func:`cwa_parts`).

    Returns
    -------
    CwaDecode
        Samples, their device-local times and what was skipped.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        A truncated or foreign header, no data blocks, or no block that passes its checksum.
    """
    p = existing_file(path)
    head = read_head(p, 1024)
    header = parse_header(head, p.name)
    size = p.stat().st_size
    n_blocks = max(size - header.data_offset, 0) // SECTOR
    trailing = max(size - header.data_offset, 0) - n_blocks * SECTOR
    first_block = min(max(0, first_block), n_blocks)
    n_blocks -= first_block
    if max_blocks is not None:
        n_blocks = min(n_blocks, max(0, max_blocks))
        trailing = 0
    if n_blocks == 0:
        raise InvalidInputError(
            f"The file {p.name} has an Axivity header but no data blocks; download it again "
            "from the device."
        )
    try:
        words = np.fromfile(
            p,
            dtype="<u2",
            count=n_blocks * (SECTOR // 2),
            offset=header.data_offset + first_block * SECTOR,
        )
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{p.name} cannot be read ({exc}); check its permissions.") from exc
    # one row of 16-bit words per whole block read (a file cut short ends mid-block)
    rows = words[: (words.size // (SECTOR // 2)) * (SECTOR // 2)].reshape(-1, SECTOR // 2)
    n_blocks = int(rows.shape[0])
    blocks = rows.view(BLOCK_DTYPE).reshape(n_blocks)
    checksum_ok = rows.sum(axis=1, dtype=np.uint16) == 0
    framed = checksum_ok & (blocks["magic"] == BLOCK_MAGIC) & (blocks["length"] == BLOCK_LENGTH)
    n_bad_checksum = int(np.count_nonzero(~checksum_ok))
    if not framed.any():
        raise InvalidInputError(
            f"None of the {n_blocks} data blocks of {p.name} passed its checksum; the file is "
            "damaged beyond use."
        )

    # The recording's format is that of most good blocks; others are from something else.
    keys = (
        blocks["axes_bps"].astype(np.int64) << 40
        | blocks["rate_code"].astype(np.int64) << 32
        | blocks["session"].astype(np.int64)
    )
    unique, counts = np.unique(keys[framed], return_counts=True)
    key = int(unique[np.argmax(counts)])
    axes_bps, rate_code = (key >> 40) & 0xFF, (key >> 32) & 0xFF
    channels, bytes_per_axis = axes_bps >> 4, axes_bps & 0x0F
    packed = channels == 3 and bytes_per_axis == 0
    if not packed and (bytes_per_axis != 2 or channels not in (3, 6, 9)):
        raise InvalidInputError(
            f"The data blocks of {p.name} use the sample packing {axes_bps:#04x}, which "
            "BackStride does not read; convert the file with OmGui first."
        )
    per_block = DATA_BYTES // (4 if packed else 2 * channels)
    seconds, time_ok = _block_seconds(blocks["timestamp"])
    count = blocks["count"].astype(np.int64)
    good = framed & (keys == key) & time_ok & (count >= 1) & (count <= per_block)
    n_mismatched = int(np.count_nonzero(framed & ~good))
    if not good.any():
        raise InvalidInputError(
            f"No data block of {p.name} has a valid timestamp and sample count; the file is "
            "damaged beyond use."
        )

    rate_hz = rate_from_code(header.rate_code)
    block_rate = rate_from_code(rate_code)
    if header.rate_code == 0 or rate_hz != block_rate:
        rate_hz = block_rate

    # Running sample numbers: a skipped block is counted as full, so it leaves a hole.
    counted = np.where(good, count, per_block)
    block_start = np.cumsum(counted) - counted
    fractional = blocks["fractional"].astype(np.int64)
    has_fraction = (fractional & 0x8000) != 0
    fraction = np.where(has_fraction, (fractional & 0x7FFF) / 32768.0, 0.0)
    offset = blocks["timestamp_offset"].astype(np.int64)
    offset += np.where(has_fraction, np.floor(fraction * rate_hz).astype(np.int64), 0)

    index = np.flatnonzero(good)
    base = int(seconds[index[0]])
    anchor_index = block_start[index] + offset[index]
    anchor_time = (seconds[index] - base).astype(np.float64) + fraction[index]
    order_ok = ~timeline_outliers(anchor_index, anchor_time, rate_hz)
    order_ok[order_ok] = increasing_mask(anchor_time[order_ok])
    n_out_of_order = int(np.count_nonzero(~order_ok))
    index, anchor_index, anchor_time = (
        index[order_ok],
        anchor_index[order_ok],
        anchor_time[order_ok],
    )

    sample_counts = count[index]
    n_samples = int(sample_counts.sum())
    block_of = np.repeat(np.arange(index.size, dtype=np.int32), sample_counts)
    sample_index = np.arange(n_samples, dtype=np.int64)
    sample_index += np.repeat(
        block_start[index] - (np.cumsum(sample_counts) - sample_counts), sample_counts
    )
    times, breaks = anchored_times(anchor_index, anchor_time, block_of, sample_index, rate_hz)
    del block_of

    # Samples: acceleration (g) in columns 0-2, angular velocity (deg/s) in 3-5 for an AX6.
    with_gyro = channels >= 6 and not packed
    acc_columns = slice(3, 6) if with_gyro else slice(0, 3)
    samples = np.empty((n_samples, 6 if with_gyro else 3), dtype=np.float64)
    light = blocks["light"].astype(np.int64)
    header_gyro = header.sensor_config & 0x0F
    default_gyro = 8000.0 / (1 << header_gyro) if header.sensor_config not in (0, 0xFF) else 2000.0
    position = 0
    for start in range(0, index.size, BLOCK_CHUNK):
        chosen = index[start : start + BLOCK_CHUNK]
        values = _unpack_samples(blocks[chosen], channels, packed, per_block)
        unit = (1 << (8 + ((light[chosen] >> 13) & 0x07))).astype(np.float64)
        values[:, :, acc_columns] /= unit[:, None, None]
        if with_gyro:
            gyro_code = (light[chosen] >> 10) & 0x07
            gyro_range = np.where(gyro_code != 0, 8000.0 / (1 << gyro_code), default_gyro)
            values[:, :, 0:3] *= (gyro_range / 32768.0)[:, None, None]
        keep = np.arange(per_block)[None, :] < count[chosen][:, None]
        taken = values[keep]
        stop = position + taken.shape[0]
        if with_gyro:
            samples[position:stop, 0:3] = taken[:, 3:6]
            samples[position:stop, 3:6] = taken[:, 0:3]
        else:
            samples[position:stop] = taken[:, 0:3]
        position = stop

    keep_time = increasing_mask(times)
    n_dropped = int(np.count_nonzero(~keep_time))
    if n_dropped:
        times, sample_index, samples = times[keep_time], sample_index[keep_time], samples[keep_time]
    return CwaDecode(
        header=header,
        rate_hz=rate_hz,
        base_s=float(base),
        rel_s=times,
        sample_index=sample_index,
        samples=samples,
        n_blocks=n_blocks,
        n_bad_checksum=n_bad_checksum,
        n_mismatched=n_mismatched + n_out_of_order,
        n_dropped_time=n_dropped,
        n_time_breaks=breaks,
        trailing_bytes=trailing,
    )


def read_cwa(
    path: PathLike,
    *,
    time_zone: str | dt.tzinfo | None = None,
    first_block: int = 0,
    max_blocks: int | None = None,
) -> Recording:
    """Read an Axivity AX3 or AX6 ``.cwa`` file.

    Parameters
    ----------
    path
        The ``.cwa`` file.
    time_zone
        Where the device's clock was set (IANA name or tzinfo); the file does not say. By
        default the local clock times are marked as UTC, with a note.
    first_block, max_blocks
        Read only these data blocks (see :func:`decode_cwa`).

    Returns
    -------
    Recording
        Acceleration in m/s^2, angular velocity in deg/s (AX6), on a uniform grid at the
        header's rate; device ``"Axivity AX3"`` or ``"Axivity AX6"``.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        A truncated or damaged file with no usable data, or gaps longer than the data.
    """
    zone = parse_zone(time_zone)
    decoded = decode_cwa(path, first_block=first_block, max_blocks=max_blocks)
    p = Path(path)
    notes: list[str] = []
    header = decoded.header
    if decoded.n_bad_checksum:
        notes.append(
            f"{decoded.n_bad_checksum} of {decoded.n_blocks} data blocks failed their checksum "
            "and were skipped"
        )
    if decoded.n_mismatched:
        notes.append(
            f"{decoded.n_mismatched} of {decoded.n_blocks} data blocks did not match the "
            "recording's format, rate, session or timeline and were skipped"
        )
    if decoded.n_dropped_time:
        notes.append(f"{decoded.n_dropped_time} samples whose time went backwards were dropped")
    if decoded.n_time_breaks:
        notes.append(
            f"the block timestamps jump at {decoded.n_time_breaks} place(s); each side keeps "
            "its own time base"
        )
    if decoded.trailing_bytes:
        notes.append(
            f"the file ends with an incomplete block ({decoded.trailing_bytes} bytes), which "
            "was ignored"
        )
    grid, report = to_uniform_grid(
        decoded.rel_s, decoded.sample_index, decoded.samples, decoded.rate_hz, p.name
    )
    notes.extend(grid_notes(report, decoded.rate_hz, "the block timestamps"))
    grid[:, 0:3] *= STANDARD_GRAVITY
    if grid.shape[1] >= 6:
        acc, gyr = np.ascontiguousarray(grid[:, 0:3]), np.ascontiguousarray(grid[:, 3:6])
        del grid
    else:
        acc, gyr = grid, None
    notes.append(
        "acceleration converted from g to m/s^2"
        + ("; angular velocity in deg/s" if gyr is not None else "")
    )
    if zone is None:
        zone = dt.UTC
        notes.append(
            "the file stores the device's local clock without a time zone, so the times were "
            "taken as UTC"
        )
    start = local_datetime(decoded.base_s + float(decoded.rel_s[0]), zone)
    metadata = header.metadata
    placement = placement_from_text(metadata.get("body_location", ""))
    if placement is None:
        placement = "lower_back"
        notes.append("the file does not say where the device was worn; lower back assumed")
    meta: dict[str, Any] = {
        "format": "axivity_cwa",
        "source_path": str(p),
        "device_serial": str(header.device_id),
        "bad_blocks": decoded.n_bad_checksum + decoded.n_mismatched,
    }
    subject = metadata.get("subject_code", "")
    if subject:
        meta["participant_id"] = subject
    return Recording(
        acc=acc,
        sample_rate_hz=decoded.rate_hz,
        gyr=gyr,
        start=start,
        device=f"Axivity {header.device}",
        placement=placement,
        height_m=height_in_m(metadata.get("height")),
        name=p.stem,
        notes=tuple(notes),
        meta=meta,
    )


class CwaParts:
    """A CWA file read a few hours at a time, for :func:`backstride.gait.pipeline.analyze_parts`.

    Reading a file whole holds every sample several times over while its timeline is put on a
    uniform grid (about 170 bytes a sample for an AX6: 10 GB for a week). Here only the block
    headers are read up front (through a memory map, 512 bytes a block); each part is then
    read with :func:`read_cwa` from the blocks that cover it, plus two blocks either side, so
    memory follows the part, not the file. Part boundaries differ from a whole-file read by
    less than a sample period, because each part's grid starts at its own first sample.
    """

    def __init__(self, path: PathLike, *, time_zone: str | dt.tzinfo | None = None) -> None:
        self._path = existing_file(path)
        self._zone = parse_zone(time_zone)
        header = parse_header(read_head(self._path, 1024), self._path.name)
        n_blocks = max(self._path.stat().st_size - header.data_offset, 0) // SECTOR
        if n_blocks == 0:
            raise InvalidInputError(
                f"The file {self._path.name} has an Axivity header but no data blocks; download "
                "it again from the device."
            )
        blocks = np.memmap(
            self._path, dtype=BLOCK_DTYPE, mode="r", offset=header.data_offset, shape=(n_blocks,)
        )
        seconds, ok = _block_seconds(np.asarray(blocks["timestamp"]))
        fractional = np.asarray(blocks["fractional"]).astype(np.int64)
        count = np.clip(np.asarray(blocks["count"]).astype(np.int64), 0, 120)
        del blocks
        times = seconds.astype(np.float64) + np.where(
            fractional & 0x8000, (fractional & 0x7FFF) / 32768.0, 0.0
        )
        times[~ok] = np.nan
        if not np.isfinite(times).any():
            raise InvalidInputError(
                f"No data block of {self._path.name} has a valid timestamp; the file is damaged "
                "beyond use."
            )
        head = read_cwa(self._path, time_zone=self._zone, max_blocks=min(n_blocks, 256))
        # A damaged timestamp (a block from another year, say) must not stretch the file: as
        # for a whole read, blocks whose clock disagrees with the blocks around them are left
        # out of the time index (see timeline_outliers).
        valid = np.flatnonzero(np.isfinite(times))
        running = np.cumsum(count) - count
        damaged = timeline_outliers(running[valid], times[valid], head.sample_rate_hz)
        times[valid[damaged]] = np.nan  # parts_index refuses a file left with none
        block_s = float(np.median(count[count > 0])) / head.sample_rate_hz if count.any() else 0.0
        held_s = float(count.sum()) / head.sample_rate_hz
        self._block_s, duration = parts_index(times, block_s, held_s, self._path.name, "block")
        self._notes: dict[str, None] = dict.fromkeys(head.notes)
        self.info = PartsInfo(
            head, duration, self._notes, f"read in parts of a few hours ({n_blocks} blocks)"
        )

    def part(self, from_s: float, to_s: float) -> tuple[Recording, float] | None:
        """The samples from about ``from_s`` to ``to_s`` (s from the first block), or None."""
        found = part_range(self._block_s, from_s, to_s)
        if found is None:
            return None
        b0, b1 = found
        try:
            rec = read_cwa(self._path, time_zone=self._zone, first_block=b0, max_blocks=b1 - b0)
        except InvalidInputError:
            self._notes[f"blocks {b0}-{b1 - 1} could not be read and count as a gap"] = None
            return None
        self._notes.update(dict.fromkeys(n for n in rec.notes if "resampled" not in n))
        assert rec.start is not None and self.info.start is not None  # read_cwa always sets it
        return rec, rec.start.timestamp() - self.info.start.timestamp()


def duration_hint_s(path: PathLike) -> float | None:
    """An upper estimate of a ``.cwa`` file's length, s, from its size and header rate.

    Every 512-byte data block holds at most 120 samples. ``None`` when the header is
    unreadable (the whole-file reader says what is wrong).
    """
    p = existing_file(path)
    try:
        header = parse_header(read_head(p, 1024), p.name)
    except InvalidInputError:
        return None
    n_blocks = max(p.stat().st_size - header.data_offset, 0) // SECTOR
    return n_blocks * 120 / max(rate_from_code(header.rate_code), 1.0)
