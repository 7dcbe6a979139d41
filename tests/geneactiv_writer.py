"""Write GENEActiv ``.bin`` files from real signals, for the long-file tests.

The header is the bundled sample's (``data/devices/geneactiv-bin/gnactv_sample.bin``, its
device, calibration and time zone), with the measurement frequency set; each page is the
layout the reader documents: ``Recorded Data``, its ``key:value`` lines with ``Page Time``,
then 300 samples as 3600 hexadecimal digits (x, y, z as 12-bit two's complement, 10 bits of
light, the button and a reserved bit). Values are the inverse of the reader's calibration,
``raw = (g * gain + offset) / 100``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "devices" / "geneactiv-bin"
SAMPLE_FILE = SAMPLE / "gnactv_sample.bin"
SAMPLES_PER_PAGE = 300


def _header(rate_hz: float) -> tuple[bytes, np.ndarray, np.ndarray]:
    text = SAMPLE_FILE.read_bytes()
    head = text[: text.index(b"Recorded Data")]
    head = re.sub(
        rb"Measurement Frequency:[^\n]*", f"Measurement Frequency:{rate_hz:g} Hz".encode(), head
    )
    gains = np.array(
        [float(re.search(rf"{a} gain:(-?\d+)".encode(), head).group(1)) for a in "xyz"]
    )
    offsets = np.array(
        [float(re.search(rf"{a} offset:(-?\d+)".encode(), head).group(1)) for a in "xyz"]
    )
    return head, gains, offsets


def write_geneactiv_bin(path: Path, acc_g: np.ndarray, rate_hz: float, start: dt.datetime) -> int:
    """Write ``acc_g`` (n, 3) in g from the device-local ``start``; return the page count.

    Samples beyond the last whole page are dropped, as the device only writes whole pages.
    """
    head, gains, offsets = _header(rate_hz)
    n_pages = acc_g.shape[0] // SAMPLES_PER_PAGE
    raw = np.rint((acc_g[: n_pages * SAMPLES_PER_PAGE] * gains + offsets) / 100.0).astype(np.int64)
    raw = np.clip(raw, -2048, 2047) & 0xFFF
    word = (raw[:, 0] << 36) | (raw[:, 1] << 24) | (raw[:, 2] << 12) | (100 << 2)
    shifts = np.arange(40, -1, -8, dtype=np.int64)
    octets = ((word[:, None] >> shifts[None, :]) & 0xFF).astype(np.uint8)
    hex_pages = octets.reshape(n_pages, SAMPLES_PER_PAGE * 6)
    with path.open("wb") as out:
        out.write(head)
        for k in range(n_pages):
            when = start + dt.timedelta(seconds=k * SAMPLES_PER_PAGE / rate_hz)
            stamp = when.strftime("%Y-%m-%d %H:%M:%S:") + f"{when.microsecond // 1000:03d}"
            out.write(
                b"Recorded Data\n"
                b"Device Unique Serial Code:051386\n"
                + f"Sequence Number:{k}\nPage Time:{stamp}\n".encode()
                + b"Unassigned:\nTemperature:28.2\nBattery voltage:4.1642\n"
                b"Device Status:Recording\n"
                + f"Measurement Frequency:{rate_hz:.1f}\n".encode()
                + hex_pages[k].tobytes().hex().upper().encode()
                + b"\n"
            )
    return n_pages
