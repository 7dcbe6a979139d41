"""Tests of the readers in ``backstride.io`` on the bundled real files and on written files."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import scipy.io as sio

from backstride.exceptions import (
    BackstrideError,
    InputNotFoundError,
    InvalidInputError,
    UnsupportedFormatError,
)
from backstride.io import (
    SUPPORTED_FORMATS,
    companion_files,
    detect_format,
    read_csv,
    read_geneactiv_csv,
    read_ipol_txt,
    read_mobilised_mat,
    read_oxford_phone_csv,
    read_recording,
    read_recordings,
)
from backstride.io._common import GYR_RADS_MAX_P99, gyr_to_dps
from backstride.io.mobilised import METADATA_FILE
from backstride.recording import STANDARD_GRAVITY, Recording
from shared_data import SHARED, shared

from messages import raises_one_sentence

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MOBILISED = DATA / "mobilised-lab"
HA001 = MOBILISED / "HA-001"
GAITPY_DEMO = DATA / "gaitpy-demo" / "demo_data.csv"
OXFORD = DATA / "oxford-phone-steps"
# AGPL data: read in place from the shared folder, never copied into the repository.
IPOL = SHARED / "ipol-lumbar" / "GaitData"
GRAVITY = 9.81


def median_norm(acc: np.ndarray) -> float:
    return float(np.median(np.linalg.norm(acc, axis=1)))


# --------------------------------------------------------------------------- Mobilise-D


@pytest.fixture(scope="module")
def ha001() -> list[Recording]:
    return read_mobilised_mat(HA001 / "data.mat")


def test_mobilised_mat_trials(ha001: list[Recording]) -> None:
    assert [r.name for r in ha001] == ["Test5-Trial1", "Test5-Trial2", "Test11-Trial1"]
    test11 = ha001[2]
    assert test11.n_samples == 13759
    assert test11.sample_rate_hz == 100.0
    assert test11.acc.shape == (13759, 3)
    assert test11.gyr is not None and test11.gyr.shape == (13759, 3)
    assert median_norm(test11.acc) == pytest.approx(GRAVITY, rel=0.03)
    # deg/s: a walk at the lower back turns faster than 10 deg/s at times
    assert np.percentile(np.abs(test11.gyr), 99) > 20
    assert test11.start == dt.datetime(2020, 12, 10, 13, 9, 3, 815000, tzinfo=dt.UTC)
    assert test11.height_m == pytest.approx(1.59)
    assert test11.sensor_height_m == pytest.approx(0.964)
    assert test11.placement == "lower_back"
    assert test11.device == "Mobilise-D MM+"
    assert test11.meta["participant_id"] == "HA-001"
    assert test11.meta["test"] == "Test11" and test11.meta["trial"] == "Trial1"
    assert test11.meta["format"] == "mobilised_mat"


def test_mobilised_mat_matches_imu_csv(ha001: list[Recording]) -> None:
    csv = read_csv(HA001 / "Test11-Trial1.imu.csv", sample_rate_hz=100)
    mat = ha001[2]
    assert csv.n_samples == mat.n_samples
    assert csv.name == "Test11-Trial1"
    # the CSV export used g = 9.81 m/s^2 where we use 9.80665, hence 0.05% apart
    np.testing.assert_allclose(csv.acc, mat.acc, rtol=1e-3, atol=1e-3)
    assert csv.gyr is not None and mat.gyr is not None
    np.testing.assert_allclose(csv.gyr, mat.gyr, rtol=1e-3, atol=1e-3)
    assert any("detected as g" in note for note in csv.notes)
    assert any("detected as deg/s" in note for note in csv.notes)


def _export_pair(tmp_path: Path, trial: str = "Test5-Trial1", **changes: object) -> Path:
    """A copy of a bundled per-trial export (CSV and JSON), the JSON's fields changed."""
    info = json.loads((HA001 / f"{trial}.reference.json").read_text())
    info.update(changes)
    (tmp_path / f"{trial}.reference.json").write_text(json.dumps(info))
    return Path(shutil.copy(HA001 / f"{trial}.imu.csv", tmp_path / f"{trial}.imu.csv"))


def test_mobilised_export_reads_as_its_trial_in_data_mat(ha001: list[Recording]) -> None:
    # no --sample-rate-hz: the rate, the start and the heights are in the JSON beside it
    assert detect_format(HA001 / "Test11-Trial1.imu.csv") == "mobilised_export"
    export = read_recording(HA001 / "Test11-Trial1.imu.csv")
    mat = ha001[2]
    assert export.name == mat.name == "Test11-Trial1"
    assert export.sample_rate_hz == mat.sample_rate_hz == 100.0
    assert export.n_samples == mat.n_samples
    np.testing.assert_allclose(export.acc, mat.acc, rtol=1e-3, atol=1e-3)
    assert export.start == mat.start  # the same instant (written with its +01:00 offset)
    assert export.height_m == pytest.approx(mat.height_m)
    assert export.sensor_height_m == pytest.approx(mat.sensor_height_m)
    assert export.meta["format"] == "mobilised_export"
    assert export.meta["participant_id"] == "HA-001"
    assert export.meta["time_zone"] == "Europe/Berlin"
    assert "sample rate 100 Hz from Test11-Trial1.reference.json" in export.notes


def test_mobilised_export_options_and_a_bad_sidecar(tmp_path: Path) -> None:
    csv = _export_pair(tmp_path)
    given = read_recording(csv, sample_rate_hz=100, height_m=1.8, sensor_height_m=1.0)
    assert (given.height_m, given.sensor_height_m) == (1.8, 1.0)
    raises_one_sentence(
        InvalidInputError, lambda: read_recording(csv, sample_rate_hz=50), "says 100 Hz"
    )
    _export_pair(tmp_path, sample_rate_hz="fast")
    raises_one_sentence(InvalidInputError, lambda: read_recording(csv), "sample_rate_hz")
    _export_pair(tmp_path, sample_rate_hz=None)
    raises_one_sentence(InvalidInputError, lambda: read_recording(csv), "--sample-rate-hz")
    assert read_recording(csv, sample_rate_hz=100).n_samples == 1246
    for slow in (10, 1e-9):  # 1e-9 Hz once failed inside the gyroscope unit check's filter
        _export_pair(tmp_path, sample_rate_hz=slow)
        raises_one_sentence(InvalidInputError, lambda: read_recording(csv), "at least 20 Hz")
    _export_pair(tmp_path, timezone="Mars/Olympus_Mons")
    odd_zone = read_recording(csv)
    assert odd_zone.start == given.start  # the instant from the start's own offset
    assert any(
        "'Mars/Olympus_Mons' in Test5-Trial1.reference.json is unknown" in n for n in odd_zone.notes
    )
    _export_pair(tmp_path, start_datetime="2020-12-10T13:57:44")
    raises_one_sentence(InvalidInputError, lambda: read_recording(csv), "offset")
    # a CSV with a time of its own is a generic CSV whatever the JSON says
    timed = csv.with_name("timed.imu.csv")
    timed.write_text(csv.read_text().replace("samples,", "time_s,", 1))
    shutil.copy(csv.with_name("Test5-Trial1.reference.json"), csv.with_name("timed.reference.json"))
    assert detect_format(timed) == "generic_csv"
    # a JSON without a rate is not this layout's sidecar: a CSV like any other
    (tmp_path / "Test5-Trial1.reference.json").write_text("{}")
    assert detect_format(csv) == "generic_csv"
    raises_one_sentence(InvalidInputError, lambda: read_recording(csv), "--sample-rate-hz")
    assert read_recording(csv, sample_rate_hz=100).start is None


def test_mobilised_heights_from_participant_json(tmp_path: Path) -> None:
    folder = tmp_path / "HA-002"
    folder.mkdir()
    shutil.copy(MOBILISED / "HA-002" / "data.mat", folder / "data.mat")
    no_info = read_mobilised_mat(folder / "data.mat")
    assert all(r.height_m is None and r.sensor_height_m is None for r in no_info)
    shutil.copy(MOBILISED / "participant_metadata.json", tmp_path / "participant_metadata.json")
    recordings = read_mobilised_mat(folder / "data.mat")
    assert [r.name for r in recordings] == ["Test5-Trial1", "Test5-Trial2", "Test11-Trial1"]
    assert all(r.height_m == pytest.approx(1.75) for r in recordings)
    assert all(r.sensor_height_m == pytest.approx(1.08) for r in recordings)
    assert any("participant_metadata.json" in note for note in recordings[0].notes)


def test_mobilised_heights_in_mobgaps_cohort_folders(tmp_path: Path) -> None:
    """mobgap's example data lies in ``<cohort>/<number>/data.mat`` with the JSON beside the
    cohort folders: the participant was not known, so stride length and speed were left out
    of every trial's validation. The technical validation study adds a ``Laboratory`` or
    ``Free-living`` folder below the participant's."""
    folder = tmp_path / "lab" / "HA" / "002"
    folder.mkdir(parents=True)
    shutil.copy(MOBILISED / "HA-002" / "data.mat", folder / "data.mat")
    shutil.copy(MOBILISED / "participant_metadata.json", tmp_path / "lab" / METADATA_FILE)
    recordings = read_mobilised_mat(folder / "data.mat")
    assert all(r.height_m == pytest.approx(1.75) for r in recordings)
    assert all(r.sensor_height_m == pytest.approx(1.08) for r in recordings)
    assert {r.meta["participant_id"] for r in recordings} == {"HA-002"}
    # and the record of a run names the JSON the heights came from
    assert companion_files(folder / "data.mat") == [tmp_path / "lab" / METADATA_FILE]
    # the technical validation study's <cohort>/<participant>/Laboratory/data.mat
    lab = tmp_path / "lab" / "HA" / "002" / "Laboratory"
    lab.mkdir()
    shutil.copy(folder / "data.mat", lab / "data.mat")
    recordings = read_mobilised_mat(lab / "data.mat")
    assert all(r.sensor_height_m == pytest.approx(1.08) for r in recordings)
    assert {r.meta["participant_id"] for r in recordings} == {"HA-002"}
    assert companion_files(lab / "data.mat") == [tmp_path / "lab" / METADATA_FILE]
    # a digits-only folder whose parent is no cohort name is no participant
    other = tmp_path / "2024-05" / "002"
    other.mkdir(parents=True)
    shutil.copy(folder / "data.mat", other / "data.mat")
    assert all(r.height_m is None for r in read_mobilised_mat(other / "data.mat"))


def _mobilised_mat(path: Path, *, participant: dict[str, float] | None = None) -> None:
    n = 300
    rng = np.random.default_rng(1)
    acc = np.column_stack([np.ones(n), np.zeros(n), np.zeros(n)]) + rng.normal(0, 0.05, (n, 3))
    lower_back = {
        "Acc": acc,
        "Gyr": rng.normal(0, 30, (n, 3)),
        "Timestamp": 1_600_000_000.0 + np.arange(n) / 100,
        "Fs": 100,
    }
    content: dict[str, object] = {
        "data": {"TimeMeasure1": {"Test1": {"Trial2": {"SU": {"LowerBack": lower_back}}}}}
    }
    if participant is not None:
        content["Participant"] = participant
    sio.savemat(path, content)


def test_mobilised_participant_struct_and_scalar_fs(tmp_path: Path) -> None:
    path = tmp_path / "data.mat"
    _mobilised_mat(path, participant={"Height": 181.0, "SensorHeight": 101.5})
    (recording,) = read_recordings(path)
    assert recording.name == "Test1-Trial2"
    assert recording.sample_rate_hz == 100
    assert recording.height_m == pytest.approx(1.81)
    assert recording.sensor_height_m == pytest.approx(1.015)
    assert recording.start == dt.datetime.fromtimestamp(1_600_000_000, tz=dt.UTC)
    assert read_recording(path).name == "Test1-Trial2"


def _lower_back_only(path: Path, lower_back: dict[str, object]) -> None:
    sio.savemat(
        path, {"data": {"TimeMeasure1": {"Test1": {"Trial1": {"SU": {"LowerBack": lower_back}}}}}}
    )


def test_mobilised_gyroscope_at_its_own_rate_is_resampled_to_the_accelerometer(
    tmp_path: Path,
) -> None:
    """``Fs`` as a per-sensor struct (``Fs.Acc``, ``Fs.Gyr``), as the validation study stores it."""
    t_acc = np.arange(1000) / 100.0
    t_gyr = np.arange(500) / 50.0
    gyr = np.column_stack([10 * np.sin(2 * np.pi * t_gyr), 5 * t_gyr, np.full(500, -3.0)])
    acc = np.column_stack([np.ones(1000), np.zeros(1000), np.zeros(1000)])
    path = tmp_path / "data.mat"
    _lower_back_only(path, {"Acc": acc, "Gyr": gyr, "Fs": {"Acc": 100, "Gyr": 50}})
    (rec,) = read_recordings(path)
    assert rec.sample_rate_hz == 100
    assert rec.gyr is not None and rec.gyr.shape == (1000, 3)
    inside = t_acc <= t_gyr[-1]
    assert np.allclose(rec.gyr[inside, 0], 10 * np.sin(2 * np.pi * t_acc[inside]), atol=0.25)
    assert np.allclose(rec.gyr[inside, 1], 5 * t_acc[inside])
    assert any("gyroscope resampled from 50 Hz to 100 Hz" in note for note in rec.notes)


def test_mobilised_gyroscope_is_not_extended_or_made_up(tmp_path: Path) -> None:
    """A gyroscope at its own rate that stops early cuts the trial there; one too slow to
    follow a step (under 20 Hz) is left out. Both used to be resampled regardless: the first
    held its last value over the rest of the trial, the second was stretched over it."""
    acc = np.column_stack([np.ones(1000), np.zeros(1000), np.zeros(1000)])
    path = tmp_path / "data.mat"
    gyr = np.column_stack([np.arange(300.0), np.zeros(300), np.zeros(300)])  # 6 s at 50 Hz
    _lower_back_only(path, {"Acc": acc, "Gyr": gyr, "Fs": {"Acc": 100, "Gyr": 50}})
    (rec,) = read_recordings(path)
    assert rec.gyr is not None and rec.acc.shape == rec.gyr.shape == (600, 3)
    assert rec.gyr[-1, 0] == pytest.approx(299.0, abs=0.5)  # the last reading, not held on
    assert any("gyroscope ends after 5.98 s" in note for note in rec.notes)
    _lower_back_only(path, {"Acc": acc, "Gyr": gyr, "Fs": {"Acc": 100, "Gyr": 0.5}})
    (rec,) = read_recordings(path)
    assert rec.gyr is None and rec.n_samples == 1000
    assert any("gyroscope left out: its rate, 0.5 Hz" in note for note in rec.notes)


def test_mobilised_sensors_of_unequal_length_are_cut_to_the_shorter_and_say_so(
    tmp_path: Path,
) -> None:
    acc = np.column_stack([np.ones(1000), np.zeros(1000), np.zeros(1000)])
    gyr = np.zeros((990, 3))
    path = tmp_path / "data.mat"
    _lower_back_only(path, {"Acc": acc, "Gyr": gyr, "Fs": {"Acc": 100, "Gyr": 100}})
    (rec,) = read_recordings(path)
    assert rec.acc.shape == (990, 3) and rec.gyr is not None and rec.gyr.shape == (990, 3)
    assert any("1000 and 990 samples; both were cut to 990" in note for note in rec.notes)


def test_mobilised_start_from_start_date_time_when_there_are_no_timestamps(
    tmp_path: Path,
) -> None:
    acc = np.column_stack([np.ones(1000), np.zeros(1000), np.zeros(1000)])
    path = tmp_path / "data.mat"
    trial = {
        "SU": {"LowerBack": {"Acc": acc, "Fs": 100}},
        "StartDateTime": "2021-03-04T10:20:30+01:00",
    }
    sio.savemat(path, {"data": {"TimeMeasure1": {"Test1": {"Trial1": trial}}}})
    (rec,) = read_recordings(path)
    assert rec.start == dt.datetime(2021, 3, 4, 9, 20, 30, tzinfo=dt.UTC)


def test_read_recording_refuses_several(ha001: list[Recording]) -> None:
    raises_one_sentence(
        InvalidInputError, lambda: read_recording(HA001 / "data.mat"), "3 recordings"
    )


def test_mat_without_mobilised_layout(tmp_path: Path) -> None:
    raises_one_sentence(
        InvalidInputError, lambda: read_recordings(HA001 / "infoForAlgo.mat"), "data struct"
    )
    path = tmp_path / "other.mat"
    sio.savemat(path, {"data": {"Something": np.arange(3.0)}})
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "SU.LowerBack")


def test_truncated_mat(tmp_path: Path) -> None:
    content = (HA001 / "data.mat").read_bytes()
    path = tmp_path / "broken.mat"
    for length in (200, 5000, 500_000):
        path.write_bytes(content[:length])
        raises_one_sentence(InvalidInputError, lambda: read_recordings(path))


def test_mat_v73_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "v73.mat"
    path.write_bytes(b"MATLAB 7.3 MAT-file, Platform: GLNXA64" + b" " * 100 + b"\x89HDF\r\n")
    raises_one_sentence(UnsupportedFormatError, lambda: read_recordings(path), "-v7")


# --------------------------------------------------------------------------- IPOL / Xsens


def _ipol_text(counter: np.ndarray, rate: str = "100") -> str:
    n = counter.size
    t = counter / 100
    acc = np.column_stack([9.81 + 0.5 * np.sin(2 * np.pi * t), 0.1 * t, np.zeros(n)])
    gyr = np.column_stack([np.full(n, 0.5), np.zeros(n), -np.ones(n)])
    lines = [
        f"Acquisition frequency: {rate} Hz",
        "\t".join(["PacketCounter"] + [f"{s}_{a}" for s in ("Acc", "Gyr", "Mag") for a in "XYZ"]),
    ]
    for k in range(n):
        cells = [f"{counter[k]:.1f}", *(f"{v:.6f}" for v in (*acc[k], *gyr[k], 0.1, 0.2, 0.3))]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def test_ipol_synthetic_fills_dropped_packets(tmp_path: Path) -> None:
    counter = np.concatenate([np.arange(0, 300), np.arange(303, 600)]).astype(float)
    path = tmp_path / "9-2_lb.txt"
    path.write_text(_ipol_text(counter))
    (tmp_path / "9-2.json").write_text(json.dumps({"Subject": 9, "Trial": 2, "Height": 168.0}))
    recording = read_recordings(path)[0]
    assert detect_format(path) == "xsens_ipol"
    assert recording.n_samples == 600
    assert recording.sample_rate_hz == 100
    assert recording.name == "9-2"
    assert recording.height_m == pytest.approx(1.68)
    assert recording.meta["participant_id"] == "9" and recording.meta["first_sample_index"] == 0
    assert recording.gyr is not None
    np.testing.assert_allclose(recording.gyr[:, 0], np.degrees(0.5))
    np.testing.assert_allclose(recording.acc[:, 1], 0.1 * np.arange(600) / 100, atol=1e-5)
    assert any("3 dropped packets" in note for note in recording.notes)


def test_ipol_a_repeated_packet_keeps_its_first_line(tmp_path: Path) -> None:
    """Trial 11-1 of the data set (not bundled) has packet 308 on two lines with different
    readings, then 309, 310; the whole file was refused: "The PacketCounter column does not
    increase on line 312"."""
    counter = np.concatenate([np.arange(0, 309), np.arange(308, 600)]).astype(float)
    text = _ipol_text(counter)
    lines = text.splitlines()
    # the repeated line (file line 312) carries other readings than the first packet 308
    cells = lines[311].split("\t")
    assert cells[0] == "308.0" == lines[310].split("\t")[0]
    cells[1] = "9.999999"
    lines[311] = "\t".join(cells)
    path = tmp_path / "9-2_lb.txt"
    path.write_text("\n".join(lines) + "\n")
    recording = read_ipol_txt(path)
    assert recording.n_samples == 600  # packets 0-599, one each
    # packet 308 reads as its first line; the repeat's 9.999999 is nowhere
    assert recording.acc[308, 0] == pytest.approx(9.81 + 0.5 * np.sin(2 * np.pi * 3.08), abs=1e-6)
    assert not np.isclose(recording.acc[:, 0], 9.999999).any()
    np.testing.assert_allclose(recording.acc[:, 1], 0.1 * np.arange(600) / 100, atol=1e-5)
    note = "1 packet number stood on two lines (first on line 312)"
    assert any(note in n for n in recording.notes)


@pytest.mark.parametrize("first", [0, 65_300, 65_235])
def test_ipol_a_late_packet_is_put_back_in_place(first: int, tmp_path: Path) -> None:
    """A wireless MTw packet that reached the software late stands after its successors;
    the file was refused ("The PacketCounter column does not increase on line 306"). From
    65,300 on, the 16-bit counter wraps before the late packet; from 65,235 on, the late
    packet (65,535) is the last before the wrap and arrives after 0, 1 and 2."""
    packets = np.arange(first, first + 600)
    late = np.concatenate([packets[:300], packets[301:304], packets[300:301], packets[304:]])
    text = _ipol_text(late % 65_536.0)
    path = tmp_path / "9-2_lb.txt"
    path.write_text(text)
    in_order = tmp_path / "in_order" / "9-2_lb.txt"
    in_order.parent.mkdir()
    in_order.write_text(_ipol_text(packets % 65_536.0))
    recording, reference = read_ipol_txt(path), read_ipol_txt(in_order)
    assert recording.n_samples == 600  # nothing filled, nothing lost
    np.testing.assert_array_equal(recording.acc, reference.acc)
    assert recording.meta["first_sample_index"] == first
    note = "1 packet stood after later ones (first on line 306) and were put back"
    assert any(note in n for n in recording.notes), recording.notes


def test_ipol_two_recordings_joined_are_not_interleaved(tmp_path: Path) -> None:
    """A counter that restarts and runs on is a second recording, not late packets: sorting
    would interleave the two, so the file is refused at the line to split it."""
    counter = np.concatenate([np.arange(300.0), np.arange(300.0)])
    path = tmp_path / "9-2_lb.txt"
    path.write_text(_ipol_text(counter))
    raises_one_sentence(
        InvalidInputError, lambda: read_ipol_txt(path), "split the file at that line"
    )


def test_ipol_a_counter_that_repeats_often_is_refused(tmp_path: Path) -> None:
    """Past 1% of the lines a repeated packet number is a broken export, not a glitch."""
    counter = np.repeat(np.arange(300.0), 2)[:600]
    path = tmp_path / "9-2_lb.txt"
    path.write_text(_ipol_text(counter))
    raises_one_sentence(
        InvalidInputError, lambda: read_ipol_txt(path), "repeats its PacketCounter on 300 of 600"
    )


@pytest.mark.parametrize(
    ("stated", "rate_hz"), [("1,000", 1000.0), ("100,0", 100.0), ("100", 100.0)]
)
def test_ipol_rate_with_a_comma(tmp_path: Path, stated: str, rate_hz: float) -> None:
    """``1,000 Hz`` was read as 1.000 Hz and refused as too slow to find steps in."""
    path = tmp_path / "9-2_lb.txt"
    path.write_text(_ipol_text(np.arange(3000.0), rate=stated))
    assert read_ipol_txt(path).sample_rate_hz == rate_hz


def test_ipol_bad_rate_line(tmp_path: Path) -> None:
    path = tmp_path / "x_lb.txt"
    path.write_text(_ipol_text(np.arange(100.0)).replace("Acquisition frequency: 100 Hz", "?"))
    raises_one_sentence(InvalidInputError, lambda: read_ipol_txt(path), "Acquisition frequency")


@pytest.mark.shared_data
def test_ipol_real_files() -> None:
    recording = read_recordings(shared(IPOL) / "1-1_lb.txt")[0]
    assert recording.sample_rate_hz == 100
    # 2913 rows, 124 dropped packets filled
    assert recording.n_samples == 3037
    assert recording.height_m == pytest.approx(1.75)
    assert recording.gyr is not None and np.percentile(np.abs(recording.gyr), 99) > 20
    # Xsens MTw calibrations read about 1.03 g here, hence the wider band
    assert median_norm(recording.acc) == pytest.approx(GRAVITY, rel=0.05)
    for path in sorted(IPOL.glob("*_lb.txt"))[:8]:
        other = read_ipol_txt(path)
        assert other.acc.shape[1] == 3 and other.sample_rate_hz == 100


# --------------------------------------------------------------------------- GENEActiv


def test_geneactiv_demo() -> None:
    recording = read_recordings(GAITPY_DEMO)[0]
    assert detect_format(GAITPY_DEMO) == "geneactiv_csv"
    assert recording.device == "GENEActiv"
    assert recording.sample_rate_hz == 50
    assert recording.gyr is None
    # 8400 rows with one 0.52 s gap filled: 168.5 s
    assert recording.n_samples == 8425
    assert recording.duration_s == pytest.approx(168.5)
    tz = dt.timezone(-dt.timedelta(hours=4))
    assert recording.start == dt.datetime(2019, 8, 6, 10, 25, 50, tzinfo=tz)
    assert recording.placement == "lower_back"
    assert median_norm(recording.acc) == pytest.approx(GRAVITY, rel=0.03)


def _geneactiv_text(zone_line: str | None, n: int = 300, rate: int = 100) -> str:
    header = ["Device Type,GENEActiv", "Device Model,1.1", f"Measurement Frequency,{rate} Hz"]
    header += [zone_line] if zone_line else []
    header += ["Device Location Code,left wrist", "Height,172", "Units,g"]
    header += [""] * (100 - len(header))
    start = dt.datetime(2021, 3, 1, 9, 0, 0)
    rows = []
    for k in range(n):
        stamp = start + dt.timedelta(milliseconds=k * 1000 // rate)
        text = stamp.strftime("%Y-%m-%d %H:%M:%S:") + f"{stamp.microsecond // 1000:03d}"
        rows.append(f"{text},0.0100,-0.9900,0.0500,0,0,25.0")
    return "\r\n".join(header + rows) + "\r\n"


def test_geneactiv_time_zone_and_fallback(tmp_path: Path) -> None:
    path = tmp_path / "wrist.csv"
    path.write_text(_geneactiv_text("Time Zone,GMT +01:00"))
    recording = read_geneactiv_csv(path)
    assert recording.start == dt.datetime(
        2021, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )
    assert recording.placement == "wrist"
    assert recording.height_m == pytest.approx(1.72)
    assert recording.sample_rate_hz == 100 and recording.n_samples == 300
    path.write_text(_geneactiv_text(None))
    recording = read_recordings(path)[0]
    assert recording.start == dt.datetime(2021, 3, 1, 9, 0, tzinfo=dt.UTC)
    assert any("UTC" in note for note in recording.notes)


def test_geneactiv_bad_time_and_rate(tmp_path: Path) -> None:
    path = tmp_path / "bad_time.csv"
    lines = _geneactiv_text("Time Zone,GMT +01:00").split("\r\n")
    lines[150] = "2021-03-01 09:00:0x:500,0.01,-0.99,0.05,0,0,25.0"
    path.write_text("\r\n".join(lines))
    raises_one_sentence(InvalidInputError, lambda: read_geneactiv_csv(path), "line 151")
    path.write_text(_geneactiv_text(None).replace("Frequency,100 Hz", "Frequency,50 Hz"))
    raises_one_sentence(InvalidInputError, lambda: read_geneactiv_csv(path), "50 Hz")


def test_geneactiv_exports_written_otherwise_read_the_same(tmp_path: Path) -> None:
    """The demo export with LF line endings, a byte-order mark, only the x, y, z columns, or
    a point before the milliseconds (``10:25:50.000``, as software that saves the file again
    writes it; it was refused as having no data rows): the same samples."""
    original = read_geneactiv_csv(GAITPY_DEMO)
    text = GAITPY_DEMO.read_bytes().decode("latin-1")
    lines = text.split("\r\n")
    rows = [k for k, line in enumerate(lines) if line[:4].isdigit()]
    point = [f"{line[:19]}.{line[20:]}" if k in rows else line for k, line in enumerate(lines)]
    xyz = [",".join(line.split(",")[:4]) if k in rows else line for k, line in enumerate(lines)]
    variants = {
        "lf.csv": text.replace("\r\n", "\n").encode("latin-1"),
        "bom.csv": text.encode("utf-8-sig"),
        "xyz.csv": "\r\n".join(xyz).encode("latin-1"),
        "point.csv": "\r\n".join(point).encode("latin-1"),
    }
    for name, content in variants.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert detect_format(path) == "geneactiv_csv", name
        recording = read_geneactiv_csv(path)
        assert recording.start == original.start, name
        np.testing.assert_array_equal(recording.acc, original.acc, err_msg=name)


# --------------------------------------------------------------------------- Oxford phone


@pytest.mark.parametrize("path", sorted(OXFORD.glob("*.csv")), ids=lambda p: p.stem)
def test_oxford_phone(path: Path) -> None:
    recording = read_recordings(path)[0]
    assert detect_format(path) == "oxford_phone"
    assert recording.sample_rate_hz == 100
    assert recording.gyr is None
    assert 180 < recording.duration_s < 220
    token = path.stem.split("_")[1]
    assert recording.placement == token
    assert recording.device == "Samsung S6 (Oxford step-counter set)"
    assert recording.start is not None and recording.start.tzinfo is not None
    assert recording.start.year == 2017
    steps = recording.meta["reference_steps"]
    assert isinstance(steps, int) and steps > 0
    assert isinstance(recording.meta["hardware_steps"], int)
    # a phone carried while walking: near 1 g, with more motion than a trunk sensor
    assert median_norm(recording.acc) == pytest.approx(GRAVITY, rel=0.1)


def test_oxford_drops_leading_zeros_and_duplicates(tmp_path: Path) -> None:
    rows = ["1000000000000,0.0,0.0,0.0,0,0,0"]
    t = 1_000_010_000_000
    for k in range(3000):
        jitter = (k % 3 - 1) * 1_000_000
        rows.append(f"{t + k * 10_000_000 + jitter},0.1,9.8,0.2,{k // 50},{k // 60},0")
    rows.insert(10, rows[9])  # a repeated timestamp
    path = tmp_path / "user7_bag_1600000000000.csv"
    path.write_text("\n".join(rows) + "\n")
    recording = read_oxford_phone_csv(path)
    assert recording.placement == "bag"
    assert recording.meta["reference_steps"] == 2999 // 60
    assert recording.meta["participant_id"] == "user7"
    assert recording.start == dt.datetime.fromtimestamp(1_600_000_000, tz=dt.UTC)
    np.testing.assert_allclose(recording.acc[:, 1], 9.8)
    assert any("leading rows" in note for note in recording.notes)
    assert any("did not advance" in note for note in recording.notes)


@pytest.mark.parametrize(("divisor", "unit"), [(1000, "microseconds"), (1_000_000, "milliseconds")])
def test_oxford_clock_in_other_units_reads_the_same_walk(
    tmp_path: Path, divisor: int, unit: str
) -> None:
    """The same log with its clock in microseconds or milliseconds: the same samples."""
    source = OXFORD / "user1_hand_1506421989895.csv"
    frame = pd.read_csv(source, header=None)
    frame[0] = frame[0] // divisor
    path = tmp_path / source.name
    frame.to_csv(path, header=False, index=False)
    original, rescaled = read_oxford_phone_csv(source), read_oxford_phone_csv(path)
    assert any(f"timestamps read as {unit}" in note for note in rescaled.notes)
    n = min(original.acc.shape[0], rescaled.acc.shape[0])
    assert abs(original.acc.shape[0] - rescaled.acc.shape[0]) <= 1
    # whole-millisecond stamps move samples by up to 1 ms: a tenth of a sample at 100 Hz
    assert np.median(np.abs(original.acc[:n] - rescaled.acc[:n])) < 0.05


def test_oxford_clock_that_fits_no_unit_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "user1_hand_1506421989895.csv"
    # 2e9 ticks per row: 2 s in nanoseconds, longer still in the other units
    path.write_text("".join(f"{k * 2_000_000_000},0.1,9.8,0.2,0,0,0\n" for k in range(500)))
    raises_one_sentence(
        InvalidInputError, lambda: read_oxford_phone_csv(path), r"median of 2e\+09 per row"
    )


def test_oxford_too_few_columns(tmp_path: Path) -> None:
    path = tmp_path / "user1_hand_1506421989895.csv"
    path.write_text(
        "".join(f"{1_000_000_000_000 + k * 10_000_000},0.1,9.8,0.2\n" for k in range(50))
    )
    raises_one_sentence(InvalidInputError, lambda: read_oxford_phone_csv(path), "7")


# --------------------------------------------------------------------------- generic CSV


N_SAMPLES = 1500
RATE = 100.0
START = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))


@pytest.fixture(scope="module")
def truth() -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(N_SAMPLES) / RATE
    acc = np.column_stack(
        [
            STANDARD_GRAVITY + 2.0 * np.sin(2 * np.pi * 1.8 * t),
            0.8 * np.sin(2 * np.pi * 0.9 * t),
            0.5 * np.cos(2 * np.pi * 1.8 * t),
        ]
    )
    gyr = np.column_stack(
        [40 * np.sin(2 * np.pi * 0.9 * t), 25 * np.cos(2 * np.pi * 1.8 * t), 10 * np.ones_like(t)]
    )
    return acc, gyr


def _write(path: Path, columns: dict[str, object]) -> Path:
    pd.DataFrame(columns).to_csv(path, index=False, float_format="%.10g")
    return path


TIME_BASES = ["time_s", "iso_offset", "iso_naive", "unix_s", "unix_ms", "samples", "none"]


@pytest.mark.parametrize("unit", ["g", "mps2"])
@pytest.mark.parametrize("base", TIME_BASES)
def test_generic_round_trip(
    tmp_path: Path, truth: tuple[np.ndarray, np.ndarray], unit: str, base: str
) -> None:
    acc, gyr = truth
    scale = 1 / STANDARD_GRAVITY if unit == "g" else 1.0
    t = np.arange(N_SAMPLES) / RATE
    columns: dict[str, object] = {}
    expected_start: dt.datetime | None = None
    options: dict[str, float] = {}
    if base == "time_s":
        columns["time_s"] = t + 12.5
    elif base in {"iso_offset", "iso_naive"}:
        stamps = [START + dt.timedelta(milliseconds=10 * k) for k in range(N_SAMPLES)]
        if base == "iso_naive":
            stamps = [s.replace(tzinfo=None) for s in stamps]
            expected_start = START.replace(tzinfo=None).replace(tzinfo=dt.UTC)
        else:
            expected_start = START
        columns["timestamp"] = [s.isoformat(timespec="milliseconds") for s in stamps]
    elif base == "unix_s":
        columns["timestamp"] = [f"{START.timestamp() + v:.3f}" for v in t]
        expected_start = START.astimezone(dt.UTC)
    elif base == "unix_ms":
        columns["timestamp"] = (round(START.timestamp() * 1000) + 10 * np.arange(N_SAMPLES)).astype(
            np.int64
        )
        expected_start = START.astimezone(dt.UTC)
    elif base == "samples":
        columns["samples"] = np.arange(N_SAMPLES)
        options["sample_rate_hz"] = RATE
    else:
        options["sample_rate_hz"] = RATE
    for k, axis in enumerate("xyz"):
        columns[f"acc_{axis}"] = acc[:, k] * scale
    for k, axis in enumerate("xyz"):
        columns[f"gyr_{axis}"] = gyr[:, k]
    path = _write(tmp_path / f"walk_{base}_{unit}.csv", columns)

    assert detect_format(path) == "generic_csv"
    recording = read_recording(path, **options)
    assert recording.sample_rate_hz == RATE
    assert recording.n_samples == N_SAMPLES
    np.testing.assert_allclose(recording.acc, acc, rtol=1e-7, atol=1e-6)
    assert recording.gyr is not None
    np.testing.assert_allclose(recording.gyr, gyr, rtol=1e-7, atol=1e-6)
    assert recording.start == expected_start
    if expected_start is not None:
        assert recording.start is not None
        assert recording.start.utcoffset() == expected_start.utcoffset()
    unit_text = "g" if unit == "g" else "m/s^2"
    assert any(f"detected as {unit_text} " in note for note in recording.notes)
    assert recording.name == f"walk_{base}_{unit}"


def test_generic_units_given_and_rad_s(
    tmp_path: Path, truth: tuple[np.ndarray, np.ndarray]
) -> None:
    acc, gyr = truth
    columns: dict[str, object] = {"time_s": np.arange(N_SAMPLES) / RATE}
    for k, axis in enumerate("xyz"):
        columns[f"ACC_{axis.upper()}"] = acc[:, k] / STANDARD_GRAVITY
        columns[f" gyr_{axis} "] = np.radians(gyr[:, k])
    path = _write(tmp_path / "units.csv", columns)
    detected = read_csv(path)
    assert detected.gyr is not None
    np.testing.assert_allclose(detected.gyr, gyr, rtol=1e-7, atol=1e-6)
    assert any("detected as rad/s" in note for note in detected.notes)
    given = read_csv(path, acc_unit="g", gyr_unit="rads", height_m=1.8, sensor_height_m=1.0)
    np.testing.assert_allclose(given.acc, acc, rtol=1e-7, atol=1e-6)
    assert given.height_m == 1.8 and given.sensor_height_m == 1.0
    assert not any("detected" in note for note in given.notes)


def _daily_life_in_a_still_day(still_s: float) -> tuple[np.ndarray, np.ndarray, float]:
    """HA-001's 2.3-min daily-life trial (deg/s) between hours at rest, as a day would hold it.

    At rest the gyroscope reads its bias plus noise; the trial's sit-to-stands and turns
    are then under 2% of the samples, too few to lift the 99th percentile above 10 deg/s.
    """
    trial = pd.read_csv(ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv")
    acc = trial[["acc_x", "acc_y", "acc_z"]].to_numpy() * STANDARD_GRAVITY
    gyr = trial[["gyr_x", "gyr_y", "gyr_z"]].to_numpy()
    fs = 100.0
    rng = np.random.default_rng(7)
    n = int(still_s * fs / 2)
    bias = np.array([0.4, -0.3, 0.2])

    def rest(at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return at + rng.normal(0, 0.02, (n, 3)), bias + rng.normal(0, 0.15, (n, 3))

    (a0, g0), (a1, g1) = rest(acc[:50].mean(axis=0)), rest(acc[-50:].mean(axis=0))
    return np.vstack([a0, acc, a1]), np.vstack([g0, gyr + bias, g1]), fs


@pytest.mark.parametrize("mirrored", [False, True])
def test_gyroscope_unit_of_a_mostly_still_day_is_told_from_how_gravity_turns(
    mirrored: bool,
) -> None:
    """The size rule alone reads such a day in deg/s as rad/s (57 times too fast)."""
    acc, gyr_dps, fs = _daily_life_in_a_still_day(2 * 3600)
    if mirrored:  # axes relabelled into a mirror image: the unit is still told
        acc[:, 1] *= -1
        gyr_dps[:, 1] *= -1
    assert np.percentile(np.abs(gyr_dps), 99) < GYR_RADS_MAX_P99  # the hard case
    as_dps, note = gyr_to_dps(gyr_dps, None, acc, fs)
    assert as_dps is gyr_dps and note is not None and "detected as deg/s" in note
    from_rads, note = gyr_to_dps(np.radians(gyr_dps), None, acc, fs)
    assert from_rads is not None and note is not None and "detected as rad/s" in note
    np.testing.assert_allclose(from_rads, gyr_dps, atol=1e-9)


def test_gyroscope_unit_is_told_from_turning_across_dropped_samples() -> None:
    """Runs of NaN (5% of a still day, as a logger's dropouts) do not hand it to the size rule."""
    acc, gyr_dps, fs = _daily_life_in_a_still_day(2 * 3600)
    rng = np.random.default_rng(3)
    for start in rng.choice(acc.shape[0] - 200, size=int(0.05 * acc.shape[0] / 100)):
        acc[start : start + 100] = np.nan
        gyr_dps[start + 50 : start + 150] = np.nan
    assert 0.9 < np.isfinite(gyr_dps).all(axis=1).mean() < 0.96
    as_dps, note = gyr_to_dps(gyr_dps, None, acc, fs)
    assert as_dps is gyr_dps and note is not None and "detected as deg/s: only" in note
    from_rads, note = gyr_to_dps(np.radians(gyr_dps), None, acc, fs)
    assert note is not None and "detected as rad/s: only" in note
    np.testing.assert_allclose(from_rads, gyr_dps, atol=1e-9)  # NaN where the file has NaN
    # more gaps than the analysis would bridge: the turning is not trusted
    gyr_dps[: int(0.2 * gyr_dps.shape[0])] = np.nan
    _, note = gyr_to_dps(gyr_dps, None, acc, fs)
    assert note is not None and "99th percentile" in note


def test_gyroscope_unit_without_tilting_falls_back_on_the_size_of_the_readings() -> None:
    """A gyroscope whose readings do not follow the accelerometer's tilt says nothing by turning."""
    acc, gyr_dps, fs = _daily_life_in_a_still_day(600)
    shuffled = np.random.default_rng(1).permutation(gyr_dps)  # the same readings, unrelated
    _, note = gyr_to_dps(shuffled, None, acc, fs)
    assert note is not None and "99th percentile" in note and "deg/s" in note


def test_a_daily_life_csv_in_deg_s_reads_as_deg_s(tmp_path: Path) -> None:
    acc, gyr_dps, _ = _daily_life_in_a_still_day(600)
    columns: dict[str, object] = {"time_s": np.arange(acc.shape[0]) / 100.0}
    for k, axis in enumerate("xyz"):
        columns[f"acc_{axis}"] = acc[:, k] / STANDARD_GRAVITY
        columns[f"gyr_{axis}"] = gyr_dps[:, k]
    recording = read_csv(_write(tmp_path / "day.csv", columns))
    assert recording.gyr is not None
    np.testing.assert_allclose(recording.gyr, gyr_dps, rtol=1e-7, atol=1e-6)
    assert any("detected as deg/s: only in that unit" in note for note in recording.notes)


@pytest.mark.parametrize("second", ["acc_x", "ACC_X", " acc_x "])
def test_generic_csv_with_a_signal_column_twice_is_one_sentence(
    tmp_path: Path, second: str
) -> None:
    """Reading the first of two acc_x columns silently could analyse the wrong signal."""
    rows = "".join(f"{k / 100:.2f},1,0,0,0.5\n" for k in range(600))
    path = tmp_path / "twice.csv"
    path.write_text(f"time_s,acc_x,acc_y,acc_z,{second}\n" + rows)
    raises_one_sentence(InvalidInputError, lambda: read_csv(path), "2 columns that name acc_x")


def test_generic_csv_with_infinite_acceleration_says_so(tmp_path: Path) -> None:
    rows = "".join(f"{k / 100:.2f},inf,0,0\n" for k in range(600))
    path = tmp_path / "inf.csv"
    path.write_text("time_s,acc_x,acc_y,acc_z\n" + rows)
    raises_one_sentence(InvalidInputError, lambda: read_csv(path), r"infinite value \('inf'\)")


def test_generic_semicolon_comments_and_blank_lines(tmp_path: Path) -> None:
    n = 400
    lines = ["# exported by a logger", "", "time_s;acc_x;acc_y;acc_z"]
    lines += [f"{k / 50:.2f};0.01;0.99;0.05" for k in range(n)]
    lines.insert(100, "")
    path = tmp_path / "semi.csv"
    path.write_text("\n".join(lines) + "\n")
    recording = read_recordings(path)[0]
    assert recording.sample_rate_hz == 50 and recording.n_samples == n
    assert recording.gyr is None


@pytest.mark.parametrize("time_header", ["time_s", "timestamp"])
def test_generic_decimal_commas(
    tmp_path: Path, truth: tuple[np.ndarray, np.ndarray], time_header: str
) -> None:
    # a spreadsheet export in a European locale: semicolons between fields, decimal commas
    acc, gyr = truth
    origin = 1_506_423_438.471 if time_header == "timestamp" else 0.0
    rows = [f"{time_header};acc_x;acc_y;acc_z;gyr_x;gyr_y;gyr_z"]
    for k in range(N_SAMPLES):
        cells = [f"{origin + k / RATE:.3f}", *(f"{v:.6e}" for v in acc[k]), *map(str, gyr[k])]
        rows.append(";".join(cell.replace(".", ",") for cell in cells))
    path = tmp_path / "european.csv"
    path.write_text("\n".join(rows) + "\n")
    recording = read_csv(path)
    assert recording.sample_rate_hz == RATE and recording.n_samples == N_SAMPLES
    np.testing.assert_allclose(recording.acc, acc, rtol=1e-6)
    assert recording.gyr is not None
    np.testing.assert_allclose(recording.gyr, gyr, rtol=1e-9)
    assert "numbers read with decimal commas" in recording.notes
    if time_header == "timestamp":
        assert recording.start == dt.datetime(2017, 9, 26, 10, 57, 18, 471000, tzinfo=dt.UTC)


def test_generic_points_are_not_taken_for_decimal_commas(tmp_path: Path) -> None:
    # semicolons with decimal points and one comma cell in a column not read: points win
    lines = ["time_s;acc_x;acc_y;acc_z;note"]
    lines += [f"{k / 50:.2f};0.01;0.99;0.05;1,5" for k in range(400)]
    path = tmp_path / "points.csv"
    path.write_text("\n".join(lines) + "\n")
    recording = read_csv(path)
    assert recording.sample_rate_hz == 50
    np.testing.assert_allclose(recording.acc[:, 1], 0.99 * STANDARD_GRAVITY)
    assert "numbers read with decimal commas" not in recording.notes


def test_generic_irregular_timestamps_are_resampled(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 2000
    t = np.arange(n) / 100 + rng.uniform(-0.002, 0.002, n)
    t[0] = 0.0
    t = np.delete(t, np.arange(500, 520))  # a 0.2 s gap
    signal = 9.81 + 0.5 * t  # linear, so interpolation is exact
    path = _write(
        tmp_path / "jitter.csv",
        {"time_s": t, "acc_x": signal, "acc_y": np.zeros_like(t), "acc_z": np.zeros_like(t)},
    )
    recording = read_csv(path)
    assert recording.sample_rate_hz == 100
    grid = np.arange(recording.n_samples) / 100
    np.testing.assert_allclose(recording.acc[:, 0], 9.81 + 0.5 * grid, atol=1e-9)
    assert any("resampled" in note and "gap" in note for note in recording.notes)


def test_generic_mixed_offsets_keep_first_offset(tmp_path: Path) -> None:
    # a daylight-saving change inside the file: +01:00 before 01:00 UTC, +02:00 after
    base = dt.datetime(2024, 3, 31, 0, 59, 59, 500000, tzinfo=dt.UTC)
    switch = dt.datetime(2024, 3, 31, 1, tzinfo=dt.UTC)
    stamps = []
    for k in range(100):
        utc = base + dt.timedelta(milliseconds=10 * k)
        offset = dt.timedelta(hours=1 if utc < switch else 2)
        stamps.append(utc.astimezone(dt.timezone(offset)).isoformat(timespec="milliseconds"))
    n = len(stamps)
    path = _write(
        tmp_path / "dst.csv",
        {"timestamp": stamps, "acc_x": np.full(n, 1.0), "acc_y": np.zeros(n), "acc_z": np.zeros(n)},
    )
    recording = read_csv(path)
    assert recording.sample_rate_hz == 100 and recording.n_samples == n
    assert recording.start is not None
    assert recording.start.utcoffset() == dt.timedelta(hours=1)


LONDON = "Europe/London"
CLOCK_RATE = 25.0
# 01:58 BST -> 01:02 GMT (01:00-01:59 wall-clock repeats) and 00:58 GMT -> 02:02 BST
# (01:00-01:59 wall-clock does not exist): four minutes of walking across each change
CLOCK_CHANGES = {
    "autumn": (dt.datetime(2024, 10, 27, 0, 58, tzinfo=dt.UTC), "BST to GMT on 2024-10-27"),
    "spring": (dt.datetime(2024, 3, 31, 0, 58, tzinfo=dt.UTC), "GMT to BST on 2024-03-31"),
}


def _clock_csv(
    path: Path, first_utc: dt.datetime, seconds: float, *, offsets: bool = False
) -> Path:
    """A walk whose timestamps are London wall-clock times, with or without their offset."""
    n = round(seconds * CLOCK_RATE)
    t = np.arange(n) / CLOCK_RATE
    local = [(first_utc + dt.timedelta(seconds=float(v))).astimezone(ZoneInfo(LONDON)) for v in t]
    if not offsets:
        local = [moment.replace(tzinfo=None) for moment in local]
    return _write(
        path,
        {
            "timestamp": [moment.isoformat(timespec="milliseconds") for moment in local],
            "acc_x": GRAVITY + 2.0 * np.sin(2 * np.pi * 1.8 * t),
            "acc_y": 0.8 * np.sin(2 * np.pi * 0.9 * t),
            "acc_z": 0.5 * np.cos(2 * np.pi * 1.8 * t),
        },
    )


@pytest.mark.parametrize("change", sorted(CLOCK_CHANGES))
def test_naive_times_across_a_clock_change_are_continuous_in_the_given_zone(
    tmp_path: Path, change: str
) -> None:
    first_utc, crossed = CLOCK_CHANGES[change]
    naive = _clock_csv(tmp_path / f"{change}.csv", first_utc, 240)
    text = naive.read_text().splitlines()
    # in recording order, yet the wall clock goes back (or skips) 1 h on line 3002
    before, after = ("01:59:59.960", "01:00:00.000")
    if change == "spring":
        before, after = ("00:59:59.960", "02:00:00.000")
    assert text[3000].split(",")[0].endswith(before) and text[3001].split(",")[0].endswith(after)
    with_offsets = _clock_csv(tmp_path / f"{change}_offsets.csv", first_utc, 240, offsets=True)
    assert "+01:00" in with_offsets.read_text() and "+00:00" in with_offsets.read_text()

    (recording,) = read_recordings(naive, time_zone=LONDON)
    direct = read_csv(naive, time_zone=LONDON)
    reference = read_csv(with_offsets)
    for read in (recording, direct):
        assert read.sample_rate_hz == CLOCK_RATE
        assert read.n_samples == 6000  # 240 s, no duplicate hour and no 1-h gap
        assert read.duration_s == pytest.approx(240.0)
        assert read.start is not None and reference.start is not None
        assert read.start.astimezone(dt.UTC) == first_utc
        assert read.start.utcoffset() == reference.start.utcoffset()
        assert read.start.utcoffset() == dt.timedelta(hours=1 if change == "autumn" else 0)
        assert str(read.start.tzinfo) == LONDON
        np.testing.assert_array_equal(read.acc, reference.acc)
        assert f"the times cross the change from {crossed}; read as continuous in {LONDON}" in (
            read.notes
        )
    assert not any("resampled" in note for note in recording.notes)


@pytest.mark.parametrize(
    ("change", "moved"), [("autumn", "goes back by 1 h"), ("spring", "jumps forward by 1 h")]
)
def test_naive_times_across_a_clock_change_without_a_zone_ask_for_one(
    tmp_path: Path, change: str, moved: str
) -> None:
    path = _clock_csv(tmp_path / f"{change}.csv", CLOCK_CHANGES[change][0], 240)
    raises_one_sentence(
        InvalidInputError,
        lambda: read_recordings(path),
        rf"{moved} on line 3002, .*no UTC offset.*--time-zone",
    )


def test_a_long_naive_file_bridged_across_a_spring_change_notes_the_zone(tmp_path: Path) -> None:
    # long enough for the skipped hour to be bridged (as before) rather than refused
    first_utc = dt.datetime(2024, 3, 31, 0, 20, tzinfo=dt.UTC)
    path = _clock_csv(tmp_path / "spring.csv", first_utc, 4800)
    (bridged,) = read_recordings(path)
    assert bridged.duration_s == pytest.approx(8400)  # 40 min + a bridged 1 h + 40 min
    assert any("jumps forward by 1 h" in n and "--time-zone" in n for n in bridged.notes)
    (local,) = read_recordings(path, time_zone=LONDON)
    assert local.n_samples == 120_000 and local.duration_s == pytest.approx(4800)


def test_repeated_hour_at_one_end_of_a_file_is_read_continuous_with_the_rest(
    tmp_path: Path,
) -> None:
    # 00:55-01:05 BST, ending before the clocks went back; 01:50-02:10 GMT, starting after
    for name, first_utc, seconds, offset in (
        ("ends", dt.datetime(2024, 10, 26, 23, 55, tzinfo=dt.UTC), 600, 1),
        ("starts", dt.datetime(2024, 10, 27, 1, 50, tzinfo=dt.UTC), 1200, 0),
    ):
        path = _clock_csv(tmp_path / f"{name}.csv", first_utc, seconds)
        recording = read_csv(path, time_zone=LONDON)
        assert recording.sample_rate_hz == CLOCK_RATE
        assert recording.n_samples == seconds * CLOCK_RATE
        assert recording.start is not None
        assert recording.start.astimezone(dt.UTC) == first_utc
        assert recording.start.utcoffset() == dt.timedelta(hours=offset)


def test_clock_times_that_cannot_be_local_times_in_the_zone_are_one_sentence(
    tmp_path: Path,
) -> None:
    # ten minutes inside the repeated hour: before or after the clocks went back is unknown
    inside = _clock_csv(
        tmp_path / "inside.csv", dt.datetime(2024, 10, 27, 0, 10, tzinfo=dt.UTC), 600
    )
    raises_one_sentence(
        InvalidInputError,
        lambda: read_recordings(inside, time_zone=LONDON),
        r"from line 2 on fall in the hour that repeats in Europe/London on 2024-10-27",
    )
    # UTC clock times through 01:00-01:59 on the spring night, which London skips
    rows = ["timestamp,acc_x,acc_y,acc_z"]
    first = dt.datetime(2024, 3, 31, 0, 58)
    for k in range(6000):
        moment = first + dt.timedelta(seconds=k / 25)
        rows.append(f"{moment.isoformat(timespec='milliseconds')},9.81,0.1,0.1")
    skipped = _csv(tmp_path, "\n".join(rows) + "\n", "skipped.csv")
    raises_one_sentence(
        InvalidInputError,
        lambda: read_recordings(skipped, time_zone=LONDON),
        r"2024-03-31T01:00:00 on line 3002, a time that does not exist in Europe/London",
    )


def test_generic_reads_a_million_rows_quickly(tmp_path: Path) -> None:
    n = 1_000_000
    rows = ["0.98123,-0.05012,0.01234,1.234,-2.345,0.456", "1.01234,-0.04012,0.02234,-1.2,2.3,-0.4"]
    body = "\n".join(f"{k / 100:.2f},{row}" for k, row in zip(range(n), itertools.cycle(rows)))
    path = tmp_path / "big.csv"
    path.write_text("time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + body + "\n")
    began = time.perf_counter()
    recording = read_recording(path)
    elapsed = time.perf_counter() - began
    assert recording.n_samples == n
    assert elapsed < 2.0, f"reading 1e6 rows took {elapsed:.2f} s"


def test_options_for_fixed_formats_are_noted(tmp_path: Path) -> None:
    recording = read_recordings(
        GAITPY_DEMO, sample_rate_hz=30, height_m=1.77, sensor_height_m=1.02
    )[0]
    assert recording.sample_rate_hz == 50
    assert recording.height_m == 1.77 and recording.sensor_height_m == 1.02
    assert any("--sample-rate-hz ignored" in note for note in recording.notes)


# --------------------------------------------------------------------------- bad input


def _csv(tmp_path: Path, text: str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _rows(n: int = 200, rate: float = 100.0, value: str = "0.01,0.99,0.05") -> str:
    return "".join(f"{k / rate:.4f},{value}\n" for k in range(n))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    message = raises_one_sentence(InputNotFoundError, lambda: read_recordings(path))
    assert message == f"No file at {path}; check the path."
    for reader in (
        read_csv,
        read_mobilised_mat,
        read_ipol_txt,
        read_geneactiv_csv,
        read_oxford_phone_csv,
    ):
        raises_one_sentence(InputNotFoundError, lambda r=reader: r(path))  # type: ignore[misc]


def test_directory(tmp_path: Path) -> None:
    raises_one_sentence(InvalidInputError, lambda: read_recordings(tmp_path), "folder")


@pytest.mark.parametrize("content", [b"", b"   \n\n  \r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path))


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        b"hello world\nthis is just text\n",
        b"time,heart_rate,speed\n0,61,1.2\n",
        b"1,2,3\n4,5,6\n",
    ],
)
def test_unknown_format(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "thing.dat"
    path.write_bytes(content)
    message = raises_one_sentence(UnsupportedFormatError, lambda: read_recordings(path))
    for description in SUPPORTED_FORMATS.values():
        assert description in message


def test_no_acc_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path, "time_s,speed_x,speed_y,speed_z\n" + _rows())
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "acc_x, acc_y and acc_z")


def test_partial_gyr_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path, "time_s,acc_x,acc_y,acc_z,gyr_x\n" + _rows(value="0.01,0.99,0.05,3"))
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "gyr_y")


def test_non_numeric_acc(tmp_path: Path) -> None:
    text = "time_s,acc_x,acc_y,acc_z\n" + _rows()
    lines = text.splitlines()
    lines[3] = "0.0200,0.01,oops,0.05"
    path = _csv(tmp_path, "\n".join(lines) + "\n")
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), r"acc_y.*'oops'.*line 4")


def test_non_numeric_time(tmp_path: Path) -> None:
    lines = ("time_s,acc_x,acc_y,acc_z\n" + _rows()).splitlines()
    lines[6] = "five,0.01,0.99,0.05"
    path = _csv(tmp_path, "\n".join(lines) + "\n")
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), r"time_s.*line 7")


def test_bad_iso_timestamp(tmp_path: Path) -> None:
    rows = [f"2024-01-01T00:00:{k / 100:05.2f},0.01,0.99,0.05" for k in range(300)]
    rows[50] = "yesterday,0.01,0.99,0.05"
    path = _csv(tmp_path, "timestamp,acc_x,acc_y,acc_z\n" + "\n".join(rows) + "\n")
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), r"line 52")


@pytest.mark.parametrize("kind", ["repeat", "backwards"])
def test_non_increasing_time(tmp_path: Path, kind: str) -> None:
    """A time repeated with other values (two samples at one time) or going back."""
    lines = ("time_s,acc_x,acc_y,acc_z\n" + _rows()).splitlines()
    repeated = lines[19].split(",")[0] + ",0.02,0.98,0.06"
    lines[20] = repeated if kind == "repeat" else "0.0100,0.01,0.99,0.05"
    path = _csv(tmp_path, "\n".join(lines) + "\n")
    raises_one_sentence(
        InvalidInputError, lambda: read_recordings(path), r"does not increase on line 21"
    )


def test_a_row_written_twice_is_dropped(tmp_path: Path) -> None:
    """The same time and values on two lines is one sample written twice, as phone logger
    apps do now and then; it was refused as a time that does not increase."""
    lines = ("time_s,acc_x,acc_y,acc_z\n" + _rows()).splitlines()
    original = read_recordings(_csv(tmp_path, "\n".join(lines) + "\n"))[0]
    lines.insert(20, lines[20])
    path = tmp_path / "twice.csv"
    path.write_text("\n".join(lines) + "\n")
    recording = read_recordings(path)[0]
    np.testing.assert_array_equal(recording.acc, original.acc)
    assert any("1 rows that repeat the row before" in n and "line 22" in n for n in recording.notes)


def test_rate_below_20_hz(tmp_path: Path) -> None:
    path = _csv(tmp_path, "time_s,acc_x,acc_y,acc_z\n" + _rows(rate=10))
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "20 Hz")
    no_time = _csv(tmp_path, "acc_x,acc_y,acc_z\n0.01,0.99,0.05\n" * 1, "no_time.csv")
    no_time.write_text("acc_x,acc_y,acc_z\n" + "0.01,0.99,0.05\n" * 100)
    raises_one_sentence(
        InvalidInputError, lambda: read_recordings(no_time, sample_rate_hz=12), "20 Hz"
    )
    # with a gyroscope, whose unit check filters the signal: a rate under about 1 Hz (time in
    # ms read as s, say) once failed inside that filter instead of saying this
    with_gyr = _csv(tmp_path, "", "with_gyr.csv")
    with_gyr.write_text(
        "time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
        + "".join(f"{10 * i},0.01,0.99,0.05,{i % 7},1,2\n" for i in range(300))
    )
    # (and now says what the time column most likely holds)
    raises_one_sentence(
        InvalidInputError, lambda: read_recordings(with_gyr), "0.1 Hz; if it holds milliseconds"
    )
    with_gyr.write_text("acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + "0.01,0.99,0.05,3,1,2\n" * 300)
    raises_one_sentence(
        InvalidInputError, lambda: read_recordings(with_gyr, sample_rate_hz=1e-3), "20 Hz"
    )


def test_no_time_and_no_rate(tmp_path: Path) -> None:
    path = _csv(tmp_path, "acc_x,acc_y,acc_z\n" + "0.01,0.99,0.05\n" * 100)
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "--sample-rate-hz")
    # the bundled export without the JSON that holds its rate
    alone = Path(shutil.copy(HA001 / "Test5-Trial1.imu.csv", tmp_path / "Test5-Trial1.imu.csv"))
    raises_one_sentence(
        InvalidInputError, lambda: read_recordings(alone), "samples column.*--sample-rate-hz"
    )


def test_rate_option_contradicts_time(tmp_path: Path) -> None:
    path = _csv(tmp_path, "time_s,acc_x,acc_y,acc_z\n" + _rows())
    raises_one_sentence(
        InvalidInputError, lambda: read_recordings(path, sample_rate_hz=50), "--sample-rate-hz"
    )
    assert read_recordings(path, sample_rate_hz=100)[0].sample_rate_hz == 100


def test_acceleration_too_large_to_be_one_is_named_as_such(tmp_path: Path) -> None:
    """1e308 is a number; its magnitude overflows, which is not 'no numeric values'."""
    path = _csv(tmp_path, "time_s,acc_x,acc_y,acc_z\n" + _rows(value="1e308,1e308,1e308"))
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "reach 1e\\+308")


def test_undetectable_and_unknown_units(tmp_path: Path) -> None:
    path = _csv(tmp_path, "time_s,acc_x,acc_y,acc_z\n" + _rows(value="0.01,3.5,0.05"))
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "--acc-unit")
    assert read_recordings(path, acc_unit="mps2")[0].n_samples == 200
    raises_one_sentence(
        InvalidInputError, lambda: read_recordings(path, acc_unit="furlong"), "g or mps2"
    )
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path, sample_rate_hz=-3), "Hz")


def test_gap_longer_than_data(tmp_path: Path) -> None:
    rows = _rows(100) + "".join(f"{1000 + k / 100:.4f},0.01,0.99,0.05\n" for k in range(100))
    path = _csv(tmp_path, "time_s,acc_x,acc_y,acc_z\n" + rows)
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "gap")


def test_ragged_rows(tmp_path: Path) -> None:
    path = _csv(tmp_path, "time_s,acc_x,acc_y,acc_z\n" + _rows(20) + "1,2,3,4,5,6\n" + _rows(5))
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path), "(?i)line 22")


def test_header_only(tmp_path: Path) -> None:
    path = _csv(tmp_path, "time_s,acc_x,acc_y,acc_z\n")
    raises_one_sentence(InvalidInputError, lambda: read_recordings(path))


def test_all_errors_are_backstride_errors() -> None:
    assert issubclass(InputNotFoundError, BackstrideError)
    assert issubclass(InvalidInputError, BackstrideError)
    assert issubclass(UnsupportedFormatError, BackstrideError)


@pytest.mark.parametrize(
    ("header", "scale", "extra_args"),
    [
        (
            ["Time (s)", "Acceleration x (m/s^2)", "Acceleration y (m/s^2)",
             "Acceleration z (m/s^2)"],
            1.0,
            {},
        ),  # phyphox
        (["gFx", "gFy", "gFz"], 1 / 9.80665, {"sample_rate_hz": 100.0}),  # Physics Toolbox, g
    ],
)  # fmt: skip
def test_phone_logger_layouts(
    tmp_path: Path, header: list[str], scale: float, extra_args: dict[str, float]
) -> None:
    from backstride import analyze

    from synthetic import walking_signal

    rec, _ = walking_signal(walk_s=30)
    columns = [rec.time_s] if header[0].startswith("Time") else []
    data = np.column_stack([*columns, rec.acc * scale])
    path = tmp_path / "logger.csv"
    path.write_text(
        ",".join(f'"{h}"' for h in header) + "\n"
        + "\n".join(",".join(f"{v:.6f}" for v in row) for row in data)
    )  # fmt: skip
    read = read_recording(path, **extra_args)
    assert read.sample_rate_hz == pytest.approx(100.0)
    np.testing.assert_allclose(read.acc, rec.acc, atol=1e-4)
    assert analyze(read).bouts.loc[0, "cadence_spm"] == pytest.approx(120, abs=1)


@pytest.mark.parametrize(
    ("stamp", "moves"),
    [("2024-06-01T23:30:00", True), ("2024-06-01T23:30:00+00:00", False), ("unix", False)],
)
def test_csv_times_and_a_given_time_zone(tmp_path: Path, stamp: str, moves: bool) -> None:
    """Times without an offset are local times in the zone; absolute times keep their instant."""
    import datetime as dt

    from backstride.io import read_recordings

    first = dt.datetime(2024, 6, 1, 23, 30, tzinfo=dt.UTC)
    rows = ["timestamp,acc_x,acc_y,acc_z"]
    for k in range(500):
        t = first + dt.timedelta(milliseconds=10 * k)
        text = (
            f"{t.timestamp():.3f}"
            if stamp == "unix"
            else t.strftime("%Y-%m-%dT%H:%M:%S.%f") + stamp[19:]
        )
        rows.append(f"{text},9.81,0.0,0.0")
    path = tmp_path / "rec.csv"
    path.write_text("\n".join(rows) + "\n")
    (plain,) = read_recordings(path)
    (local,) = read_recordings(path, time_zone="America/New_York")
    assert plain.start == first
    assert str(local.start.tzinfo) == "America/New_York"
    if moves:  # 23:30 New York time is 03:30 UTC the next day
        assert local.start.replace(tzinfo=None) == dt.datetime(2024, 6, 1, 23, 30)
        assert local.start == first + dt.timedelta(hours=4)
        assert any("local times in America/New_York" in note for note in local.notes)
    else:
        assert local.start == first
        assert local.start.hour == 19


def test_an_unknown_time_zone_is_one_sentence(tmp_path: Path) -> None:
    from backstride.io import read_recordings

    raises_one_sentence(
        InvalidInputError,
        lambda: read_recordings(
            ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat", time_zone="Mars/Base"
        ),
        "IANA",
    )
