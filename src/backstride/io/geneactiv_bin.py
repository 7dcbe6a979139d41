"""Reader for GENEActiv ``.bin`` files (the device's own download, hexadecimal text pages).

Written by hand from the format described in the GENEActiv instructions (the layout read by
GENEAread and GGIRread): no maintained, pure-Python reader exists on PyPI. ``pygeneactiv``
(0.2, 2019) is unmaintained; ``actipy`` needs a Java runtime; scikit-digital-health's compiled
reader hung for over a minute on a mutated sample file, pulls in a large dependency stack and
is this reader's independent reference (``gnactv_data.npz``).

Layout
------
A text header of ``key:value`` lines in sections (``Device Identity``, ``Configuration Info``
with ``Measurement Frequency:50 Hz`` and ``Time Zone:GMT -04:00``, ``Subject Info`` with
``Device Location Code`` and ``Height``, ``Calibration Data`` with ``x gain``, ``x offset``,
..., ``Volts``, ``Lux``), then pages. Each page is a ``Recorded Data`` line, ``key:value``
lines (``Sequence Number``, ``Page Time:2019-05-21 16:16:43:500`` in device-local time,
``Temperature``, ``Measurement Frequency``) and one line of 3600 hexadecimal digits: 300
samples of 48 bits, each x, y, z as 12-bit two's complement, then 10 bits of light, the button
and a reserved bit.

What the reader does
--------------------
Acceleration is calibrated with the header's gain and offset, ``(100 * raw - offset) / gain``
in g, and converted to m/s^2. Each page's samples are timed from its ``Page Time`` (times are
interpolated between consecutive pages whose times agree with the sample rate, so clock drift
is followed) and put on a uniform grid at the header's rate. Pages that are damaged (bad
hexadecimal, wrong length, unreadable time) are skipped and counted in ``Recording.notes``;
an incomplete last page (a cut-off download) is dropped with a note. The start time carries
the header's time zone. The header's page count is never trusted: pages are read as found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    IntArray,
    PathLike,
    existing_file,
    height_in_m,
    parse_zone,
    read_text_lines,
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
from backstride.io.geneactiv_csv import parse_time_zone, zone_note
from backstride.recording import STANDARD_GRAVITY, FloatArray, Recording

SAMPLES_PER_PAGE = 300
#: A page's ``key:value`` lines (about 250 bytes) come before its data line.
PAGE_INDEX_BYTES = 1024
_PAGE_RE = re.compile(rb"^Recorded Data\r?$", re.MULTILINE)
_PAGE_TIME_RE = re.compile(rb"Page Time:([^\r\n]*)")
HEX_PER_SAMPLE = 12
PAGE_HEX_LENGTH = SAMPLES_PER_PAGE * HEX_PER_SAMPLE
#: No line of a valid file is longer (a data line is 3600 digits and a line break).
MAX_LINE_BYTES = 8192
#: The header (about 60 lines) must end within this many lines.
MAX_HEADER_LINES = 1000
#: A page holds about 9 ``key:value`` lines; more means the page is damaged.
MAX_PAGE_KEYS = 64
PAGE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S:%f"
_EPOCH = dt.datetime(1970, 1, 1)
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


@dataclass(frozen=True)
class GeneactivDecode:
    """Samples as stored, before they are put on the uniform grid.

    Attributes
    ----------
    header
        Header ``key:value`` pairs, keys lower-cased.
    rate_hz
        The header's measurement frequency, Hz.
    base_s
        A device-local time, s after 1970-01-01 00:00 (wall clock), that ``rel_s`` counts from.
    rel_s
        Time of each sample, s after ``base_s`` (kept apart so that sub-microsecond steps are
        not lost in the large epoch seconds; :attr:`time_s` adds them).
    sample_index
        Running sample number (samples of skipped pages are counted).
    acc_g
        ``(n, 3)`` calibrated acceleration, g.
    light_lux
        Light, lux (``raw * Lux / Volts``).
    n_pages, n_bad_pages, truncated_last_page
        Pages found, pages skipped as damaged, and whether the last page was cut off.
    n_time_breaks
        Places where consecutive page times did not agree with the sample rate.
    """

    header: dict[str, str]
    rate_hz: float
    base_s: float
    rel_s: FloatArray
    sample_index: IntArray
    acc_g: FloatArray
    light_lux: FloatArray
    n_pages: int
    n_bad_pages: int
    truncated_last_page: bool
    n_time_breaks: int
    notes: tuple[str, ...] = field(default=())

    @property
    def time_s(self) -> FloatArray:
        """Device-local time of each sample, s after 1970-01-01 00:00 (wall clock)."""
        return self.base_s + self.rel_s


def _lines(handle: IO[bytes]) -> Iterator[bytes | None]:
    """Yield the lines of ``handle`` (``None`` for one longer than :data:`MAX_LINE_BYTES`)."""
    while True:
        line = handle.readline(MAX_LINE_BYTES)
        if not line:
            return
        if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:
                rest = handle.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def _key_value(line: bytes) -> tuple[str, str] | None:
    """Split a ``key:value`` line; ``None`` if it has no colon."""
    key, sep, value = line.partition(b":")
    if not sep:
        return None
    text_key = key.decode("latin-1").strip(" \t\r\n\x00").lower()
    return text_key, value.decode("latin-1").strip(" \t\r\n\x00")


def _number(text: str) -> float | None:
    """Return the leading number of ``text`` (``"50 Hz"`` -> 50.0), or ``None``."""
    token = text.strip().split(" ")[0] if text.strip() else ""
    try:
        value = float(token)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def _page_seconds(text: str) -> float | None:
    """Return a ``Page Time`` as wall-clock seconds after 1970, or ``None`` if malformed."""
    try:
        stamp = dt.datetime.strptime(text.strip(), PAGE_TIME_FORMAT)
    except ValueError:
        return None
    return (stamp - _EPOCH).total_seconds()


def _calibration(header: dict[str, str], label: str) -> tuple[FloatArray, FloatArray, float]:
    """Return gains, offsets (x, y, z) and the lux-per-volt factor from the header."""
    gains = np.empty(3)
    offsets = np.empty(3)
    for k, axis in enumerate("xyz"):
        gain = _number(header.get(f"{axis} gain", ""))
        offset = _number(header.get(f"{axis} offset", ""))
        if gain is None or offset is None or gain == 0:
            raise InvalidInputError(
                f"The header of {label} has no usable calibration for the {axis} axis "
                f"('{axis} gain' and '{axis} offset'); download the file again."
            )
        gains[k], offsets[k] = gain, offset
    volts = _number(header.get("volts", "")) or 0.0
    lux = _number(header.get("lux", "")) or 0.0
    return gains, offsets, (lux / volts if volts else 0.0)


def decode_geneactiv_bin(path: PathLike) -> GeneactivDecode:
    """Decode the samples of a GENEActiv ``.bin`` file as stored (no resampling).

    Parameters
    ----------
    path
        The ``.bin`` file.

    Returns
    -------
    GeneactivDecode
        Calibrated samples, their device-local times and what was skipped.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        No header, no calibration or frequency, or no readable page.
    """
    p = existing_file(path)
    try:
        with p.open("rb") as handle:
            return _decode(handle, p.name)
    except OSError as exc:
        raise InvalidInputError(
            f"{p.name} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc


def _decode(handle: IO[bytes], name: str) -> GeneactivDecode:
    """Decode a header and pages from ``handle`` (a whole file, or a header and some pages)."""
    header: dict[str, str] = {}
    page_times: list[float] = []
    page_counted: list[int] = []
    page_ok: list[bool] = []
    data = bytearray()
    n_seen = 0
    truncated = False
    in_header = True
    page: dict[str, str] | None = None
    header_lines = 0
    lines = _lines(handle)
    for line in lines:
        if in_header:
            header_lines += 1
            if header_lines > MAX_HEADER_LINES:
                break
            if line is None:
                continue
            if line.strip().lower() == b"recorded data":
                in_header = False
                n_seen += 1
                page = {}
                continue
            pair = _key_value(line)
            if pair is not None and pair[0]:
                header.setdefault(pair[0], pair[1])
            continue
        if line is None:
            page = None
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.lower() == b"recorded data":
            n_seen += 1
            page = {}
            continue
        if page is None:
            continue  # rest of a damaged page
        pair = _key_value(stripped)
        if pair is not None:
            if len(page) >= MAX_PAGE_KEYS:
                page = None
            else:
                page.setdefault(pair[0], pair[1])
            continue
        # The data line of the page.
        at_end = not line.endswith(b"\n")
        seconds = _page_seconds(page.get("page time", ""))
        if (
            seconds is not None
            and len(stripped) == PAGE_HEX_LENGTH
            and _HEX_DIGITS.issuperset(stripped)
        ):
            data += bytes.fromhex(stripped.decode("ascii"))
            page_times.append(seconds)
            page_counted.append(SAMPLES_PER_PAGE)
            page_ok.append(True)
        elif at_end and len(stripped) < PAGE_HEX_LENGTH:
            truncated = True
        else:
            page_times.append(np.nan)
            page_counted.append(SAMPLES_PER_PAGE)
            page_ok.append(False)
        page = None
    if in_header:
        raise InvalidInputError(
            f"The file {name} has no 'Recorded Data' page after its header; it is "
            "truncated or not a GENEActiv .bin download."
        )
    if page is not None and not truncated:
        truncated = True  # the last page has its header but no data line
    n_good = sum(page_ok)
    n_bad = max(n_seen - n_good - int(truncated), 0)
    rate = _number(header.get("measurement frequency", ""))
    if rate is None or not 0 < rate < 1e5:
        raise InvalidInputError(
            f"The header of {name} gives no valid 'Measurement Frequency'; download the file again."
        )
    gains, offsets, lux_per_volt = _calibration(header, name)
    ok = np.asarray(page_ok, dtype=bool)
    if not ok.any():
        raise InvalidInputError(
            f"The file {name} holds no readable data page; download it again from the device."
        )

    counted = np.asarray(page_counted, dtype=np.int64)
    page_start = np.cumsum(counted) - counted
    times_all = np.asarray(page_times, dtype=np.float64)
    good_pages = np.flatnonzero(ok)
    base = float(times_all[good_pages[0]])
    anchor_time = times_all[good_pages] - base
    order_ok = ~timeline_outliers(page_start[good_pages], anchor_time, float(rate))
    order_ok[order_ok] = increasing_mask(anchor_time[order_ok])
    pages = np.frombuffer(bytes(data), dtype=np.uint8).reshape(-1, SAMPLES_PER_PAGE, 6)
    raw = pages[order_ok].reshape(-1, 6)
    good_pages, anchor_time = good_pages[order_ok], anchor_time[order_ok]
    n_out_of_order = int(np.count_nonzero(~order_ok))

    n_samples = good_pages.size * SAMPLES_PER_PAGE
    block_of = np.repeat(np.arange(good_pages.size), SAMPLES_PER_PAGE)
    within = np.tile(np.arange(SAMPLES_PER_PAGE), good_pages.size)
    sample_index = page_start[good_pages][block_of] + within
    times, breaks = anchored_times(
        page_start[good_pages], anchor_time, block_of, sample_index, float(rate)
    )

    word = np.zeros(n_samples, dtype=np.int64)
    for k in range(6):
        word = (word << 8) | raw[:, k].astype(np.int64)
    acc_g = np.empty((n_samples, 3), dtype=np.float64)
    for k in range(3):
        value = (word >> (36 - 12 * k)) & 0xFFF
        signed = np.where(value >= 2048, value - 4096, value)
        acc_g[:, k] = (signed * 100.0 - offsets[k]) / gains[k]
    light = ((word >> 2) & 0x3FF) * lux_per_volt
    notes: list[str] = []
    if n_out_of_order:
        notes.append(
            f"{n_out_of_order} pages whose time disagreed with the pages around them were skipped"
        )
    return GeneactivDecode(
        header=header,
        rate_hz=float(rate),
        base_s=float(base),
        rel_s=times,
        sample_index=sample_index,
        acc_g=acc_g,
        light_lux=light.astype(np.float64),
        n_pages=n_seen,
        n_bad_pages=n_bad,
        truncated_last_page=truncated,
        n_time_breaks=breaks,
        notes=tuple(notes),
    )


def read_geneactiv_bin(path: PathLike) -> Recording:
    """Read a GENEActiv ``.bin`` file.

    Parameters
    ----------
    path
        The ``.bin`` file downloaded from the device.

    Returns
    -------
    Recording
        Calibrated acceleration in m/s^2 on a uniform grid at the header's rate, start time in
        the header's time zone; device ``"GENEActiv"``.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        A header without frequency or calibration, no readable page, or gaps longer than the
        data.
    """
    return _recording(decode_geneactiv_bin(path), Path(path))


def _recording(decoded: GeneactivDecode, p: Path) -> Recording:
    """The recording of a decode: on a uniform grid, in m/s^2, with its notes and start."""
    header = decoded.header
    notes: list[str] = list(decoded.notes)
    if decoded.n_bad_pages:
        notes.append(
            f"{decoded.n_bad_pages} of {decoded.n_pages} pages were damaged and were skipped"
        )
    if decoded.truncated_last_page:
        notes.append("the last page was cut off (an incomplete download) and was dropped")
    if decoded.n_time_breaks:
        notes.append(
            f"the page times jump at {decoded.n_time_breaks} place(s); each side keeps its own "
            "time base"
        )
    grid, report = to_uniform_grid(
        decoded.rel_s, decoded.sample_index, decoded.acc_g, decoded.rate_hz, p.name
    )
    notes.extend(grid_notes(report, decoded.rate_hz, "the page times"))
    notes.append("acceleration calibrated with the header's gain and offset and converted from g")
    zone_text = header.get("time zone", "").strip()
    zone = parse_time_zone(zone_text)
    if zone is None:
        zone = dt.UTC
        notes.append(zone_note(zone_text))
    start = local_datetime(decoded.base_s + float(decoded.rel_s[0]), zone)
    placement = placement_from_text(header.get("device location code", ""))
    if placement is None:
        placement = "lower_back"
        notes.append("the file does not say where the device was worn; lower back assumed")
    meta: dict[str, Any] = {"format": "geneactiv_bin", "source_path": str(p)}
    serial = header.get("device unique serial code", "")
    if serial:
        meta["device_serial"] = serial
    subject = header.get("subject code", "")
    if subject:
        meta["participant_id"] = subject
    meta["bad_blocks"] = decoded.n_bad_pages
    return Recording(
        acc=grid * STANDARD_GRAVITY,
        sample_rate_hz=decoded.rate_hz,
        start=start,
        device="GENEActiv",
        placement=placement,
        height_m=height_in_m(_number(header.get("height", ""))),
        name=p.stem,
        notes=tuple(notes),
        meta=meta,
    )


class GeneactivParts:
    """A GENEActiv ``.bin`` file read a few hours at a time, for ``analyze_parts``.

    Reading a file whole holds every sample several times over (the hexadecimal text, the
    decoded words, calibrated values, sample times and the uniform grid: about 100 bytes a
    sample, 6 GB for a week at 100 Hz). Here the file is memory-mapped and only its page index
    is built up front: where each ``Recorded Data`` page starts and its ``Page Time``. Each
    part is then decoded, by the same code as a whole read, from the header and the pages
    that cover it plus two either side, so memory follows the part, not the file.
    """

    def __init__(self, path: PathLike, *, time_zone: str | dt.tzinfo | None = None) -> None:
        self._path = existing_file(path)
        zone = parse_zone(time_zone)
        try:
            with (
                self._path.open("rb") as handle,
                mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm,
            ):
                offsets = [m.start() for m in _PAGE_RE.finditer(mm)]
                if not offsets:
                    raise InvalidInputError(
                        f"The file {self._path.name} has no 'Recorded Data' page after its "
                        "header; it is truncated or not a GENEActiv .bin download."
                    )
                self._header = bytes(mm[: offsets[0]])
                times = np.full(len(offsets), np.nan)
                for k, at in enumerate(offsets):
                    found = _PAGE_TIME_RE.search(mm, at, at + PAGE_INDEX_BYTES)
                    if found is not None:
                        seconds = _page_seconds(found.group(1).decode("ascii", "replace"))
                        times[k] = np.nan if seconds is None else seconds
        except (OSError, ValueError) as exc:  # ValueError: an empty file cannot be mapped
            raise InvalidInputError(
                f"{self._path.name} cannot be read as a GENEActiv .bin file ({exc}); check "
                "that the download is complete."
            ) from exc
        self._offsets = np.asarray(offsets, dtype=np.int64)
        head = _recording(self._decode(0, min(len(offsets), 64)), self._path)
        if zone is not None and head.start is not None:
            # the same instant, in the wearer's zone, so that days follow their calendar
            head = dataclasses.replace(head, start=head.start.astimezone(zone))
        rate = head.sample_rate_hz
        # As for a whole read, pages whose clock disagrees with the pages around them are
        # left out of the time index (see timeline_outliers); the rest made non-decreasing
        # so that a time finds its pages by bisection.
        valid = np.flatnonzero(np.isfinite(times))
        if valid.size == 0:
            raise InvalidInputError(
                f"No page of {self._path.name} has a readable Page Time; download it again."
            )
        running = np.arange(len(offsets), dtype=np.int64) * SAMPLES_PER_PAGE
        times[valid[timeline_outliers(running[valid], times[valid] - times[valid[0]], rate)]] = (
            np.nan
        )
        held = len(offsets) * SAMPLES_PER_PAGE / rate
        self._page_s, duration = parts_index(
            times, SAMPLES_PER_PAGE / rate, held, self._path.name, "page"
        )
        self._notes: dict[str, None] = dict.fromkeys(head.notes)
        self.info = PartsInfo(
            head, duration, self._notes, f"read in parts of a few hours ({len(offsets)} pages)"
        )

    def _decode(self, p0: int, p1: int) -> GeneactivDecode:
        """Decode pages ``p0`` to ``p1 - 1`` with the file's header."""
        end = int(self._offsets[p1]) if p1 < self._offsets.size else None
        with self._path.open("rb") as handle:
            handle.seek(int(self._offsets[p0]))
            pages = handle.read(None if end is None else end - int(self._offsets[p0]))
        return _decode(io.BytesIO(self._header + pages), self._path.name)

    def part(self, from_s: float, to_s: float) -> tuple[Recording, float] | None:
        """The samples from about ``from_s`` to ``to_s`` (s from the first page), or None."""
        found = part_range(self._page_s, from_s, to_s)
        if found is None:
            return None
        p0, p1 = found
        try:
            rec = _recording(self._decode(p0, p1), self._path)
        except InvalidInputError:
            self._notes[f"pages {p0}-{p1 - 1} could not be read and count as a gap"] = None
            return None
        self._notes.update(dict.fromkeys(rec.notes))
        assert rec.start is not None and self.info.start is not None  # _recording sets it
        return rec, rec.start.timestamp() - self.info.start.timestamp()


def duration_hint_s(path: PathLike) -> float | None:
    """An upper estimate of a ``.bin`` file's length, s, from its size and header rate.

    A page takes at least its 3600 hexadecimal digits, which bounds the number of pages.
    ``None`` when the header gives no measurement frequency.
    """
    p = existing_file(path)
    for line in read_text_lines(p, MAX_HEADER_LINES):
        key, _, value = line.partition(":")
        if key.strip().lower() == "measurement frequency":
            rate = _number(value)
            if not rate or rate <= 0:
                return None
            return p.stat().st_size / PAGE_HEX_LENGTH * SAMPLES_PER_PAGE / rate
    return None
