"""ActiLife's raw-data CSV export of ActiGraph devices.

The real exports in ``../shared/data/devices/actigraph-gt3x`` (GPL: read in place, never
copied) come with the ``.gt3x``/``.agdc`` files they were exported from, so the CSV reader is
checked against BackStride's own decode of the device file. Header variants ActiLife writes
(timestamps, no column names, other date formats, the GT9X's IMU columns) are built here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from backstride.cli import main
from backstride.exceptions import InvalidInputError
from backstride.gait.pipeline import analyze
from backstride.io import detect_format, read_actilife_csv, read_gt3x, read_recordings
from backstride.io.actigraph_gt3x import decode_gt3x
from backstride.recording import STANDARD_GRAVITY
from test_io_devices import shared

from fuzz.device_seeds import GT3X_DIR
from fuzz.device_seeds import make_actilife_csv as actilife_text
from messages import raises_one_sentence
from synthetic import walking_signal

G = STANDARD_GRAVITY
FEB_3 = dt.datetime(2022, 2, 3, 11, 55)


@pytest.fixture(scope="module")
def walk_g() -> np.ndarray:
    rec, _ = walking_signal(walk_s=30, fs=30.0)
    return rec.acc / G


@pytest.mark.shared_data
def test_the_export_of_a_neo_file_reads_as_the_device_file() -> None:
    csv = read_actilife_csv(shared(GT3X_DIR / "neo.csv"))
    device = read_gt3x(shared(GT3X_DIR / "neo.gt3x"))
    assert detect_format(GT3X_DIR / "neo.csv") == "actigraph_csv"
    assert csv.n_samples == device.n_samples == 18004
    assert csv.sample_rate_hz == device.sample_rate_hz == 30.0
    assert np.abs(csv.acc - device.acc).max() <= 0.0005 * G + 1e-9  # ActiLife writes 3 dp
    # the same device clock (the .gt3x knows its zone, the CSV does not)
    assert csv.start.replace(tzinfo=None) == device.start.replace(tzinfo=None)
    assert csv.start.tzinfo == dt.UTC and any("taken as UTC" in n for n in csv.notes)
    assert csv.device == "ActiGraph GT3X+" and csv.meta["device_serial"] == "NEO1C04110003"
    # and the analysis does not notice the rounding (the file has no reference for how
    # many walks it holds: a slow, irregular one, split by a 2.7-s pause at 490 s or not)
    a, b = analyze(csv), analyze(device)
    assert len(a.bouts) == len(b.bouts) >= 1
    np.testing.assert_allclose(a.initial_contacts_s, b.initial_contacts_s, atol=1 / 30)


@pytest.mark.shared_data
def test_the_calibrated_export_of_an_agdc_file_reads_as_the_device_file() -> None:
    csv = read_actilife_csv(shared(GT3X_DIR / "WRIST_rawCalibrated_032Hz.csv"))
    decoded = decode_gt3x(shared(GT3X_DIR / "WRIST_rawLSB_032Hz_test.agdc"))
    assert csv.sample_rate_hz == 32.0
    np.testing.assert_allclose(csv.acc, decoded.acc * G, rtol=0, atol=1e-8)
    assert csv.start == dt.datetime(2017, 11, 1, 11, 45, tzinfo=dt.UTC)


@pytest.mark.shared_data
def test_a_count_export_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = shared(GT3X_DIR / "WRIST_rawLSB_032Hz.csv")
    message = raises_one_sentence(
        InvalidInputError, lambda: read_actilife_csv(path), "uncalibrated counts"
    )
    assert "calibrated values in g" in message
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["analyze", str(path), "--out-dir", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("options", "start"),
    [
        ({}, dt.datetime(2021, 12, 20, 11, 55)),
        ({"names": False}, dt.datetime(2021, 12, 20, 11, 55)),
        ({"timestamps": True}, dt.datetime(2021, 12, 20, 11, 55)),
        ({"timestamps": True, "names": False}, dt.datetime(2021, 12, 20, 11, 55)),
        (
            {"date_format": "dd.MM.yyyy", "start_date": "03.02.2022"},
            dt.datetime(2022, 2, 3, 11, 55),
        ),
        ({"date_format": "d/M/yyyy", "start_date": "3/2/2022"}, dt.datetime(2022, 2, 3, 11, 55)),
        (
            {"date_format": "yyyy-MM-dd", "start_date": "2022-02-03"},
            dt.datetime(2022, 2, 3, 11, 55),
        ),
    ],
)
def test_header_variants(
    tmp_path: Path, walk_g: np.ndarray, options: dict, start: dt.datetime
) -> None:
    path = tmp_path / "export.txt"  # detected from the content, not the name
    path.write_text(actilife_text(walk_g, **options))
    assert detect_format(path) == "actigraph_csv"
    rec = read_actilife_csv(path)
    assert rec.n_samples == len(walk_g)
    np.testing.assert_allclose(rec.acc, np.round(walk_g, 3) * G, atol=1e-9)
    assert rec.start == start.replace(tzinfo=dt.UTC)
    assert rec.gyr is None


def test_an_imu_export_keeps_the_gyroscope(tmp_path: Path, walk_g: np.ndarray) -> None:
    gyr = np.column_stack([np.sin(np.arange(len(walk_g)) / 10) * 40, np.zeros(len(walk_g)),
                           np.ones(len(walk_g))])  # fmt: skip
    path = tmp_path / "imu.csv"
    path.write_text(actilife_text(walk_g, gyr=gyr, timestamps=True))
    rec = read_actilife_csv(path)
    assert rec.gyr is not None
    np.testing.assert_allclose(rec.gyr, np.round(gyr, 3), atol=1e-9)


def test_the_clock_is_read_in_the_wearers_time_zone(tmp_path: Path, walk_g: np.ndarray) -> None:
    path = tmp_path / "export.csv"
    path.write_text(actilife_text(walk_g))
    (rec,) = read_recordings(path, time_zone="Europe/Berlin")
    assert rec.start is not None
    assert rec.start.replace(tzinfo=None) == dt.datetime(2021, 12, 20, 11, 55)
    assert rec.start.utcoffset() == dt.timedelta(hours=1)
    assert not any("taken as UTC" in n for n in rec.notes)


def test_an_epoch_export_is_refused(tmp_path: Path, walk_g: np.ndarray) -> None:
    path = tmp_path / "epochs.csv"
    path.write_text(actilife_text(walk_g, epoch="00:01:00"))
    raises_one_sentence(
        InvalidInputError, lambda: read_actilife_csv(path), r"epoch export.*every 00:01:00"
    )


def test_a_bad_value_is_reported_with_its_line(tmp_path: Path, walk_g: np.ndarray) -> None:
    lines = actilife_text(walk_g).splitlines()
    lines[20] = "0.01,abc,0.99"  # line 21 of the file
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    raises_one_sentence(InvalidInputError, lambda: read_actilife_csv(path), r"line 21")


def test_a_damaged_names_line_that_calls_for_more_fields_is_refused(
    tmp_path: Path, walk_g: np.ndarray
) -> None:
    # found by the device fuzz: a names line cut short reads as a timestamped data row,
    # which calls for four fields where the rows have three (one row with a stray fourth
    # field made pandas return the first three columns instead of failing)
    lines = actilife_text(walk_g).splitlines()
    lines[10] = "Accelerometer X,Acce273,-0.042"
    lines[40] += ",0.202"
    path = tmp_path / "damaged.csv"
    path.write_text("\n".join(lines) + "\n")
    raises_one_sentence(
        InvalidInputError, lambda: read_actilife_csv(path), r"3 fields, fewer than the 4.*line 11"
    )


def test_a_start_that_does_not_fit_the_date_format_is_refused(
    tmp_path: Path, walk_g: np.ndarray
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(actilife_text(walk_g, date_format="M/d/yyyy", start_date="2021-12-20"))
    raises_one_sentence(
        InvalidInputError, lambda: read_actilife_csv(path), r"does not match its date format"
    )


def test_analyze_reads_an_export_end_to_end(tmp_path: Path, walk_g: np.ndarray) -> None:
    path = tmp_path / "hip.csv"
    path.write_text(actilife_text(walk_g))
    result = CliRunner().invoke(
        main, ["analyze", str(path), "--json", str(tmp_path / "a.json"), "--time-zone", "UTC"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["recording"]["device"] == "ActiGraph GT3X+"
    assert len(doc["bouts"]) == 1
    assert doc["bouts"][0]["cadence_spm"] == pytest.approx(120, abs=2)


@pytest.mark.parametrize("rate", [0, 99999])
def test_a_header_rate_no_sensor_has_is_refused_with_the_fix(
    tmp_path: Path, walk_g: np.ndarray, rate: int
) -> None:
    """'... gives a sample rate of 0 Hz.' said no fix, and 99999 Hz pointed at
    --sample-rate-hz, which this format does not take."""
    path = tmp_path / "rate.csv"
    path.write_text(actilife_text(walk_g, rate=rate))
    message = raises_one_sentence(
        InvalidInputError, lambda: read_actilife_csv(path), f"sample rate of {rate} Hz"
    )
    assert "export the file from ActiLife again" in message
    assert "--sample-rate-hz" not in message
