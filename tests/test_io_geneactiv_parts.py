"""GENEActiv .bin files read a part at a time: the same walks as a whole read, in less memory."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from backstride.api import analyze_file
from backstride.gait.pipeline import AnalysisParameters, analyze, analyze_parts
from backstride.io import GeneactivParts, open_parts, read_geneactiv_bin
from backstride.validation.metrics import match_contacts
from geneactiv_writer import write_geneactiv_bin

ROOT = Path(__file__).resolve().parents[1]
WINDOW = AnalysisParameters(window_s=300.0, sensor_height_m=0.964)
START = dt.datetime(2024, 6, 1, 22, 0, 0)
RATE = 50.0
#: the bundled sample's header says GMT -04:00
ZONE = dt.timezone(dt.timedelta(hours=-4))


def _daily_life_g(seconds: float) -> np.ndarray:
    """The real daily-life trial at 50 Hz (every second sample), tiled, in g."""
    df = pd.read_csv(ROOT / "data" / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv")
    acc = df[["acc_x", "acc_y", "acc_z"]].to_numpy()[::2]
    return np.resize(acc, (int(seconds * RATE), 3))


@pytest.fixture(scope="module")
def half_hour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("geneactiv") / "half_hour.bin"
    assert write_geneactiv_bin(path, _daily_life_g(1800), RATE, START) == 300
    return path


def test_the_written_file_reads_back(half_hour: Path) -> None:
    rec = read_geneactiv_bin(half_hour)
    assert rec.n_samples == 90_000 and rec.sample_rate_hz == RATE
    assert rec.start == START.replace(tzinfo=ZONE)
    # one count is 100 / gain, about 0.004 g
    np.testing.assert_allclose(rec.acc / 9.80665, _daily_life_g(1800), atol=0.0021)


def test_parts_find_the_same_walks_as_the_whole_file(half_hour: Path) -> None:
    whole = analyze(read_geneactiv_bin(half_hour), WINDOW)
    parts = GeneactivParts(half_hour)
    assert parts.info.duration_s == pytest.approx(1800.0, abs=0.1)
    assert parts.info.start == START.replace(tzinfo=ZONE)
    in_parts = analyze_parts(parts, WINDOW)
    assert len(whole.bouts) > 90
    assert len(in_parts.bouts) == len(whole.bouts)
    assert in_parts.summary["steps"] == whole.summary["steps"]
    contacts = match_contacts(whole.initial_contacts_s, in_parts.initial_contacts_s, 0.025)
    assert contacts.n_matched == contacts.n_detected == contacts.n_reference
    np.testing.assert_allclose(
        in_parts.bouts["cadence_spm"].astype(float), whole.bouts["cadence_spm"].astype(float),
        rtol=1e-3,
    )  # fmt: skip
    assert any("read in parts" in note for note in in_parts.recording["notes"])


def test_analyze_file_reads_a_long_geneactiv_file_in_parts(half_hour: Path) -> None:
    assert open_parts(half_hour, longer_than_s=3600.0) is None  # short enough to read whole
    assert isinstance(open_parts(half_hour, longer_than_s=600.0), GeneactivParts)
    (result,) = analyze_file(half_hour, WINDOW, time_zone="Europe/Berlin")
    assert any("read in parts" in note for note in result.recording["notes"])
    # 22:00 at GMT -04:00 is 04:00 the next morning in Berlin
    assert result.recording["start"] == "2024-06-02T04:00:00+02:00"
    assert result.days["day"].tolist() == ["2024-06-02"]
    whole = analyze(read_geneactiv_bin(half_hour), WINDOW)
    assert result.summary["steps"] == whole.summary["steps"]


def test_damaged_pages_are_a_gap_and_the_rest_is_read(half_hour: Path, tmp_path: Path) -> None:
    lines = half_hour.read_bytes().split(b"\n")
    data_lines = [k for k, line in enumerate(lines) if len(line) == 3600]
    for k in data_lines[100:120]:  # 20 pages = 2 min in the middle
        lines[k] = b"ZZ" + lines[k][2:]  # not hexadecimal
    damaged = tmp_path / "damaged.bin"
    damaged.write_bytes(b"\n".join(lines))
    whole = analyze(read_geneactiv_bin(damaged), WINDOW)
    in_parts = analyze_parts(GeneactivParts(damaged), WINDOW)
    assert any("pages were damaged" in note for note in in_parts.recording["notes"])
    starts = in_parts.bouts["start_s"].astype(float).to_numpy()
    gap = (100 * 6.0, 120 * 6.0)  # 6 s a page at 50 Hz
    assert not ((starts > gap[0]) & (starts < gap[1] - 5)).any()
    assert len(in_parts.bouts) == len(whole.bouts) > 80
    assert np.abs(starts - whole.bouts["start_s"].astype(float).to_numpy()).max() < 0.6


def test_a_recording_gap_is_read_around(tmp_path: Path) -> None:
    """The device stopped for 10 min: the parts read each side of the gap.

    (Read whole, a quarter of this file would be missing time, which the whole-file reader
    refuses.) The walks are those of the two sides analysed on their own.
    """
    path = tmp_path / "gap.bin"
    first = tmp_path / "a.bin"
    second = tmp_path / "b.bin"
    write_geneactiv_bin(first, _daily_life_g(900), RATE, START)
    write_geneactiv_bin(second, _daily_life_g(900), RATE, START + dt.timedelta(seconds=1500))
    pages_b = second.read_bytes()
    pages_b = pages_b[pages_b.index(b"Recorded Data") :]
    path.write_bytes(first.read_bytes() + pages_b)
    parts = GeneactivParts(path)
    assert parts.info.duration_s == pytest.approx(2400.0, abs=0.1)
    in_parts = analyze_parts(parts, WINDOW)
    a, b = (analyze(read_geneactiv_bin(f), WINDOW) for f in (first, second))
    assert len(in_parts.bouts) == len(a.bouts) + len(b.bouts) > 90
    starts = in_parts.bouts["start_s"].astype(float).to_numpy()
    expected = np.r_[a.bouts["start_s"].astype(float), b.bouts["start_s"].astype(float) + 1500]
    assert np.abs(starts - expected).max() < 0.6
    assert not ((starts > 905) & (starts < 1500)).any()


@pytest.fixture(scope="module")
def two_hours(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("geneactiv") / "two_hours.bin"
    write_geneactiv_bin(path, _daily_life_g(7200), RATE, START)
    return path


def test_the_index_needs_far_less_memory_than_a_whole_read(two_hours: Path) -> None:
    tracemalloc.start()
    try:
        read_geneactiv_bin(two_hours)
        _, whole_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        parts = GeneactivParts(two_hours)
        _, index_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        parts.part(600.0, 900.0)
        _, part_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The index holds 1200 page offsets and times (plus the first 64 pages decoded for the
    # header's details); a 5-min part is a 24th of the file.
    assert index_peak < whole_peak / 10
    assert part_peak < whole_peak / 10


def test_importing_a_long_geneactiv_file_goes_in_parts(tmp_path: Path, store: Any) -> None:
    """A file over the 4-h window is imported a part at a time, with its own progress."""
    from backstride import services

    path = tmp_path / "long.bin"
    write_geneactiv_bin(path, _daily_life_g(4.5 * 3600), RATE, START)
    store.add_person("ann", time_zone="America/New_York", height_m=1.59)
    shares: list[float] = []
    files, result = services.import_files(
        store, "ann", [path], on_progress=lambda p, share: shares.append(share)
    )
    assert len(shares) >= 2 and shares == sorted(shares) and shares[-1] == pytest.approx(1.0)
    assert any("read in parts" in note for note in files[0].notes)
    assert result.added == len(files[0].walks) == 1
    assert files[0].walks[0].extra["bouts"] > 500
