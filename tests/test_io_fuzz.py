"""Fuzz the readers: whatever the bytes, only BackStride's own errors may come out."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstride.exceptions import BackstrideError
from backstride.io import read_recordings
from backstride.recording import MIN_SAMPLE_RATE_HZ

FUZZ_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _generic_seed() -> bytes:
    rows = [
        f"{k / 100:.2f},{0.98 + 0.01 * (k % 7):.4f},-0.05,0.02,1.5,-2.0,0.3" for k in range(120)
    ]
    return ("time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + "\n".join(rows) + "\n").encode()


def _iso_seed() -> bytes:
    start = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    rows = [
        f"{(start + dt.timedelta(milliseconds=10 * k)).isoformat(timespec='milliseconds')},"
        f"9.7,{0.1 * (k % 5):.2f},0.3"
        for k in range(120)
    ]
    return ("timestamp,acc_x,acc_y,acc_z\n" + "\n".join(rows) + "\n").encode()


def _unix_ms_seed() -> bytes:
    rows = [f"{1_700_000_000_000 + 20 * k};0.01;0.99;{0.01 * (k % 3):.2f}" for k in range(120)]
    return ("timestamp;acc_x;acc_y;acc_z\n" + "\n".join(rows) + "\n").encode()


def _ipol_seed() -> bytes:
    header = "\t".join(
        ["PacketCounter"] + [f"{s}_{a}" for s in ("Acc", "Gyr", "Mag") for a in "XYZ"]
    )
    rows = [
        f"{k + (k > 50) * 2:.1f}\t8.2\t0.09\t5.9\t-0.003\t0.005\t0.0006\t-0.29\t0.07\t-0.8"
        for k in range(120)
    ]
    return ("Acquisition frequency: 100 Hz\n" + header + "\n" + "\n".join(rows) + "\n").encode()


def _geneactiv_seed() -> bytes:
    header = [
        "Device Type,GENEActiv",
        "Measurement Frequency,50.0 Hz",
        "Time Zone,GMT -04",
        "Device Location Code,back",
        "Height,177",
        "Units,g",
    ]
    header += [""] * (100 - len(header))
    start = dt.datetime(2019, 8, 6, 10, 25, 50)
    rows = []
    for k in range(120):
        stamp = start + dt.timedelta(milliseconds=20 * k)
        text = stamp.strftime("%Y-%m-%d %H:%M:%S:") + f"{stamp.microsecond // 1000:03d}"
        rows.append(f"{text},-0.4264,0.7279,0.5089,0,0,31.6")
    return ("\r\n".join(header + rows) + "\r\n").encode()


def _oxford_seed() -> bytes:
    rows = [
        f"{1012461540465 + 10_000_000 * k},0.48,2.45,{9.5 + 0.01 * k:.2f},0,{k // 60},0"
        for k in range(120)
    ]
    return ("\n".join(rows) + "\n").encode()


def _mat_seed() -> bytes:
    n = 40
    lower_back = {
        "Acc": np.column_stack([np.ones(n), np.zeros(n), np.zeros(n)]),
        "Gyr": np.zeros((n, 3)),
        "Timestamp": 1.6e9 + np.arange(n) / 100,
        "Fs": {"Acc": 100, "Gyr": 100},
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.mat"
        sio.savemat(
            path,
            {
                "data": {"TimeMeasure1": {"Test5": {"Trial1": {"SU": {"LowerBack": lower_back}}}}},
                "Participant": {"Height": 170.0},
            },
        )
        return path.read_bytes()


TEXT_SEEDS = [
    _generic_seed(),
    _iso_seed(),
    _unix_ms_seed(),
    _ipol_seed(),
    _geneactiv_seed(),
    _oxford_seed(),
]
MAT_SEED = _mat_seed()
SNIPPETS = [
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r\n",
    b"\n\n",
    b'"',
    b"#",
    b" ",
    b"-",
    b".",
    b"e",
    b"0",
    b"9",
    b"\x00",
    b"\xff\xfe",
    b"nan",
    b"inf",
    b"-1e308",
    b"1e400",
    b"99999999999999999999",
    b"2024-13-45T25:61:61",
    b"+05:00",
    b"acc_x",
    b"samples",
    b"time_s",
    b"Acquisition frequency: 0 Hz\n",
    b"Measurement Frequency,1e9 Hz",
    b"Time Zone,GMT +99:99",
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes], snippets: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        operation = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "repeat"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if operation == "replace" and data:
            piece = draw(st.sampled_from(snippets) | st.binary(min_size=1, max_size=4))
            data[position : position + len(piece)] = piece
        elif operation == "insert":
            data[position:position] = draw(st.sampled_from(snippets))
        elif operation == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        elif operation == "truncate":
            del data[position:]
        else:
            data[position:position] = data[position : position + draw(st.integers(1, 200))]
    return bytes(data)


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "input.dat"


def _check(path: Path, content: bytes, sample_rate_hz: float | None = None) -> None:
    path.write_bytes(content)
    try:
        recordings = read_recordings(path, sample_rate_hz=sample_rate_hz)
    except BackstrideError as error:
        assert str(error).strip(), "error messages must not be empty"
        return
    for recording in recordings:
        assert recording.acc.ndim == 2 and recording.acc.shape[1] == 3
        assert recording.acc.dtype == np.float64
        assert np.isfinite(recording.sample_rate_hz)
        assert recording.sample_rate_hz >= MIN_SAMPLE_RATE_HZ
        assert recording.start is None or recording.start.tzinfo is not None


@FUZZ_SETTINGS
@given(content=st.binary(max_size=4096))
def test_random_bytes(fuzz_file: Path, content: bytes) -> None:
    _check(fuzz_file, content)


@FUZZ_SETTINGS
@given(
    content=mutated(TEXT_SEEDS, SNIPPETS),
    sample_rate_hz=st.none() | st.sampled_from([100.0, 50.0, 0.0, -1.0, 1e9, float("nan")]),
)
def test_mutated_text(fuzz_file: Path, content: bytes, sample_rate_hz: float | None) -> None:
    _check(fuzz_file, content, sample_rate_hz)


@FUZZ_SETTINGS
@given(content=mutated([MAT_SEED], [b"\x00", b"\xff", b"\x7f\xff\xff\xff", b"\x0e\x00\x00\x00"]))
def test_mutated_mat(fuzz_file: Path, content: bytes) -> None:
    _check(fuzz_file, content)


@FUZZ_SETTINGS
@given(tail=st.binary(max_size=2048))
def test_mat_header_with_random_body(fuzz_file: Path, tail: bytes) -> None:
    header = b"MATLAB 5.0 MAT-file, Platform: GLNXA64".ljust(124) + b"\x00\x01IM"
    _check(fuzz_file, header + tail)


EXPORT_CSV = Path(__file__).resolve().parents[1] / "data/mobilised-lab/HA-001/Test5-Trial1.imu.csv"
ODD_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["2020-12-10T13:57:44.733+01:00", "Europe/Berlin", "Mars/Base", "100"])
)


@FUZZ_SETTINGS
@given(
    info=st.dictionaries(
        st.sampled_from(
            ["sample_rate_hz", "start_datetime", "timezone", "test", "trial", "participant"]
        ),
        ODD_VALUES,
    ),
    person=st.dictionaries(st.sampled_from(["height_m", "sensor_height_m"]), ODD_VALUES)
    | ODD_VALUES,
)
def test_mutated_export_sidecar(
    tmp_path_factory: pytest.TempPathFactory, info: dict[str, object], person: object
) -> None:
    """The JSON beside a Mobilise-D per-trial export, its fields replaced by odd values."""
    folder = tmp_path_factory.mktemp("export")
    csv = folder / "Test5-Trial1.imu.csv"
    csv.write_bytes(EXPORT_CSV.read_bytes())
    sidecar = {"sample_rate_hz": 100, "participant_info": person, **info}
    (folder / "Test5-Trial1.reference.json").write_text(json.dumps(sidecar))
    _check(csv, csv.read_bytes())
