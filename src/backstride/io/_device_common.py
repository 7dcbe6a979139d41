"""Helpers shared by the binary device readers (Axivity ``.cwa``, GENEActiv ``.bin``, ActiGraph).

Device files store samples in blocks (CWA data blocks, GENEActiv pages, ActiGraph one-second
records), each stamped by the device's real-time clock, while the accelerometer itself runs on
its own oscillator, often a percent or two off its nominal rate. These helpers turn block
timestamps into one time per sample (:func:`anchored_times`) and those times into the
uniform grid of the data contract (:func:`to_uniform_grid`), leaving samples lost in damaged
blocks as NaN rather than inventing them.

They also recognise the three formats from content (:func:`detect_device_format`) and hold
the small parsing helpers the readers share. Everything here raises only
:mod:`backstride.exceptions` errors.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from backstride.exceptions import InvalidInputError
from backstride.io._common import MAX_GRID_GROWTH, IntArray
from backstride.recording import FloatArray, Recording

#: Consecutive block timestamps whose implied sample rate is within this fraction of the
#: nominal rate are one continuous stretch (the oscillator drifts, the clock does not); a
#: larger difference is a break in the recording and each side keeps its own time base.
RATE_CONTINUITY_TOLERANCE = 0.05
#: Gaps between received samples up to this long (s) are bridged by linear interpolation
#: when the samples are put on the uniform grid; longer gaps are left as NaN.
MAX_BRIDGE_S = 1.0
#: Blocks around each block whose timestamps judge it, and how far (s) its clock offset may
#: be from their median before its timestamp counts as damaged.
OUTLIER_WINDOW = 15
OUTLIER_TOLERANCE_S = 2.0
#: Grid points computed at once, to bound the temporaries of the interpolation.
GRID_CHUNK = 1 << 20
#: The longest recording the device readers accept (s): a 400-day wear is beyond any device.
MAX_SPAN_S = 400 * 86400.0

ZIP_MAGIC = b"PK\x03\x04"
CWA_HEADER_MAGIC = b"MD"
CWA_HEADER_LENGTH = 1020
_GENEACTIV_FIRST_RE = re.compile(rb"^\s*device identity\s*$", re.IGNORECASE | re.MULTILINE)
#: Members that make a zip archive an ActiGraph recording: current (``log.bin``) and legacy
#: NEO/MRA (``activity.bin``) layouts, both with ``info.txt``.
GT3X_DATA_MEMBERS = ("log.bin", "activity.bin")
GT3X_INFO_MEMBER = "info.txt"
#: How much of a damaged zip archive is searched for ActiGraph member names.
ZIP_NAME_SCAN_BYTES = 64 << 20

_PLACEMENTS = (
    ("wrist", "wrist"),
    ("ankle", "ankle"),
    ("thigh", "thigh"),
    ("hip", "hip"),
    ("waist", "lower_back"),
    ("lumbar", "lower_back"),
    ("back", "lower_back"),
    ("sacrum", "lower_back"),
    ("pelvis", "lower_back"),
    ("chest", "chest"),
)
#: Short codes matched as the whole text only (as parts of words they would misread "elbow").
_PLACEMENT_CODES = {"lb": "lower_back", "l5": "lower_back", "lbk": "lower_back"}


#: What opening a damaged or foreign zip archive can raise.
ZIP_OPEN_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,  # an unknown zip version
)


def detect_device_format(path: Path, head: bytes) -> str | None:
    """Return the device format id of a file from its first bytes, or ``None``.

    Parameters
    ----------
    path
        The file (zip archives are opened to list their members).
    head
        The file's first bytes (at least 1026 for a CWA file to be recognised by its first
        data block when the header length is unusual).

    Returns
    -------
    str or None
        ``"axivity_cwa"`` for an ``MD`` header of 1020 bytes (or an ``AX`` data block right
        after the header sector pair), ``"geneactiv_bin"`` for a text file whose first line
        is ``Device Identity``, ``"actigraph_gt3x"`` for a zip archive holding ``info.txt``
        and ``log.bin`` or ``activity.bin``; ``None`` otherwise.
    """
    if head.startswith(CWA_HEADER_MAGIC) and len(head) >= 4:
        length = int.from_bytes(head[2:4], "little")
        if length == CWA_HEADER_LENGTH or head[1024:1026] == b"AX":
            return "axivity_cwa"
    first = head.lstrip()[:64]
    if _GENEACTIV_FIRST_RE.match(first.split(b"\n", 1)[0] + b"\n"):
        return "geneactiv_bin"
    if head.startswith(ZIP_MAGIC) and _is_actigraph_zip(path):
        return "actigraph_gt3x"
    return None


def _is_actigraph_zip(path: Path) -> bool:
    """Whether a zip archive holds an ActiGraph recording (see :func:`detect_device_format`).

    A damaged archive whose central directory cannot be read is judged by the member names in
    its local headers (the first :data:`ZIP_NAME_SCAN_BYTES`), so that the reader, not the
    format detection, reports the damage.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = {Path(name).name.lower() for name in archive.namelist()}
    except ZIP_OPEN_ERRORS:
        names = _names_in_local_headers(path)
    return GT3X_INFO_MEMBER in names and any(name in names for name in GT3X_DATA_MEMBERS)


def _names_in_local_headers(path: Path) -> set[str]:
    """The ActiGraph member names found in the raw bytes of a (damaged) zip archive."""
    wanted = [GT3X_INFO_MEMBER, *GT3X_DATA_MEMBERS]
    found: set[str] = set()
    tail = b""
    try:
        with path.open("rb") as handle:
            for _ in range(ZIP_NAME_SCAN_BYTES // (1 << 20)):
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                window = (tail + chunk).lower()
                found.update(name for name in wanted if name.encode() in window)
                tail = chunk[-16:]
    except OSError:
        return found
    return found


def placement_from_text(text: str) -> str | None:
    """Map a device's wear-location text (``"right wrist"``, ``"back"``) to a placement name.

    Returns
    -------
    str or None
        ``"wrist"``, ``"ankle"``, ``"thigh"``, ``"hip"``, ``"lower_back"`` or ``"chest"``;
        another non-empty text as a lower-case identifier; ``None`` if ``text`` is empty.
    """
    lowered = text.strip().lower()
    if not lowered:
        return None
    if lowered in _PLACEMENT_CODES:
        return _PLACEMENT_CODES[lowered]
    for token, placement in _PLACEMENTS:
        if token in lowered:
            return placement
    cleaned = re.sub(r"\W+", "_", lowered).strip("_")
    return cleaned[:40] or None


def local_datetime(seconds: float, zone: dt.tzinfo) -> dt.datetime:
    """Return the device-local time ``seconds`` after 1970-01-01 00:00 as an aware datetime.

    Device clocks count local wall time, so the seconds are wall-clock seconds, not Unix time;
    the zone is attached, not converted to.

    Raises
    ------
    InvalidInputError
        The time is outside the calendar.
    """
    try:
        naive = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=float(seconds))
    except (OverflowError, ValueError) as exc:
        raise InvalidInputError(
            f"The device time {seconds:.6g} s after 1970 is outside the calendar; the file's "
            "clock data is damaged."
        ) from exc
    return naive.replace(tzinfo=zone)


def anchored_times(
    anchor_index: IntArray,
    anchor_time: FloatArray,
    block_of: npt.NDArray[np.integer[Any]],
    sample_index: IntArray,
    rate_hz: float,
) -> tuple[FloatArray, int]:
    """Give every sample a time from the timestamps of the blocks it came in.

    Each block ``b`` has one anchor: the running sample number ``anchor_index[b]`` whose time
    the device stamped as ``anchor_time[b]``. Between two consecutive anchors whose implied rate
    is within :data:`RATE_CONTINUITY_TOLERANCE` of ``rate_hz`` sample times are linearly
    interpolated (so oscillator drift is followed exactly); a block whose neighbour is not
    continuous with it extrapolates with the rate on its other side, or the nominal rate.

    Parameters
    ----------
    anchor_index
        Per block: running sample number of the anchor (counting samples of lost blocks too).
    anchor_time
        Per block: time of the anchor, s from any origin, increasing with ``anchor_index``.
    block_of
        Per sample: index of its block in ``anchor_index``.
    sample_index
        Per sample: its running sample number.
    rate_hz
        Nominal sample rate, Hz.

    Returns
    -------
    tuple
        Sample times (s, same origin as ``anchor_time``) and the number of breaks between
        blocks that were not continuous.
    """
    n_blocks = int(anchor_index.size)
    rate_next = np.full(n_blocks, np.nan)
    if n_blocks > 1:
        d_index = np.diff(anchor_index).astype(np.float64)
        d_time = np.diff(anchor_time)
        with np.errstate(divide="ignore", invalid="ignore"):
            implied = d_index / d_time
        continuous = (
            (d_time > 0)
            & np.isfinite(implied)
            & (np.abs(implied / rate_hz - 1.0) <= RATE_CONTINUITY_TOLERANCE)
        )
        rate_next[:-1] = np.where(continuous, implied, np.nan)
        breaks = int(np.count_nonzero(~continuous))
    else:
        breaks = 0
    rate_prev = np.concatenate(([np.nan], rate_next[:-1]))
    forward = np.where(
        np.isfinite(rate_next), rate_next, np.where(np.isfinite(rate_prev), rate_prev, rate_hz)
    )
    backward = np.where(
        np.isfinite(rate_prev), rate_prev, np.where(np.isfinite(rate_next), rate_next, rate_hz)
    )
    times = np.empty(sample_index.size, dtype=np.float64)
    for start in range(0, sample_index.size, GRID_CHUNK):
        blocks = block_of[start : start + GRID_CHUNK]
        delta = (sample_index[start : start + GRID_CHUNK] - anchor_index[blocks]).astype(np.float64)
        rate = np.where(delta >= 0, forward[blocks], backward[blocks])
        times[start : start + blocks.size] = anchor_time[blocks] + delta / rate
    return times, breaks


def timeline_outliers(
    anchor_index: IntArray, anchor_time: FloatArray, rate_hz: float
) -> npt.NDArray[np.bool_]:
    """Flag blocks whose timestamp disagrees with the blocks around them.

    A block's clock offset is its anchor time minus its anchor's sample number divided by the
    rate; drift changes it slowly. A block whose offset is more than
    :data:`OUTLIER_TOLERANCE_S` from the median of the :data:`OUTLIER_WINDOW` blocks around it
    has a damaged timestamp (a lasting jump moves the median with it, so it is kept).

    Returns
    -------
    numpy.ndarray
        ``True`` for each block to drop.
    """
    n = int(anchor_index.size)
    if n < 3:
        return np.zeros(n, dtype=bool)
    offset = anchor_time - anchor_index / rate_hz
    half = min(OUTLIER_WINDOW // 2, (n - 1) // 2)
    padded = np.pad(offset, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    median = np.median(windows, axis=1)
    with np.errstate(invalid="ignore"):
        return np.asarray(~(np.abs(offset - median) <= OUTLIER_TOLERANCE_S), dtype=bool)


def increasing_mask(times: FloatArray) -> npt.NDArray[np.bool_]:
    """Return a mask keeping each sample whose time is later than every earlier one."""
    if times.size == 0:
        return np.zeros(0, dtype=bool)
    running = np.maximum.accumulate(times)
    keep = np.ones(times.size, dtype=bool)
    keep[1:] = times[1:] > running[:-1]
    return keep


@dataclass(frozen=True)
class GridReport:
    """What :func:`to_uniform_grid` did.

    Attributes
    ----------
    exact
        The sample times already were the grid: values were passed through unchanged.
    n_missing
        Grid points inside stretches of lost samples, left as NaN.
    n_bridged
        Gaps of more than two sample periods (but at most :data:`MAX_BRIDGE_S`) with no lost
        samples, bridged by linear interpolation.
    longest_bridge_s
        The longest bridged gap, s (0 if none).
    measured_rate_hz
        Rate implied by the first and last sample times and the number of samples received.
    """

    exact: bool
    n_missing: int
    n_bridged: int
    longest_bridge_s: float
    measured_rate_hz: float


def to_uniform_grid(
    times: FloatArray, sample_index: IntArray, values: FloatArray, rate_hz: float, label: str
) -> tuple[FloatArray, GridReport]:
    """Put samples with known times on a uniform grid starting at the first sample.

    Grid points between two received samples are linearly interpolated, except where
    samples were lost between them (their running sample numbers are not consecutive) or
    the gap is longer than :data:`MAX_BRIDGE_S`: those grid points are NaN.

    Parameters
    ----------
    times
        Increasing sample times, s.
    sample_index
        Running sample number of each sample (a step above 1 marks lost samples).
    values
        ``(n, k)`` samples.
    rate_hz
        Grid rate, Hz.
    label
        The file name, for messages.

    Returns
    -------
    tuple
        The ``(m, k)`` grid values and a :class:`GridReport`.

    Raises
    ------
    InvalidInputError
        Fewer than two samples, or gaps so long that the grid would be more than
        :data:`~backstride.io._common.MAX_GRID_GROWTH` times the data.
    """
    n = int(times.size)
    if n < 2:
        raise InvalidInputError(
            f"The file {label} holds fewer than two readable samples; record for at least a "
            "few seconds."
        )
    origin = float(times[0])
    span = float(times[-1]) - origin
    if not np.isfinite(span) or span <= 0 or span > MAX_SPAN_S:
        raise InvalidInputError(
            f"The sample times of {label} span {span:.6g} s, which no recording can; the "
            "file's clock data is damaged."
        )
    measured = float(sample_index[-1] - sample_index[0]) / span
    n_grid = int(np.floor(span * rate_hz + 1e-6)) + 1
    if n_grid > MAX_GRID_GROWTH * n + 10:
        raise InvalidInputError(
            f"The samples of {label} cover {span:.6g} s but there are only {n} of them at "
            f"{rate_hz:g} Hz, so most of the time is missing; split the recording at its gaps."
        )
    if n_grid == n and _on_grid(times, sample_index, rate_hz):
        return values.copy(), GridReport(True, 0, 0, 0.0, measured)
    # Everything is done a chunk at a time: no temporaries as long as the recording.
    n_bridged, longest = 0, 0.0
    for start in range(0, n - 1, GRID_CHUNK):
        stop = min(start + GRID_CHUNK, n - 1)
        steps = times[start + 1 : stop + 1] - times[start:stop]
        lost = (sample_index[start + 1 : stop + 1] - sample_index[start:stop] > 1) | (
            steps > MAX_BRIDGE_S
        )
        bridged = ~lost & (steps > 2.0 / rate_hz)
        if bridged.any():
            n_bridged += int(np.count_nonzero(bridged))
            longest = max(longest, float(steps[bridged].max()))
    out = np.empty((n_grid, values.shape[1]), dtype=np.float64)
    n_missing = 0
    for start in range(0, n_grid, GRID_CHUNK):
        grid = origin + np.arange(start, min(start + GRID_CHUNK, n_grid)) / rate_hz
        left = np.clip(np.searchsorted(times, grid, side="right") - 1, 0, n - 2)
        step = times[left + 1] - times[left]
        fraction = (grid - times[left]) / step
        chunk = values[left] + fraction[:, None] * (values[left + 1] - values[left])
        on_sample = fraction <= 0.0
        at_next = fraction >= 1.0
        chunk[at_next] = values[left[at_next] + 1]
        lost = (sample_index[left + 1] - sample_index[left] > 1) | (step > MAX_BRIDGE_S)
        missing = lost & ~on_sample & ~at_next
        chunk[missing] = np.nan
        n_missing += int(np.count_nonzero(missing))
        out[start : start + grid.size] = chunk
    return out, GridReport(False, n_missing, n_bridged, longest, measured)


def _on_grid(times: FloatArray, sample_index: IntArray, rate_hz: float) -> bool:
    """Whether consecutive samples already sit on the grid (to a thousandth of a period)."""
    origin = float(times[0])
    for start in range(0, times.size, GRID_CHUNK):
        chunk = times[start : start + GRID_CHUNK] - origin
        grid = np.arange(start, start + chunk.size) / rate_hz
        if float(np.abs(chunk - grid).max()) > 1e-3 / rate_hz:
            return False
        indices = sample_index[start : start + GRID_CHUNK + 1]
        if not bool(np.all(np.diff(indices) == 1)):
            return False
    return True


def grid_notes(report: GridReport, rate_hz: float, what: str) -> list[str]:
    """Describe a :class:`GridReport` for ``Recording.notes``.

    Parameters
    ----------
    report
        The report.
    rate_hz
        The grid rate, Hz.
    what
        What the sample times came from, e.g. ``"the block timestamps"``.
    """
    notes: list[str] = []
    if report.exact:
        notes.append(f"sample times from {what} lie on a uniform {rate_hz:g} Hz grid")
    else:
        notes.append(
            f"sample times from {what} (a measured {report.measured_rate_hz:.5g} Hz) were "
            f"resampled onto a uniform {rate_hz:g} Hz grid by linear interpolation"
        )
    if report.n_bridged:
        notes.append(
            f"{report.n_bridged} gap(s) of up to {report.longest_bridge_s:.3g} s between blocks "
            "were bridged by a straight line"
        )
    if report.n_missing:
        notes.append(
            f"{report.n_missing / rate_hz:.3g} s of lost samples were left as missing values (NaN)"
        )
    return notes


def trim_missing_ends(values: FloatArray) -> tuple[FloatArray, int]:
    """Drop leading and trailing rows that hold any NaN; return the rows and leading count."""
    finite: npt.NDArray[np.bool_] = np.asarray(np.isfinite(values).all(axis=1), dtype=bool)
    if not finite.any():
        return values[:0], 0
    first = int(np.argmax(finite))
    last = int(finite.size - np.argmax(finite[::-1]))
    return values[first:last], first


@dataclass(frozen=True)
class PartsInfo:
    """What a file read in parts knows of the whole recording (``RecordingInfo`` in gait).

    ``head`` is the first part as read; the duration comes from the file's block or page
    index, and ``notes`` gather the notes of every part read so far.
    """

    head: Recording
    duration_s: float
    _notes: dict[str, None]
    how: str

    @property
    def sample_rate_hz(self) -> float:
        """Sample rate, Hz."""
        return self.head.sample_rate_hz

    @property
    def n_samples(self) -> int:
        """Samples on the whole file's grid."""
        return round(self.duration_s * self.head.sample_rate_hz)

    @property
    def start(self) -> dt.datetime | None:
        """Time of the first sample."""
        return self.head.start

    @property
    def name(self) -> str:
        """File stem."""
        return self.head.name

    @property
    def device(self) -> str:
        """Device name."""
        return self.head.device

    @property
    def placement(self) -> str:
        """Where it was worn."""
        return self.head.placement

    @property
    def height_m(self) -> float | None:
        """Wearer's height from the file's metadata."""
        return self.head.height_m

    @property
    def sensor_height_m(self) -> float | None:
        """Sensor height from the file, if it has one."""
        return self.head.sensor_height_m

    @property
    def notes(self) -> tuple[str, ...]:
        """Notes of every part read so far, once each."""
        return (*self._notes, self.how)

    @property
    def meta(self) -> dict[str, Any]:
        """Reader metadata of the first part."""
        return self.head.meta

    @property
    def has_gyr(self) -> bool:
        """Whether the device has a gyroscope."""
        return self.head.has_gyr


#: A jump in block or page times longer than this inside a part is a recording gap.
MAX_PART_JUMP_S = 10.0


def parts_index(
    times: FloatArray, unit_s: float, held_s: float, label: str, what: str
) -> tuple[FloatArray, float]:
    """Start times of a file's blocks or pages, for reading it in parts, and its duration.

    ``times`` are the blocks' (pages') clock times, NaN where unknown or left out as
    outliers; the result counts from the first known one and never decreases, so that a
    time finds its blocks by bisection. ``unit_s`` is one block's length and ``held_s`` the
    samples the file holds, s. A file whose times span more than :data:`MAX_GRID_GROWTH`
    times what it holds is refused, as the whole-file readers refuse it.
    """
    finite = np.flatnonzero(np.isfinite(times))
    if finite.size == 0:
        raise InvalidInputError(
            f"No {what} of {label} has a usable time; the file is damaged beyond use."
        )
    first = float(times[finite[0]])
    starts = np.maximum(
        np.fmax.accumulate(np.where(np.isfinite(times), times - first, -np.inf)), 0.0
    )
    duration = float(starts[-1]) + unit_s
    if duration > MAX_GRID_GROWTH * held_s + 10.0:
        raise InvalidInputError(
            f"The {what} times of {label} span {duration:.6g} s but its {what}s hold "
            f"{held_s:.6g} s of samples, so most of the time is missing; split the recording "
            "at its gaps."
        )
    return np.asarray(starts, dtype=np.float64), duration


def part_range(starts: FloatArray, from_s: float, to_s: float) -> tuple[int, int] | None:
    """The blocks (or pages) ``[first, stop)`` to read for ``[from_s, to_s)``, or None.

    Two blocks either side are added. Where the device lost data (a jump of more than
    :data:`MAX_PART_JUMP_S` between block times) only one side of the jump is read, the
    stretch that holds ``from_s`` or else the first one after it; later windows reach the
    rest. A part that spanned the gap would be mostly missing time.
    """
    n = starts.size
    b0 = max(0, int(np.searchsorted(starts, from_s, side="right")) - 2)
    b1 = min(n, int(np.searchsorted(starts, to_s, side="left")) + 2)
    jumps = b0 + 1 + np.flatnonzero(np.diff(starts[b0:b1]) > MAX_PART_JUMP_S)
    for edge in jumps:
        if starts[edge - 1] + MAX_PART_JUMP_S < from_s:
            b0 = int(edge)  # the gap starts before the part: read after it
        else:
            b1 = int(edge)  # the gap starts inside the part: read up to it
            break
    if b1 - b0 < 2 or starts[b0] > to_s:
        return None
    return b0, b1
