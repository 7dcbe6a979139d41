"""Write AX6 .cwa files with an exact 100 Hz timeline, for tests of reading long files.

The layout follows the Open Movement CWA format as :mod:`backstride.io.axivity_cwa` reads it:
a 1024-byte header, then 512-byte blocks of 40 six-axis samples (gyroscope then accelerometer,
int16), each block stamped with the time of its first sample (whole second and fraction) and a
checksum that makes the block's 16-bit words sum to zero.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from backstride.io.axivity_cwa import BLOCK_DTYPE

__all__ = ["BLOCK_DTYPE", "write_ax6"]

RATE_CODE_100HZ = 0x4A  # 3200 / 2**(15 - 10) = 100 Hz
ACC_LSB_PER_G = 2048  # light bits 13-15 = 3: +-16 g
GYR_CODE = 2  # light bits 10-12 = 2: 8000 / 4 = +-2000 deg/s
PER_BLOCK = 40


def _packed(t: dt.datetime) -> int:
    return (
        ((t.year - 2000) << 26) | (t.month << 22) | (t.day << 17) | (t.hour << 12)
        | (t.minute << 6) | t.second
    )  # fmt: skip


def write_ax6(path: Path, acc_g: np.ndarray, gyr_dps: np.ndarray, start: dt.datetime) -> None:
    """Write ``acc_g`` and ``gyr_dps`` (``(n, 3)`` at 100 Hz from ``start``, whole second)."""
    n_blocks = len(acc_g) // PER_BLOCK
    n = n_blocks * PER_BLOCK
    raw = np.empty((n, 6), dtype="<i2")
    raw[:, 0:3] = np.clip(np.round(gyr_dps[:n] * 32768 / 2000), -32768, 32767)
    raw[:, 3:6] = np.clip(np.round(acc_g[:n] * ACC_LSB_PER_G), -32768, 32767)
    blocks = np.zeros(n_blocks, dtype=BLOCK_DTYPE)
    blocks["magic"] = 0x5841
    blocks["length"] = 508
    blocks["session"] = 1
    blocks["sequence"] = np.arange(n_blocks)
    first = np.arange(n_blocks) * PER_BLOCK  # sample number of each block's first sample
    whole = first // 100  # the whole second of the block's first sample ...
    within = first % 100  # ... and how many samples after it the block starts
    blocks["timestamp"] = [_packed(start + dt.timedelta(seconds=int(s))) for s in whole]
    # the fraction of a second (in 1/32768 s, rounded up so that the reader's floor gives
    # back ``within`` samples) and the offset that makes the block's first sample the anchor
    blocks["fractional"] = 0x8000 | np.ceil(within / 100 * 32768).astype(np.int64)
    blocks["timestamp_offset"] = -within
    blocks["light"] = (3 << 13) | (GYR_CODE << 10)
    blocks["rate_code"] = RATE_CODE_100HZ
    blocks["axes_bps"] = 0x62
    blocks["count"] = PER_BLOCK
    data = raw.reshape(n_blocks, PER_BLOCK * 6).view(np.uint8).reshape(n_blocks, -1)
    blocks["data"] = data.view(f"V{data.shape[1]}").ravel()
    words = blocks.view("<u2").reshape(n_blocks, 256)
    blocks["checksum"] = (-(words[:, :255].sum(axis=1, dtype=np.uint16))).astype(np.uint16)
    header = bytearray(1024)
    header[0:2] = (0x444D).to_bytes(2, "little")
    header[2:4] = (1020).to_bytes(2, "little")
    header[4] = 0x64  # AX6
    header[36] = RATE_CODE_100HZ
    header[64:70] = b"_p=LB\x00"
    path.write_bytes(bytes(header) + blocks.tobytes())
