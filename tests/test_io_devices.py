"""Tests of the device readers: Axivity .cwa, GENEActiv .bin and ActiGraph .gt3x/.agdc.

Each decode is checked against the independent decode shipped with the samples:
scikit-digital-health's ``ax3_data.npz``/``ax6_data.npz`` (CWA) and ``gnactv_data.npz``
(GENEActiv), read in place from ``../shared/data/devices``, and ActiLife's CSV exports of the
ActiGraph files (GPL: read in place, never copied). Those tests skip when ``../shared`` is
absent, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backstride.exceptions import (
    BackstrideError,
    InvalidInputError,
    UnsupportedFormatError,
)
from backstride.io import (
    SUPPORTED_FORMATS,
    detect_format,
    read_cwa,
    read_geneactiv_bin,
    read_gt3x,
    read_recording,
    read_recordings,
)
from backstride.io.actigraph_gt3x import decode_gt3x, decode_ssp_float, unpack_12bit
from backstride.io.axivity_cwa import decode_cwa
from backstride.io.geneactiv_bin import decode_geneactiv_bin
from backstride.recording import STANDARD_GRAVITY, Recording
from shared_data import shared

from fuzz.device_seeds import (
    CWA_DIR,
    CWA_REFERENCE_DIR,
    GENEACTIV_DIR,
    GENEACTIV_REFERENCE_DIR,
    GT3X_DIR,
    cwa_fix_checksums,
    gt3x_record,
    make_gt3x,
    make_legacy_gt3x,
    pack_12bit,
    synthetic_counts,
    unzip_members,
    zip_members,
)
from messages import assert_one_sentence, raises_one_sentence

G = STANDARD_GRAVITY
AX3_SAMPLE = CWA_DIR / "ax3_sample.cwa"
AX3_TEST = CWA_DIR / "ax3_testfile.cwa"
AX3_CORRUPT = CWA_DIR / "ax3_testfile_corrupt_blocks_0_13_14_142_143_144.cwa"
AX6_SAMPLE = CWA_DIR / "ax6_sample.cwa"
AX6_TEST = CWA_DIR / "ax6_testfile.cwa"
GNACTV_SAMPLE = GENEACTIV_DIR / "gnactv_sample.bin"
GENEACTIV_TEST = GENEACTIV_DIR / "GENEActiv_testfile.bin"
#: skdh stamps each CWA block from its whole-second timestamp, to about 10 ms.
SKDH_CWA_TIME_RESOLUTION_S = 0.011


def note_matching(recording: Recording, pattern: str) -> str:
    found = [note for note in recording.notes if re.search(pattern, note)]
    assert found, f"no note matches {pattern!r}: {recording.notes}"
    return found[0]


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def actilife_csv(path: Path) -> tuple[np.ndarray, dict[str, str]]:
    """ActiLife's raw CSV export: the samples and the header's start time, date and rate."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()[:10]
    header = {
        "rate": re.search(r"at (\d+) Hz", lines[0]).group(1),  # type: ignore[union-attr]
        "time": lines[2].split()[-1],
        "date": lines[3].split()[-1],
    }
    return pd.read_csv(path, skiprows=10).to_numpy(dtype=np.float64), header


def actilife_start(header: dict[str, str]) -> dt.datetime:
    return dt.datetime.strptime(f"{header['date']} {header['time']}", "%m/%d/%Y %H:%M:%S")


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (AX3_SAMPLE, "axivity_cwa"),
        (AX3_CORRUPT, "axivity_cwa"),
        (AX6_TEST, "axivity_cwa"),
        (GNACTV_SAMPLE, "geneactiv_bin"),
        (GENEACTIV_TEST, "geneactiv_bin"),
    ],
)
def test_detect_from_content_not_name(tmp_path: Path, path: Path, expected: str) -> None:
    assert detect_format(path) == expected
    renamed = tmp_path / "recording.csv"
    shutil.copyfile(path, renamed)
    assert detect_format(renamed) == expected


def test_detect_gt3x_synthetic_and_legacy(tmp_path: Path) -> None:
    assert detect_format(write(tmp_path, "a.dat", make_gt3x())) == "actigraph_gt3x"
    assert detect_format(write(tmp_path, "b.txt", make_legacy_gt3x())) == "actigraph_gt3x"


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "name",
    [
        "neo.gt3x",
        "ISM_Enabled.gt3x",
        "ISM_Disabled.gt3x",
        "small.gt3x",
        "WRIST_rawLSB_032Hz_test.agdc",
    ],
)
def test_detect_gt3x_samples(name: str) -> None:
    assert detect_format(shared(GT3X_DIR / name)) == "actigraph_gt3x"


def test_other_zip_is_not_actigraph(tmp_path: Path) -> None:
    path = write(tmp_path, "export.zip", zip_members({"export.xml": b"<HealthData/>"}))
    raises_one_sentence(UnsupportedFormatError, lambda: read_recordings(path))


def test_supported_formats_listed() -> None:
    for key in ("axivity_cwa", "geneactiv_bin", "actigraph_gt3x"):
        assert key in SUPPORTED_FORMATS


# --------------------------------------------------------------------------- Axivity CWA


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("path", "reference", "rate"),
    [(AX3_SAMPLE, "ax3_data.npz", 200.0), (AX6_SAMPLE, "ax6_data.npz", 100.0)],
)
def test_cwa_matches_skdh_decode(path: Path, reference: str, rate: float) -> None:
    ref = np.load(shared(CWA_REFERENCE_DIR / reference))
    decoded = decode_cwa(path)
    assert decoded.rate_hz == rate == float(ref["fs"][0])
    assert decoded.acc_g.shape == ref["accel"].shape  # same sample count
    np.testing.assert_allclose(decoded.acc_g, ref["accel"], rtol=0, atol=5e-7 + 1e-12)  # 6 dp
    if "gyro" in ref.files:
        assert decoded.gyr_dps is not None
        np.testing.assert_allclose(decoded.gyr_dps, ref["gyro"], rtol=1e-6, atol=1e-4)
    else:
        assert decoded.gyr_dps is None
    # skdh times each block from its whole second (about 10 ms); ours adds the 1/32768 s
    # fraction, so the two agree to skdh's resolution and not better.
    dt_s = decoded.time_s - ref["time"]
    assert np.abs(dt_s).max() < SKDH_CWA_TIME_RESOLUTION_S
    assert np.median(np.abs(dt_s)) < 0.006
    span = decoded.time_s[-1] - decoded.time_s[0]
    assert abs(span - (ref["time"][-1] - ref["time"][0])) < SKDH_CWA_TIME_RESOLUTION_S


def _block_time(block: bytes) -> tuple[float, int]:
    """Independent parse of a CWA block: time of its anchor sample and the anchor offset."""
    fractional, packed = (
        struct.unpack_from("<H", block, 4)[0],
        struct.unpack_from("<I", block, 14)[0],
    )
    offset = struct.unpack_from("<h", block, 26)[0]
    rate = 3200 / (1 << (15 - (block[24] & 0x0F)))
    stamp = dt.datetime(
        2000 + (packed >> 26),
        (packed >> 22) & 15,
        (packed >> 17) & 31,
        (packed >> 12) & 31,
        (packed >> 6) & 63,
        packed & 63,
    )
    seconds = (stamp - dt.datetime(1970, 1, 1)).total_seconds()
    fraction = (fractional & 0x7FFF) / 32768 if fractional & 0x8000 else 0.0
    return seconds + fraction, offset + int(fraction * rate)


@pytest.mark.parametrize("path", [AX3_SAMPLE, AX6_TEST])
def test_cwa_sample_times_reproduce_block_timestamps(path: Path) -> None:
    decoded = decode_cwa(path)
    raw = path.read_bytes()
    per_block = decoded.acc_g.shape[0] // decoded.n_blocks
    for block in (0, 1, decoded.n_blocks // 2, decoded.n_blocks - 2):
        stamp, anchor = _block_time(raw[1024 + 512 * block : 1024 + 512 * (block + 1)])
        index = block * per_block + anchor
        position = np.searchsorted(decoded.sample_index, index)
        if decoded.sample_index[min(position, decoded.sample_index.size - 1)] == index:
            assert decoded.time_s[position] == pytest.approx(stamp, abs=1e-6)


@pytest.mark.parametrize("path", [AX3_SAMPLE, AX6_SAMPLE])
def test_cwa_recording_is_decode_on_uniform_grid(path: Path) -> None:
    decoded = decode_cwa(path)
    recording = read_cwa(path)
    span = decoded.rel_s[-1] - decoded.rel_s[0]
    assert recording.sample_rate_hz == decoded.rate_hz
    assert recording.n_samples == int(np.floor(span * decoded.rate_hz + 1e-6)) + 1
    rel = decoded.rel_s - decoded.rel_s[0]
    grid = np.arange(recording.n_samples) / recording.sample_rate_hz
    for axis in range(3):
        expected = np.interp(grid, rel, decoded.acc_g[:, axis]) * G
        np.testing.assert_allclose(recording.acc[:, axis], expected, atol=1e-9)
    if decoded.gyr_dps is not None:
        assert recording.gyr is not None
        np.testing.assert_allclose(
            recording.gyr[:, 0], np.interp(grid, rel, decoded.gyr_dps[:, 0]), atol=1e-9
        )
    assert 9.0 < np.median(np.linalg.norm(recording.acc, axis=1)) < 10.6
    start = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=float(decoded.time_s[0]))
    assert recording.start == start.replace(tzinfo=dt.UTC)
    note_matching(recording, r"local clock without a time zone.*UTC")
    note_matching(recording, rf"resampled onto a uniform {recording.sample_rate_hz:g} Hz grid")


def test_cwa_ax3_metadata() -> None:
    recording = read_cwa(AX3_TEST)
    assert recording.device == "Axivity AX3"
    assert recording.placement == "wrist"  # _p=right+wrist
    assert recording.meta["participant_id"] == "26"
    assert recording.meta["format"] == "axivity_cwa"
    assert recording.gyr is None
    assert recording.start is not None and recording.start.date() == dt.date(2019, 2, 26)


def test_cwa_ax6_units() -> None:
    recording = read_cwa(AX6_TEST)
    assert recording.device == "Axivity AX6"
    assert recording.gyr is not None
    assert recording.gyr.shape == recording.acc.shape
    assert np.nanmax(np.abs(recording.gyr)) <= 250.0 + 1e-9  # configured range 250 deg/s
    note_matching(recording, r"angular velocity in deg/s")


def test_cwa_time_zone_option() -> None:
    recording = read_cwa(AX3_TEST, time_zone="Europe/London")
    assert recording.start is not None and str(recording.start.tzinfo) == "Europe/London"
    assert not any("UTC" in note for note in recording.notes)
    raises_one_sentence(
        InvalidInputError, lambda: read_cwa(AX3_TEST, time_zone="Mars/Olympus"), "IANA"
    )


def test_cwa_corrupt_blocks_are_skipped_and_reported() -> None:
    recording = read_recording(AX3_CORRUPT)
    note_matching(recording, r"^6 of 145 data blocks failed their checksum and were skipped$")
    note_matching(recording, r"2\.4\d? s of lost samples were left as missing values")
    assert recording.meta["bad_blocks"] == 6
    missing = ~np.isfinite(recording.acc).all(axis=1)
    assert 235 <= missing.sum() <= 245  # blocks 13 and 14: 240 samples at 100 Hz
    run = np.flatnonzero(missing)
    assert run[-1] - run[0] == missing.sum() - 1  # one stretch
    assert np.isfinite(recording.acc[0]).all() and np.isfinite(recording.acc[-1]).all()

    intact = decode_cwa(AX3_TEST)
    damaged = decode_cwa(AX3_CORRUPT)
    lost_blocks = [0, 13, 14, 142, 143, 144]
    assert damaged.acc_g.shape[0] == intact.acc_g.shape[0] - 120 * len(lost_blocks)
    kept = np.isin(intact.sample_index, damaged.sample_index)
    assert not np.isin(intact.sample_index[~kept] // 120, lost_blocks, invert=True).any()
    np.testing.assert_array_equal(damaged.acc_g, intact.acc_g[kept])
    np.testing.assert_allclose(damaged.time_s, intact.time_s[kept], atol=2e-3)


def test_cwa_block_with_bad_timestamp_is_dropped(tmp_path: Path) -> None:
    data = bytearray(AX3_TEST.read_bytes())
    block = 1024 + 512 * 60
    packed = struct.unpack_from("<I", data, block + 14)[0]
    struct.pack_into("<I", data, block + 14, packed + (1 << 26))  # a year later
    path = write(tmp_path, "jump.cwa", bytes(cwa_fix_checksums(data)))
    recording = read_cwa(path)
    note_matching(recording, r"^1 of 145 data blocks did not match")
    assert recording.n_samples == read_cwa(AX3_TEST).n_samples


def test_cwa_truncated_inside_block(tmp_path: Path) -> None:
    path = write(tmp_path, "cut.cwa", AX3_TEST.read_bytes()[: 1024 + 512 * 40 + 100])
    recording = read_cwa(path)
    note_matching(recording, r"incomplete block \(100 bytes\)")
    assert 38 * 120 < recording.n_samples < 41 * 120


@pytest.mark.parametrize(
    ("length", "match"),
    [(1, None), (300, "ends inside its Axivity header"), (1000, "no data blocks")],
)
def test_cwa_truncated_header(tmp_path: Path, length: int, match: str | None) -> None:
    path = write(tmp_path, "cut.cwa", AX3_TEST.read_bytes()[:length])
    raises_one_sentence(BackstrideError, lambda: read_recordings(path), match)


def test_cwa_all_blocks_damaged(tmp_path: Path) -> None:
    data = bytearray(AX3_TEST.read_bytes())
    for block in range(145):
        data[1024 + 512 * block + 100] ^= 0xFF
    path = write(tmp_path, "bad.cwa", bytes(data))
    raises_one_sentence(InvalidInputError, lambda: read_cwa(path), "None of the 145 data blocks")


def test_cwa_gap_longer_than_data_is_refused(tmp_path: Path) -> None:
    data = bytearray(AX3_TEST.read_bytes()[: 1024 + 512 * 40])
    for block in range(20, 40):  # a lasting jump of a day halfway
        start = 1024 + 512 * block
        packed = struct.unpack_from("<I", data, start + 14)[0]
        struct.pack_into("<I", data, start + 14, packed + (1 << 17))
    path = write(tmp_path, "gap.cwa", bytes(cwa_fix_checksums(data)))
    raises_one_sentence(InvalidInputError, lambda: read_cwa(path), "split the recording")


# --------------------------------------------------------------------------- GENEActiv


@pytest.mark.shared_data
def test_geneactiv_matches_skdh_decode() -> None:
    ref = np.load(shared(GENEACTIV_REFERENCE_DIR / "gnactv_data.npz"))
    decoded = decode_geneactiv_bin(GNACTV_SAMPLE)
    assert decoded.acc_g.shape == ref["accel"].shape == (900, 3)
    np.testing.assert_allclose(decoded.acc_g, ref["accel"], rtol=0, atol=5e-5 + 1e-9)  # 4 dp
    np.testing.assert_allclose(decoded.time_s, ref["time"], rtol=0, atol=1e-6)
    assert np.abs(decoded.light_lux - ref["light"]).max() < 1.0  # skdh keeps whole lux


def _first_samples_by_hand(path: Path, n: int) -> np.ndarray:
    """Calibrate the first samples straight from the file text (independent of the reader)."""
    text = path.read_bytes().decode("latin-1").splitlines()
    header = dict(line.split(":", 1) for line in text[:80] if ":" in line)
    data = next(line for line in text if len(line.strip()) == 3600)
    out = []
    for k in range(n):
        word = int(data[12 * k : 12 * k + 12], 16)
        row = []
        for axis, shift in zip("xyz", (36, 24, 12), strict=True):
            value = (word >> shift) & 0xFFF
            value = value - 4096 if value >= 2048 else value
            gain, offset = float(header[f"{axis} gain"]), float(header[f"{axis} offset"])
            row.append((value * 100 - offset) / gain)
        out.append(row)
    return np.array(out)


@pytest.mark.parametrize("path", [GNACTV_SAMPLE, GENEACTIV_TEST])
def test_geneactiv_calibration_by_hand(path: Path) -> None:
    decoded = decode_geneactiv_bin(path)
    np.testing.assert_allclose(decoded.acc_g[:20], _first_samples_by_hand(path, 20), atol=1e-12)


def test_geneactiv_recording() -> None:
    recording = read_geneactiv_bin(GNACTV_SAMPLE)
    decoded = decode_geneactiv_bin(GNACTV_SAMPLE)
    zone = dt.timezone(dt.timedelta(hours=-4))  # Time Zone:GMT -04:00
    assert recording.start == dt.datetime(2019, 5, 21, 16, 16, 43, 500_000, tzinfo=zone)
    assert recording.sample_rate_hz == 50.0
    assert recording.device == "GENEActiv"
    assert recording.placement == "lower_back"  # Device Location Code:back
    assert recording.meta["participant_id"] == "0001"
    assert recording.meta["device_serial"] == "051386"
    # Page 1 starts 6.5 s after page 0 (not 6.0): the 0.52 s gap is bridged, and pages 1-2,
    # whose times agree with 50 Hz, land on the grid sample for sample.
    assert recording.n_samples == 925
    np.testing.assert_allclose(recording.acc[:300], decoded.acc_g[:300] * G, atol=1e-9)
    np.testing.assert_allclose(recording.acc[325:], decoded.acc_g[300:] * G, atol=1e-9)
    note_matching(recording, r"1 gap\(s\) of up to 0\.52 s .* bridged")
    note_matching(recording, r"calibrated with the header's gain and offset")


def test_geneactiv_cut_off_download() -> None:
    recording = read_geneactiv_bin(GENEACTIV_TEST)
    decoded = decode_geneactiv_bin(GENEACTIV_TEST)
    assert decoded.acc_g.shape[0] == 16 * 300  # header says 222048 pages: never trusted
    assert decoded.truncated_last_page
    note_matching(recording, r"last page was cut off")
    assert recording.sample_rate_hz == 85.7
    zone = dt.timezone(dt.timedelta(hours=1))
    assert recording.start == dt.datetime(2013, 5, 30, 10, 12, 54, 500_000, tzinfo=zone)
    assert "participant_id" not in recording.meta  # NUL-padded empty field


def test_geneactiv_damaged_page(tmp_path: Path) -> None:
    lines = GNACTV_SAMPLE.read_bytes().split(b"\n")
    data_lines = [k for k, line in enumerate(lines) if len(line.strip()) == 3600]
    lines[data_lines[1]] = lines[data_lines[1]][:100] + b"ZZ" + lines[data_lines[1]][102:]
    path = write(tmp_path, "damaged.bin", b"\n".join(lines))
    recording = read_geneactiv_bin(path)
    note_matching(recording, r"^1 of 3 pages were damaged and were skipped$")
    missing = ~np.isfinite(recording.acc).all(axis=1)
    assert 295 <= missing.sum() <= 330


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda text: text.replace(b"x gain:25522", b"x gain:0"), "calibration for the x axis"),
        (
            lambda text: text.replace(b"Measurement Frequency:50 Hz", b"Measurement Frequency:"),
            "Measurement Frequency",
        ),
        (lambda text: text.split(b"Recorded Data")[0], "no 'Recorded Data' page"),
        (lambda text: re.sub(rb"[0-9A-F]{3600}", b"", text), "no readable data page"),
    ],
)
def test_geneactiv_bad_header(tmp_path: Path, edit: Callable[[bytes], bytes], match: str) -> None:
    path = write(tmp_path, "bad.bin", edit(GNACTV_SAMPLE.read_bytes()))
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), match)


# --------------------------------------------------------------------------- ActiGraph


@pytest.mark.shared_data
def test_gt3x_legacy_neo_matches_actilife() -> None:
    expected, header = actilife_csv(shared(GT3X_DIR / "neo.csv"))
    decoded = decode_gt3x(shared(GT3X_DIR / "neo.gt3x"))
    assert decoded.layout == "activity.bin"
    assert decoded.acc.shape == expected.shape == (18004, 3)
    np.testing.assert_array_equal(np.round(decoded.acc, 3), expected)  # ActiLife rounds to 3 dp
    assert np.abs(decoded.acc - expected).max() <= 0.0005 + 1e-12
    recording = read_gt3x(GT3X_DIR / "neo.gt3x")
    assert recording.sample_rate_hz == float(header["rate"]) == 30.0
    zone = dt.timezone(dt.timedelta(hours=-6))  # TimeZone: -06:00:00
    assert recording.start == actilife_start(header).replace(tzinfo=zone)
    np.testing.assert_allclose(recording.acc, decoded.acc * G, atol=1e-12)
    assert recording.device == "ActiGraph GT3XPlus"


@pytest.mark.shared_data
def test_gt3x_uncalibrated_agdc_matches_actilife() -> None:
    path = shared(GT3X_DIR / "WRIST_rawLSB_032Hz_test.agdc")
    calibrated, header = actilife_csv(shared(GT3X_DIR / "WRIST_rawCalibrated_032Hz.csv"))
    raw, _ = actilife_csv(shared(GT3X_DIR / "WRIST_rawLSB_032Hz.csv"))
    counts = decode_gt3x(path, calibrate=False)
    np.testing.assert_array_equal(counts.acc, raw)  # ACTIVITY3 12-bit x, y, z
    decoded = decode_gt3x(path)
    assert decoded.acc.shape == calibrated.shape == (1920, 3)
    np.testing.assert_allclose(decoded.acc, calibrated, rtol=0, atol=1e-9)
    recording = read_gt3x(path)
    assert recording.sample_rate_hz == float(header["rate"]) == 32.0
    assert recording.start == actilife_start(header).replace(tzinfo=dt.UTC)
    note_matching(recording, r"calibration\.json \(method 2\)")
    note_matching(recording, r"no time zone.*UTC")
    assert recording.placement == "wrist"


@pytest.mark.shared_data
def test_gt3x_idle_sleep_filled_as_actilife() -> None:
    enabled = read_gt3x(shared(GT3X_DIR / "ISM_Enabled.gt3x"))
    disabled = read_gt3x(shared(GT3X_DIR / "ISM_Disabled.gt3x"))
    # Two devices worn together for the same 5 minutes, one with idle sleep mode.
    assert enabled.n_samples == disabled.n_samples == 300 * 30
    assert enabled.start == disabled.start
    zone = dt.timezone(dt.timedelta(hours=-5))
    assert enabled.start == dt.datetime(2021, 3, 19, 15, 57, tzinfo=zone)
    assert enabled.meta["idle_sleep_samples"] == 6810  # 68 + 38 + 121 s
    note_matching(enabled, r"^227 s of idle sleep mode \(6810 samples\) were filled")
    assert disabled.meta["idle_sleep_samples"] == 0
    assert np.isfinite(enabled.acc).all()
    # The first gap runs from second 24 (the idle-sleep event) to second 92: every filled
    # sample repeats the last one recorded before it.
    gap = enabled.acc[24 * 30 : 92 * 30]
    np.testing.assert_array_equal(gap, np.broadcast_to(enabled.acc[24 * 30 - 1], gap.shape))
    assert not np.array_equal(enabled.acc[92 * 30], enabled.acc[24 * 30 - 1])


@pytest.mark.shared_data
def test_gt3x_day_with_idle_sleep() -> None:
    recording = read_gt3x(shared(GT3X_DIR / "small.gt3x"))
    assert recording.n_samples == 1_467_810  # 48927 s at 30 Hz
    assert recording.meta["idle_sleep_samples"] == 657_540
    assert np.isfinite(recording.acc).all()
    assert recording.device == "ActiGraph Link"
    assert 9.0 < np.median(np.linalg.norm(recording.acc, axis=1)) < 10.6


def test_gt3x_synthetic_idle_sleep(tmp_path: Path) -> None:
    path = write(tmp_path, "idle.gt3x", make_gt3x(seconds=20, idle=[(5, 9)], idle_until_end=16))
    recording = read_gt3x(path)
    assert recording.n_samples == 20 * 30
    assert recording.meta["idle_sleep_samples"] == (4 + 4) * 30
    counts = synthetic_counts(600)
    np.testing.assert_allclose(recording.acc[: 5 * 30], counts[: 5 * 30] / 256 * G, atol=1e-12)
    np.testing.assert_allclose(
        recording.acc[5 * 30 : 9 * 30], np.broadcast_to(counts[149] / 256 * G, (120, 3))
    )
    np.testing.assert_allclose(
        recording.acc[16 * 30 :], np.broadcast_to(counts[479] / 256 * G, (120, 3))
    )
    assert recording.placement == "lower_back"  # Limb: Waist
    zone = dt.timezone(dt.timedelta(hours=-5))
    assert recording.start == (
        dt.datetime(1970, 1, 1) + dt.timedelta(seconds=1_700_000_000)
    ).replace(tzinfo=zone)


def test_gt3x_lost_and_damaged_records(tmp_path: Path) -> None:
    path = write(tmp_path, "lost.gt3x", make_gt3x(seconds=20, drop=[6], corrupt=[12]))
    recording = read_gt3x(path)
    assert recording.n_samples == 600
    missing = ~np.isfinite(recording.acc).all(axis=1)
    assert missing.sum() == 60
    assert missing[6 * 30 : 7 * 30].all() and missing[12 * 30 : 13 * 30].all()
    note_matching(recording, r"^1 damaged place\(s\) in the log")
    note_matching(recording, r"^2 s of samples lost with damaged records")


@pytest.mark.parametrize("record_type", [0x00, 0x1A, 0x1B])
def test_gt3x_record_types(tmp_path: Path, record_type: int) -> None:
    path = write(tmp_path, "t.gt3x", make_gt3x(seconds=6, record_type=record_type))
    decoded = decode_gt3x(path, calibrate=False)
    np.testing.assert_array_equal(decoded.acc, synthetic_counts(180))


def test_gt3x_synthetic_legacy(tmp_path: Path) -> None:
    recording = read_gt3x(write(tmp_path, "neo.gt3x", make_legacy_gt3x(seconds=10)))
    np.testing.assert_allclose(recording.acc, synthetic_counts(300, 341.0) / 341 * G, atol=1e-12)
    zone = dt.timezone(dt.timedelta(hours=-6))
    assert recording.start == dt.datetime(2021, 12, 20, 11, 55, tzinfo=zone)


def test_gt3x_calibration_method_2(tmp_path: Path) -> None:
    calibration = {
        "isCalibrated": False,
        "calibrationMethod": 2,
        "offsetX_30": 10, "offsetY_30": -5, "offsetZ_30": 3,
        "sensitivityXX_30": 25600, "sensitivityYY_30": 25000, "sensitivityZZ_30": 26000,
        "sensitivityXY_30": -500, "sensitivityXZ_30": 100, "sensitivityYZ_30": 0,
    }  # fmt: skip
    path = write(tmp_path, "cal.gt3x", make_gt3x(seconds=4, calibration=calibration))
    decoded = decode_gt3x(path)
    counts = synthetic_counts(120).astype(float) - [10, -5, 3]

    def cross(value: float) -> float:
        return 1 / (value / 100 + 250) - 1 / 250

    expected = np.column_stack(
        [
            counts[:, 0] / 256 + counts[:, 1] * cross(-500) + counts[:, 2] * cross(100),
            counts[:, 0] * cross(-500) + counts[:, 1] / 250 + counts[:, 2] * cross(0),
            counts[:, 0] * cross(100) + counts[:, 1] * cross(0) + counts[:, 2] / 260,
        ]
    )
    np.testing.assert_allclose(decoded.acc, expected, atol=1e-12)
    bad = dict(calibration, calibrationMethod=1)
    path = write(tmp_path, "bad.gt3x", make_gt3x(seconds=4, calibration=bad))
    raises_one_sentence(InvalidInputError, lambda: read_gt3x(path), "calibration method 1")


def test_gt3x_scale_from_parameters_and_serial(tmp_path: Path) -> None:
    assert decode_ssp_float(0x09400000) == 256.0
    assert decode_ssp_float(0x0C400000) == 2048.0
    no_params = make_gt3x(seconds=3, parameters=False, info_extra={"Acceleration Scale": ""})
    decoded = decode_gt3x(write(tmp_path, "tas.gt3x", no_params))  # serial TAS: 256 per g
    np.testing.assert_allclose(decoded.acc, synthetic_counts(90) / 256, atol=1e-12)


def test_unpack_12bit_spec_example() -> None:
    # ActiGraph's documented example: 00 60 08 EB D0 07 00 9E BF 00 70 08 EB F0 (y, x, z).
    rows = np.frombuffer(bytes.fromhex("006008EBD007009EBF007008EBF0"), dtype=np.uint8)[None, :]
    values = unpack_12bit(rows, 3)[0]
    np.testing.assert_array_equal(values, [[6, 8, -323], [7, 9, -321], [7, 8, -321]])
    packed = pack_12bit(values)
    assert packed == bytes.fromhex("006008EBD007009EBF007008EBF0")[: len(packed)]


def test_gt3x_no_time_zone(tmp_path: Path) -> None:
    recording = read_gt3x(write(tmp_path, "utc.gt3x", make_gt3x(seconds=4, time_zone=None)))
    assert recording.start is not None and recording.start.tzinfo == dt.UTC
    note_matching(recording, r"no time zone")


@pytest.mark.parametrize(
    ("members", "match"),
    [
        ({"info.txt": b"Sample Rate: 0\r\n", "log.bin": b""}, "sample rate '0'"),
        ({"info.txt": b"Sample Rate: 30.5\r\n", "log.bin": b""}, "not a whole number"),
        (
            {"info.txt": b"Sample Rate: 30\r\n", "log.bin": b"\x00" * 100},
            "no readable acceleration",
        ),
        ({"info.txt": b"Sample Rate: 30\r\n", "activity.bin": b"\x00" * 100}, "Start Date"),
        (
            {
                "info.txt": b"Sample Rate: 30\r\nSerial Number: XYZ1\r\n",
                "log.bin": gt3x_record(0x1A, 1_700_000_000, b"\x01\x00" * 90),
            },
            "no acceleration scale",
        ),
    ],
)
def test_gt3x_bad_archives(tmp_path: Path, members: dict[str, bytes], match: str) -> None:
    path = write(tmp_path, "bad.gt3x", zip_members(members))
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), match)


def test_gt3x_damaged_archive(tmp_path: Path) -> None:
    content = make_gt3x(seconds=10)
    path = write(tmp_path, "cut.gt3x", content[: len(content) // 2])
    assert detect_format(path) == "actigraph_gt3x"  # found by its member names
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "zip archive")
    flipped = bytearray(content)
    flipped[len(flipped) // 3] ^= 0xFF
    path = write(tmp_path, "crc.gt3x", bytes(flipped))
    raises_one_sentence(BackstrideError, lambda: read_recordings(path))


def test_gt3x_zip_bomb_is_refused(tmp_path: Path) -> None:
    members = unzip_members(make_gt3x(seconds=3))
    members["log.bin"] = members["log.bin"] + bytes(40 << 20)
    path = write(tmp_path, "bomb.gt3x", zip_members(members))
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        raises_one_sentence(InvalidInputError, lambda: read_gt3x(path), "expands beyond")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 << 20


def test_gt3x_hostile_idle_sleep_is_bounded(tmp_path: Path) -> None:
    # Idle sleep from the 3rd second to a "Last Sample Time" 300 days later: never allocated.
    content = make_gt3x(
        seconds=5,
        idle_until_end=3,
        info_extra={
            "Last Sample Time": str(621_355_968_000_000_000 + (1_700_000_000 + 300 * 86400) * 10**7)
        },
    )
    path = write(tmp_path, "idle.gt3x", content)
    tracemalloc.start()
    try:
        raises_one_sentence(InvalidInputError, lambda: read_gt3x(path), "idle-sleep periods")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 << 20


def test_gt3x_garbage_between_records(tmp_path: Path) -> None:
    members = unzip_members(make_gt3x(seconds=10))
    log = members["log.bin"]
    cut = log.index(b"\x1e\x1a", len(log) // 2)
    members["log.bin"] = log[:cut] + b"\x00\x00\x00" + b"\x17garbage\x1e\x99" + log[cut:]
    recording = read_gt3x(write(tmp_path, "g.gt3x", zip_members(members)))
    assert np.isfinite(recording.acc).all() and recording.n_samples == 300
    note_matching(recording, r"^1 damaged place\(s\) in the log \(13 bytes\)")


# --------------------------------------------------------------------------- all formats


def _inputs() -> list[tuple[str, Callable[[], bytes]]]:
    return [
        ("cwa", AX6_TEST.read_bytes),
        ("bin", GNACTV_SAMPLE.read_bytes),
        ("gt3x", lambda: make_gt3x(seconds=10)),
    ]


@pytest.mark.parametrize(("suffix", "content"), _inputs())
@pytest.mark.parametrize("fraction", [0.0005, 0.01, 0.3, 0.77, 0.999])
def test_truncated_files_raise_or_read(
    tmp_path: Path, suffix: str, content: Callable[[], bytes], fraction: float
) -> None:
    data = content()
    path = write(tmp_path, f"cut.{suffix}", data[: max(1, int(len(data) * fraction))])
    try:
        recordings = read_recordings(path)
    except BackstrideError as error:
        assert_one_sentence(str(error))
        return
    assert all(np.isfinite(r.sample_rate_hz) for r in recordings)


@pytest.mark.parametrize("suffix", ["cwa", "bin", "gt3x", "agdc"])
def test_empty_and_foreign_files(tmp_path: Path, suffix: str) -> None:
    empty = write(tmp_path, f"empty.{suffix}", b"")
    raises_one_sentence(InvalidInputError, lambda: read_recordings(empty), "empty")
    foreign = write(tmp_path, f"photo.{suffix}", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    raises_one_sentence(UnsupportedFormatError, lambda: read_recordings(foreign))


def test_read_recordings_dispatch_and_ignored_options(tmp_path: Path) -> None:
    for path, reader in (
        (AX6_TEST, read_cwa),
        (GNACTV_SAMPLE, read_geneactiv_bin),
        (write(tmp_path, "r.gt3x", make_gt3x(seconds=8)), read_gt3x),
    ):
        [recording] = read_recordings(path, sample_rate_hz=100.0)
        direct = reader(path)
        np.testing.assert_array_equal(recording.acc, direct.acc)
        note_matching(recording, r"--sample-rate-hz ignored")


def test_headers_never_size_allocations(tmp_path: Path) -> None:
    # A GENEActiv header claiming a billion pages reads the pages that are there.
    text = GNACTV_SAMPLE.read_bytes().replace(b"Number of Pages:3", b"Number of Pages:999999999")
    recording = read_geneactiv_bin(write(tmp_path, "pages.bin", text))
    assert recording.n_samples == 925


def test_zip_detection_ignores_bad_zip_without_names(tmp_path: Path) -> None:
    path = write(tmp_path, "x.zip", b"PK\x03\x04" + zlib.compress(b"hello") * 10)
    raises_one_sentence(UnsupportedFormatError, lambda: read_recordings(path))
    with zipfile.ZipFile(io.BytesIO(make_gt3x(seconds=3))) as archive:
        assert "log.bin" in archive.namelist()


def test_zip_of_unknown_version(tmp_path: Path) -> None:
    # Found by the fuzz target: zipfile raises NotImplementedError for an unknown version.
    content = bytearray(make_gt3x(seconds=3))
    directory = content.index(b"PK\x01\x02")
    content[directory + 6] = 0xFF  # version needed to extract
    path = write(tmp_path, "version.gt3x", bytes(content))
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "zip archive")


def test_read_recordings_reads_a_device_clock_in_the_given_time_zone() -> None:
    """The AX3 clock is local time: with a zone the wall time stays, the instant moves."""
    from backstride.io import read_recordings

    (as_utc,) = read_recordings(AX3_SAMPLE)
    (berlin,) = read_recordings(AX3_SAMPLE, time_zone="Europe/Berlin")
    assert as_utc.start is not None and berlin.start is not None
    assert berlin.start.replace(tzinfo=None) == as_utc.start.replace(tzinfo=None)
    offset = berlin.start.utcoffset()
    assert offset is not None and offset.total_seconds() in (3600.0, 7200.0)
    assert as_utc.start - berlin.start == offset
    np.testing.assert_array_equal(berlin.acc, as_utc.acc)


@pytest.mark.parametrize(
    ("text", "placement"),
    [("LB", "lower_back"), ("l5", "lower_back"), ("Sacrum", "lower_back"),
     ("left elbow", "left_elbow"), ("right wrist", "wrist"), ("", None)],
)  # fmt: skip
def test_wear_location_codes(text: str, placement: str | None) -> None:
    """'LB' (the project's own AX6 writer's code) read as 'worn at the lb, away from the
    trunk', so stride length and speed were left out; as part of a word it still is not."""
    from backstride.io._device_common import placement_from_text

    assert placement_from_text(text) == placement
