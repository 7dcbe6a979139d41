"""Seeds, synthetic files and mutations for the device-reader tests and fuzz target.

Real samples come from ``data/devices`` (Axivity, GENEActiv, copied with their licences) and
``../shared/data/devices/actigraph-gt3x`` (GPL: read in place, never copied). ActiGraph files
are also written synthetically here, so that the readers can be exercised without the GPL
data and with situations the samples lack.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import struct
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "devices"
SHARED = ROOT.parent / "shared" / "data" / "devices"
CWA_DIR = DATA / "axivity-cwa"
GENEACTIV_DIR = DATA / "geneactiv-bin"
GT3X_DIR = SHARED / "actigraph-gt3x"
CWA_REFERENCE_DIR = SHARED / "axivity-cwa"
GENEACTIV_REFERENCE_DIR = SHARED / "geneactiv-bin"

FORMATS = ("axivity_cwa", "geneactiv_bin", "actigraph_gt3x", "actigraph_csv")
TICKS_AT_1970 = 621_355_968_000_000_000
INTERESTING_BYTES = [0x00, 0x01, 0x1E, 0x20, 0x3A, 0x7F, 0x80, 0xFF]
INTERESTING_WORDS = [b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff", b"\xff\x7f"]
TEXT_SNIPPETS = [
    b"0",
    b"-1",
    b"nan",
    b"inf",
    b"1e309",
    b"99999999999999999999",
    b":",
    b"\n",
    b"\r\n",
    b"Recorded Data\n",
    b"Page Time:9999-12-31 23:59:59:999\n",
    b"Measurement Frequency:0.001 Hz\n",
    b"x gain:0\n",
    b"FFFFFFFFFFFF",
    b"000000000000",
    b"\x00",
]


# --------------------------------------------------------------------------- CWA


def cwa_fix_checksums(data: bytearray, data_offset: int = 1024) -> bytearray:
    """Rewrite the checksum of every whole ``AX`` block so that it passes again."""
    for start in range(data_offset, len(data) - 511, 512):
        if data[start : start + 2] != b"AX":
            continue
        words = np.frombuffer(bytes(data[start : start + 510]), dtype="<u2")
        total = int(words.sum(dtype=np.uint64)) & 0xFFFF
        data[start + 510 : start + 512] = struct.pack("<H", (-total) & 0xFFFF)
    return data


# --------------------------------------------------------------------------- ActiGraph


def gt3x_record(rtype: int, timestamp: int, payload: bytes) -> bytes:
    """One log.bin record with its checksum."""
    header = struct.pack("<BBIH", 0x1E, rtype, timestamp & 0xFFFFFFFF, len(payload))
    checksum = 0
    for byte in header + payload:
        checksum ^= byte
    return header + payload + bytes([(~checksum) & 0xFF])


def gt3x_fix_checksums(log: bytes) -> bytes:
    """Recompute the checksum byte of every record found by walking the record sizes."""
    out = bytearray(log)
    pos = 0
    while pos + 9 <= len(out):
        if out[pos] != 0x1E:
            pos += 1
            continue
        size = int.from_bytes(out[pos + 6 : pos + 8], "little")
        end = pos + 8 + size
        if end >= len(out):
            break
        checksum = 0
        for byte in out[pos:end]:
            checksum ^= byte
        out[end] = (~checksum) & 0xFF
        pos = end + 1
    return bytes(out)


def _ssp_float(value: float) -> int:
    """Encode a PARAMETERS float (24-bit fraction, 8-bit exponent)."""
    exponent = 0
    significand = abs(value)
    while significand >= 1.0:
        significand /= 2.0
        exponent += 1
    while 0 < significand < 0.5:
        significand *= 2.0
        exponent -= 1
    code = int(significand * 8388608.0)
    if value < 0:
        code = -code
    return (code & 0x00FFFFFF) | ((exponent & 0xFF) << 24)


def _ticks(seconds: float) -> int:
    return round(seconds * 1e7) + TICKS_AT_1970


def pack_12bit(values: np.ndarray) -> bytes:
    """Pack ``(n, 3)`` integers as 12-bit big-endian two's complement (in the order given)."""
    flat = (np.asarray(values, dtype=np.int64).ravel() & 0xFFF).tolist()
    if len(flat) % 2:
        flat.append(0)
    out = bytearray()
    for a, b in zip(flat[0::2], flat[1::2], strict=True):
        out += bytes([a >> 4, ((a & 0x0F) << 4) | (b >> 8), b & 0xFF])
    n_bytes = (len(values) * 36 + 7) // 8
    return bytes(out[:n_bytes])


def synthetic_counts(n: int, scale: float = 256.0, seed: int = 0) -> np.ndarray:
    """A walking-like signal in counts: gravity on x plus 2 Hz bounce, ``(n, 3)`` int."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 30.0
    g = np.column_stack(
        [1.0 + 0.3 * np.sin(2 * np.pi * 2 * t), 0.1 * np.sin(2 * np.pi * t), 0.05 + 0 * t]
    )
    return np.round(g * scale + rng.normal(0, 2, size=(n, 3))).astype(np.int64)


def make_gt3x(
    *,
    seconds: int = 20,
    rate: int = 30,
    start: float = 1_700_000_000.0,
    idle: Iterable[tuple[int, int]] = (),
    idle_until_end: int | None = None,
    drop: Iterable[int] = (),
    corrupt: Iterable[int] = (),
    record_type: int = 0x1A,
    time_zone: str | None = "-05:00:00",
    scale: float = 256.0,
    info_extra: dict[str, str] | None = None,
    calibration: Mapping[str, object] | None = None,
    parameters: bool = True,
) -> bytes:
    """Write a synthetic current-format ``.gt3x`` archive.

    Parameters
    ----------
    seconds
        Seconds of activity records (before idle sleep is cut out).
    rate
        Sample rate, Hz.
    start
        First record's wall-clock seconds after 1970.
    idle
        ``(first, stop)`` second offsets with idle sleep: no records, an ``08`` event at
        ``first`` and a ``09`` event at ``stop``.
    idle_until_end
        If given, idle sleep starts at this offset and lasts to the end (``Last Sample Time``).
    drop
        Second offsets whose records are left out (lost without idle sleep).
    corrupt
        Second offsets whose records get a wrong checksum.
    record_type
        ``0x1A`` (int16), ``0x00`` (12-bit y, x, z) or ``0x1B`` (12-bit x, y, z).
    time_zone, scale, info_extra, calibration, parameters
        ``TimeZone`` and ``Acceleration Scale`` of info.txt, more info.txt lines, a
        calibration.json, and whether to write a PARAMETERS record.
    """
    counts = synthetic_counts(seconds * rate, scale)
    idle = list(idle)
    idle_seconds = {s for first, stop in idle for s in range(first, stop)}
    if idle_until_end is not None:
        idle_seconds |= set(range(idle_until_end, seconds))
    drop, corrupt = set(drop), set(corrupt)
    t0 = int(start)
    log = bytearray()
    meta = json.dumps({"MetadataType": "Bio", "SubjectName": "synthetic", "Limb": "Waist"})
    log += gt3x_record(0x06, t0, meta.encode())
    if parameters:
        entries = struct.pack("<HHI", 0, 55, _ssp_float(scale))
        entries += struct.pack("<HHI", 1, 2, 0x04 if (idle or idle_until_end) else 0)
        entries += struct.pack("<HHI", 1, 10, rate)
        log += gt3x_record(0x15, t0, entries)
    idle_starts = dict(idle)
    for second in range(seconds):
        ts = t0 + second
        if second in idle_starts:
            log += gt3x_record(0x03, ts, b"\x08")
        if idle_until_end is not None and second == idle_until_end:
            log += gt3x_record(0x03, ts, b"\x08")
        if second in {stop for _, stop in idle}:
            log += gt3x_record(0x03, ts, b"\x09")
        if second in idle_seconds or second in drop:
            continue
        chunk = counts[second * rate : (second + 1) * rate]
        if record_type == 0x1A:
            payload = chunk.astype("<i2").tobytes()
        elif record_type == 0x00:
            payload = pack_12bit(chunk[:, [1, 0, 2]])
        else:
            payload = pack_12bit(chunk)
        record = bytearray(gt3x_record(record_type, ts, payload))
        if second in corrupt:
            record[-1] ^= 0x55
        log += record
        if second % 10 == 0:
            log += gt3x_record(0x02, ts, struct.pack("<H", 4100))
    end = t0 + seconds
    log += gt3x_record(0x02, end, struct.pack("<H", 4090))
    info = {
        "Serial Number": "TAS1E00000000",
        "Device Type": "Link",
        "Firmware": "1.7.2",
        "Sample Rate": str(rate),
        "Start Date": str(_ticks(t0)),
        "Stop Date": str(_ticks(end)),
        "Last Sample Time": str(_ticks(end)),
        "Download Date": str(_ticks(end + 60)),
        "Acceleration Scale": f"{scale:.1f}",
        "Limb": "Waist",
        "Subject Name": "synthetic",
    }
    if time_zone is not None:
        info["TimeZone"] = time_zone
    info.update(info_extra or {})
    members = {
        "info.txt": "\r\n".join(f"{k}: {v}" for k, v in info.items()).encode(),
        "log.bin": bytes(log),
    }
    if calibration is not None:
        members["calibration.json"] = json.dumps(calibration).encode()
    return zip_members(members)


def make_legacy_gt3x(seconds: int = 20, rate: int = 30, start: float = 1_640_001_300.0) -> bytes:
    """Write a synthetic legacy NEO ``.gt3x`` (``activity.bin`` of 12-bit y, x, z)."""
    counts = synthetic_counts(seconds * rate, 341.0)
    info = {
        "Serial Number": "NEO1C00000000",
        "Device Type": "GT3XPlus",
        "Firmware": "2.5.0",
        "Sample Rate": str(rate),
        "Start Date": str(_ticks(start)),
        "Stop Date": str(_ticks(start + seconds)),
        "TimeZone": "-06:00:00",
        "Subject Name": "legacy",
    }
    return zip_members(
        {
            "info.txt": "\r\n".join(f"{k}: {v}" for k, v in info.items()).encode(),
            "activity.bin": pack_12bit(counts[:, [1, 0, 2]]),
            "log.txt": b"",
        }
    )


def zip_members(members: dict[str, bytes]) -> bytes:
    """A deflated zip archive of the given members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def unzip_members(content: bytes) -> dict[str, bytes]:
    """The members of a zip archive (for mutating one and zipping again)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


# --------------------------------------------------------------------------- seeds


def seeds() -> dict[str, list[tuple[str, bytes]]]:
    """Seed files per format: bundled samples, GPL samples read in place, synthetic files."""
    out: dict[str, list[tuple[str, bytes]]] = {name: [] for name in FORMATS}
    for name in (
        "ax3_testfile.cwa",
        "ax6_testfile.cwa",
        "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa",
    ):
        path = CWA_DIR / name
        if path.exists():
            out["axivity_cwa"].append((name, path.read_bytes()))
    for name in ("gnactv_sample.bin", "GENEActiv_testfile.bin"):
        path = GENEACTIV_DIR / name
        if path.exists():
            out["geneactiv_bin"].append((name, path.read_bytes()))
    for name in ("ISM_Enabled.gt3x", "WRIST_rawLSB_032Hz_test.agdc", "neo.gt3x"):
        path = GT3X_DIR / name
        if path.exists():
            out["actigraph_gt3x"].append((name, path.read_bytes()))
    out["actigraph_gt3x"] += [
        ("synthetic_idle.gt3x", make_gt3x(idle=[(5, 9)], idle_until_end=16)),
        ("synthetic_12bit.gt3x", make_gt3x(seconds=12, record_type=0x00)),
        ("synthetic_legacy.gt3x", make_legacy_gt3x(seconds=12)),
    ]
    for name in ("neo.csv", "WRIST_rawCalibrated_032Hz.csv"):
        path = GT3X_DIR / name
        if path.exists():
            out["actigraph_csv"].append((name, path.read_bytes()[:60_000]))  # the first ~2000 rows
    wave = np.sin(np.arange(600)[:, None] / 7 + np.arange(3)[None, :]) * 0.3 + [1, 0, 0]
    out["actigraph_csv"] += [
        ("synthetic.csv", make_actilife_csv(wave).encode()),
        ("synthetic_stamped.csv", make_actilife_csv(wave, timestamps=True, names=False).encode()),
        ("synthetic_imu.csv", make_actilife_csv(wave, gyr=wave * 50, rate=100).encode()),
    ]
    return out


def make_actilife_csv(
    acc_g: np.ndarray,
    *,
    rate: int = 30,
    date_format: str = "M/d/yyyy",
    start_date: str = "12/20/2021",
    start_time: str = "11:55:00",
    epoch: str = "00:00:00",
    names: bool = True,
    timestamps: bool = False,
    gyr: np.ndarray | None = None,
) -> str:
    """A file as ActiLife 6 writes it (header layout copied from the real exports)."""
    lines = [
        "------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.4 Firmware v2.5.0 "
        f"date format {date_format} at {rate} Hz  Filter Normal -----------",
        "Serial Number: MOS2E12345678",
        f"Start Time {start_time}",
        f"Start Date {start_date}",
        f"Epoch Period (hh:mm:ss) {epoch}",
        "Download Time 12:09:58",
        f"Download Date {start_date}",
        "Current Memory Address: 0",
        "Current Battery Voltage: 4.26     Mode = 12",
        "--------------------------------------------------",
    ]
    columns = ["Accelerometer X", "Accelerometer Y", "Accelerometer Z"]
    if gyr is not None:
        columns += ["Gyroscope X", "Gyroscope Y", "Gyroscope Z"]
    if timestamps:
        columns = ["Timestamp", *columns]
    if names:
        lines.append(",".join(columns))
    for i, row in enumerate(acc_g):
        cells = [f"{v:.3f}" for v in row]
        if gyr is not None:
            cells += [f"{v:.3f}" for v in gyr[i]]
        if timestamps:
            cells = [f"12/20/2021 11:55:{i / rate:06.3f}", *cells]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- mutations


def mutate_bytes(data: bytes, rng: random.Random, max_ops: int = 8) -> bytes:
    """Flip, overwrite, insert, delete, duplicate or truncate bytes."""
    out = bytearray(data)
    for _ in range(rng.randint(1, max_ops)):
        op = rng.choice(["flip", "set", "word", "insert", "delete", "duplicate", "truncate"])
        pos = rng.randrange(len(out)) if out else 0
        if op == "flip" and out:
            out[pos] ^= 1 << rng.randrange(8)
        elif op == "set" and out:
            out[pos] = rng.choice([*INTERESTING_BYTES, rng.randrange(256)])
        elif op == "word" and out:
            word = rng.choice(INTERESTING_WORDS)
            out[pos : pos + len(word)] = word
        elif op == "insert":
            out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == "delete" and out:
            del out[pos : pos + rng.randint(1, 600)]
        elif op == "duplicate" and out:
            out[pos:pos] = out[pos : pos + rng.randint(1, 1200)]
        elif op == "truncate" and rng.random() < 0.5:
            del out[pos:]
    return bytes(out)


def mutate_text(data: bytes, rng: random.Random) -> bytes:
    """Line-level edits of a text file: drop, repeat, swap or rewrite lines."""
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        k = rng.randrange(len(lines))
        op = rng.choice(["drop", "repeat", "swap", "snippet", "digits"])
        if op == "drop":
            del lines[k]
        elif op == "repeat":
            lines[k:k] = lines[k : k + rng.randint(1, 20)]
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[k], lines[j] = lines[j], lines[k]
        elif op == "snippet":
            line = lines[k]
            cut = line.find(b":") + 1 if b":" in line and rng.random() < 0.7 else 0
            lines[k] = line[:cut] + rng.choice(TEXT_SNIPPETS).rstrip(b"\n")
        else:
            edited = bytearray(lines[k])
            for _ in range(rng.randint(1, 4)):
                if edited:
                    edited[rng.randrange(len(edited))] = rng.choice(b"0123456789ABCDEF-:. ")
            lines[k] = bytes(edited)
    return b"\n".join(lines)


def mutate_cwa_blocks(data: bytes, rng: random.Random) -> bytes:
    """Change fields of data blocks and fix their checksums, to reach past the checksum."""
    out = bytearray(data)
    n_blocks = (len(out) - 1024) // 512
    if n_blocks <= 0:
        return mutate_bytes(data, rng)
    for _ in range(rng.randint(1, 6)):
        start = 1024 + 512 * rng.randrange(n_blocks)
        field_offset, width = rng.choice(
            [(4, 2), (6, 4), (10, 4), (14, 4), (18, 2), (24, 1), (25, 1), (26, 2), (28, 2), (30, 8)]
        )
        value = rng.choice([0, 0xFF, 0xFFFF, 0x7FFF, 0x8000, rng.randrange(1 << (8 * width))]) & (
            (1 << (8 * width)) - 1
        )
        out[start + field_offset : start + field_offset + width] = value.to_bytes(width, "little")
    if rng.random() < 0.3:
        field_offset = rng.choice([2, 4, 35, 36])
        out[field_offset] = rng.randrange(256)
    return bytes(cwa_fix_checksums(out))


def mutate_gt3x_member(data: bytes, rng: random.Random) -> bytes:
    """Mutate one member of the archive (fixing log checksums half the time) and zip again."""
    try:
        members = unzip_members(data)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return mutate_bytes(data, rng)
    names = [name for name in members if name.lower().endswith((".bin", ".txt", ".json"))]
    if not names:
        return mutate_bytes(data, rng)
    name = rng.choice(names)
    content = members[name]
    if name.lower().endswith((".txt", ".json")):
        content = mutate_text(content, rng)
    else:
        content = mutate_bytes(content, rng, max_ops=4) if content else content
        if name.lower().endswith("log.bin") and rng.random() < 0.5:
            content = gt3x_fix_checksums(content)
    members[name] = content
    if rng.random() < 0.1:
        del members[rng.choice(list(members))]
    return zip_members(members)


MUTATORS: dict[str, list[Callable[[bytes, random.Random], bytes]]] = {
    "axivity_cwa": [mutate_bytes, mutate_cwa_blocks, mutate_cwa_blocks],
    "geneactiv_bin": [mutate_bytes, mutate_text, mutate_text],
    "actigraph_gt3x": [mutate_bytes, mutate_gt3x_member, mutate_gt3x_member],
    "actigraph_csv": [mutate_bytes, mutate_text, mutate_text],
}


def mutated_input(fmt: str, seed_files: list[tuple[str, bytes]], rng: random.Random) -> bytes:
    """One mutated input of format ``fmt`` drawn with ``rng``."""
    _, content = rng.choice(seed_files)
    mutator = rng.choice(MUTATORS[fmt])
    return mutator(content, rng)


def local_time(seconds: float, offset_hours: float) -> dt.datetime:
    """Wall-clock seconds after 1970 as an aware datetime at a fixed offset (for tests)."""
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)).replace(tzinfo=zone)
