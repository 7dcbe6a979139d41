"""A long Axivity file is read a part at a time: the same walks as reading it whole."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from backstride.api import analyze_file
from backstride.gait.pipeline import AnalysisParameters, analyze, analyze_parts
from backstride.io import CwaParts, open_parts, read_cwa
from backstride.validation.metrics import match_contacts

from cwa_writer import BLOCK_DTYPE, write_ax6

ROOT = Path(__file__).resolve().parents[1]
WINDOW = AnalysisParameters(window_s=300.0, sensor_height_m=0.964)
START = dt.datetime(2024, 6, 1, 22, 0, 0)


@pytest.fixture(scope="module")
def half_hour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 min of the real daily-life trial (tiled) as an AX6 file at an exact 100 Hz."""
    df = pd.read_csv(ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv")
    n = 30 * 60 * 100
    acc = np.resize(df[["acc_x", "acc_y", "acc_z"]].to_numpy(), (n, 3))
    gyr = np.resize(df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(), (n, 3))
    path = tmp_path_factory.mktemp("cwa") / "half_hour.cwa"
    write_ax6(path, acc, gyr, START)
    return path


def test_the_written_file_reads_back(half_hour: Path) -> None:
    rec = read_cwa(half_hour)
    assert rec.device == "Axivity AX6" and rec.gyr is not None
    assert rec.n_samples == 180_000
    assert rec.start == START.replace(tzinfo=dt.UTC)
    df = pd.read_csv(ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv")
    np.testing.assert_allclose(rec.acc[:1000] / 9.80665, df[["acc_x", "acc_y", "acc_z"]][:1000],
                               atol=1 / 2048)  # one count of int16 at 2048 counts/g  # fmt: skip


def test_parts_find_the_same_walks_as_the_whole_file(half_hour: Path) -> None:
    whole = analyze(read_cwa(half_hour), WINDOW)
    parts = CwaParts(half_hour)
    assert parts.info.duration_s == pytest.approx(1800.0, abs=0.5)
    assert parts.info.start == START.replace(tzinfo=dt.UTC)
    in_parts = analyze_parts(parts, WINDOW)
    assert len(whole.bouts) > 90
    assert len(in_parts.bouts) == len(whole.bouts)
    assert in_parts.summary["steps"] == whole.summary["steps"]
    contacts = match_contacts(whole.initial_contacts_s, in_parts.initial_contacts_s, 0.015)
    assert contacts.n_matched == contacts.n_detected == contacts.n_reference
    np.testing.assert_allclose(
        in_parts.bouts["cadence_spm"].astype(float), whole.bouts["cadence_spm"].astype(float),
        rtol=1e-3,
    )  # fmt: skip
    assert any("read in parts" in note for note in in_parts.recording["notes"])


def test_analyze_file_reads_a_long_axivity_file_in_parts(half_hour: Path) -> None:
    assert open_parts(half_hour, longer_than_s=3600.0) is None  # short enough to read whole
    assert open_parts(ROOT / "data" / "mobilised-lab" / "HA-001" / "data.mat",
                      longer_than_s=1.0) is None  # fmt: skip
    (result,) = analyze_file(half_hour, WINDOW, time_zone="Europe/Berlin")
    assert any("read in parts" in note for note in result.recording["notes"])
    assert result.recording["start"] == "2024-06-01T22:00:00+02:00"
    whole = analyze(read_cwa(half_hour, time_zone="Europe/Berlin"), WINDOW)
    assert result.summary["steps"] == whole.summary["steps"]
    assert result.days["day"].tolist() == whole.days["day"].tolist() == ["2024-06-01"]


def test_a_damaged_stretch_is_a_gap_and_the_rest_is_read(half_hour: Path, tmp_path: Path) -> None:
    data = bytearray(half_hour.read_bytes())
    blocks = np.frombuffer(data, dtype=BLOCK_DTYPE, offset=1024)
    first, count = 2000, 300  # 300 blocks = 2 min in the middle
    damaged = tmp_path / "damaged.cwa"
    raw = np.frombuffer(data, dtype=np.uint8)
    for b in range(first, first + count):
        raw_start = 1024 + b * 512
        data[raw_start + 30 : raw_start + 40] = b"\xff" * 10  # breaks the checksum
    damaged.write_bytes(bytes(data))
    assert blocks.size == 4500 and raw.size == len(data)
    in_parts = analyze_parts(CwaParts(damaged), WINDOW)
    whole = analyze(read_cwa(damaged), WINDOW)  # the same damaged file read whole
    assert any("300 of" in note and "checksum" in note for note in in_parts.recording["notes"])
    gap = (first * 0.4, (first + count) * 0.4)  # 40 samples a block at 100 Hz
    starts = in_parts.bouts["start_s"].astype(float).to_numpy()
    assert not ((starts > gap[0]) & (starts < gap[1] - 5)).any()
    assert len(in_parts.bouts) == len(whole.bouts) > 80
    # the same walks, each starting within a step of the other reading
    other = whole.bouts["start_s"].astype(float).to_numpy()
    assert np.abs(starts - other).max() < 0.6


def test_a_part_inside_a_recording_gap_has_no_walks(tmp_path: Path) -> None:
    """Ten minutes of a two-hour file missing (the device lost them): that part is all NaN."""
    df = pd.read_csv(ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv")
    n = 120 * 60 * 100
    acc = np.resize(df[["acc_x", "acc_y", "acc_z"]].to_numpy(), (n, 3))
    gyr = np.resize(df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(), (n, 3))
    full = tmp_path / "two_hours.cwa"
    write_ax6(full, acc, gyr, START)
    data = full.read_bytes()
    cut_from, cut_to = 1500, 3000  # blocks: 600 s to 1200 s, 8% of the file
    gapped = tmp_path / "gapped.cwa"
    gapped.write_bytes(data[: 1024 + cut_from * 512] + data[1024 + cut_to * 512 :])
    whole = analyze(read_cwa(gapped), WINDOW)
    in_parts = analyze_parts(CwaParts(gapped), WINDOW)
    starts = in_parts.bouts["start_s"].astype(float)
    assert not ((starts > 600) & (starts < 1195)).any()
    assert (starts > 1200).sum() > 300 and (starts < 600).sum() > 20
    assert len(in_parts.bouts) == len(whole.bouts)


def test_importing_a_long_file_reports_progress_within_it(tmp_path: Path, store: Any) -> None:
    """A file over the 4-h window is imported in parts, telling the share done as it goes."""
    from backstride import services

    df = pd.read_csv(ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv")
    n = int(4.5 * 3600 * 100)
    acc = np.resize(df[["acc_x", "acc_y", "acc_z"]].to_numpy(), (n, 3))
    gyr = np.resize(df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(), (n, 3))
    path = tmp_path / "long.cwa"
    write_ax6(path, acc, gyr, START)
    store.add_person("ann", time_zone="Europe/London", height_m=1.59)
    shares: list[float] = []
    files, result = services.import_files(
        store, "ann", [path], on_progress=lambda p, share: shares.append(share)
    )
    assert len(shares) >= 2 and shares == sorted(shares) and shares[-1] == pytest.approx(1.0)
    assert any("read in parts" in note for note in files[0].notes)
    # the tiled trial never pauses 5 min, so its bouts make one long walking session
    assert result.added == len(files[0].walks) == 1
    assert files[0].walks[0].extra["bouts"] > 500


def test_a_block_from_another_year_does_not_stretch_the_file(
    half_hour: Path, tmp_path: Path
) -> None:
    """One damaged timestamp: the time index ignores it, as a whole read does."""
    from fuzz.device_seeds import cwa_fix_checksums

    data = bytearray(half_hour.read_bytes())
    blocks = np.frombuffer(data, dtype=BLOCK_DTYPE, offset=1024).copy()
    blocks["timestamp"][3000] += 1 << 26  # a year later
    data[1024:] = blocks.tobytes()
    damaged = tmp_path / "year.cwa"
    damaged.write_bytes(bytes(cwa_fix_checksums(data)))
    parts = CwaParts(damaged)
    assert parts.info.duration_s == pytest.approx(1800.0, abs=1.0)
    in_parts = analyze_parts(parts, WINDOW)
    whole = analyze(read_cwa(damaged), WINDOW)
    assert len(in_parts.days) == 1
    assert len(in_parts.bouts) == len(whole.bouts) > 90
