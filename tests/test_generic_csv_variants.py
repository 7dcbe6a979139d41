"""CSV layouts of phone logger apps and research IMUs, built from the bundled real walks.

Each file here is one of the bundled recordings written the way another app or device
writes it: HA-001's lower-back daily-life trial (g, deg/s, 100 Hz; 95 steps in 8 bouts) and
the Oxford hand-held phone log (ns since boot, m/s^2; 327 steps). Each must give the
original's steps and bouts, or be refused with one sentence that names the fix; never a
traceback, a silently wrong unit or a wrong number.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.signal import butter, sosfiltfilt

from backstride import analyze
from backstride.exceptions import InvalidInputError
from backstride.io import detect_format, read_csv, read_recording
from backstride.io.phone_oxford import read_oxford_phone_csv
from backstride.recording import STANDARD_GRAVITY
from shared_data import SHARED, shared

from messages import raises_one_sentence

DATA = Path(__file__).resolve().parents[1] / "data"
TRIAL = DATA / "mobilised-lab" / "HA-001" / "Test11-Trial1.imu.csv"
HAND = DATA / "oxford-phone-steps" / "user1_hand_1506421989895.csv"
POCKET = DATA / "oxford-phone-steps" / "user1_frontpocket_1506422223341.csv"
RATE = 100.0


@pytest.fixture(scope="module")
def trial() -> tuple[np.ndarray, np.ndarray]:
    """HA-001's daily-life trial: acceleration (g) and angular velocity (deg/s)."""
    frame = pd.read_csv(TRIAL)
    return (
        frame[["acc_x", "acc_y", "acc_z"]].to_numpy(),
        frame[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(),
    )


@pytest.fixture(scope="module")
def trial_result() -> tuple[int, int]:
    """Steps and bouts of the trial as bundled."""
    result = analyze(read_csv(TRIAL, sample_rate_hz=RATE))
    return int(result.summary["steps"]), len(result.bouts)


@pytest.fixture(scope="module")
def phone() -> np.ndarray:
    """The hand-held phone log: ns since boot, x, y, z in m/s^2 (its zero first row left out)."""
    data = np.loadtxt(HAND, delimiter=",")[:, :4]
    return data[np.any(data[:, 1:] != 0, axis=1)]


@pytest.fixture(scope="module")
def phone_result() -> tuple[int, int]:
    """Steps and bouts of the phone log as the phone reader reads it."""
    analysis = analyze(read_oxford_phone_csv(HAND))
    return int(analysis.summary["steps"]), len(analysis.bouts)


@pytest.fixture(scope="module")
def phone_steps(phone_result: tuple[int, int]) -> int:
    return phone_result[0]


def _write(path: Path, header: list[str], columns: list[object], sep: str = ",") -> Path:
    """Write columns (arrays, or lists of text) under a header, numbers to 9 digits."""
    cells = [
        [f"{v:.9g}" for v in column]
        if isinstance(column, np.ndarray) and column.dtype.kind == "f"
        else [str(v) for v in column]
        for column in columns
    ]
    rows = (sep.join(row) for row in zip(*cells, strict=True))
    path.write_text(sep.join(header) + "\n" + "\n".join(rows) + "\n")
    return path


def _result(path: Path, **options: float) -> tuple[int, int]:
    analysis = analyze(read_recording(path, **options))
    return int(analysis.summary["steps"]), len(analysis.bouts)


# --------------------------------------------------------------------------- time columns


@pytest.mark.parametrize(
    ("name", "per_second", "uptime_s"),
    [
        ("timestamp", 1e9, 1012.4615),
        ("time", 1e6, 1012.4615),
        ("timestamp", 1e3, 1012.4615),
        ("timestamp", 1e3, 30 * 3600.0),
        ("timestamp", 1e3, 5 * 86400.0),
    ],
    ids=["ns", "us", "ms", "ms-up-30-h", "ms-up-5-days"],
)
def test_a_clock_since_boot_is_read_by_its_step(
    tmp_path: Path,
    trial: tuple[np.ndarray, np.ndarray],
    trial_result: tuple[int, int],
    name: str,
    per_second: float,
    uptime_s: float,
) -> None:
    """A phone's clock since it started, in ns, us or ms, is as big as a Unix time in ms or
    s: read by its size, its 10-ms steps were 10 s and the file was refused with "The sample
    rate is 0.0001 Hz" (a ``time`` column was not read at all). A clock in ms after 28 hours
    of uptime (1e8) was taken for Unix seconds from 1973 and refused; Unix times start in
    1990 now."""
    acc, gyr = trial
    boot = np.round(uptime_s * per_second + np.arange(len(acc)) * per_second / RATE)
    columns = [boot.astype(np.int64).astype(str), *acc.T, *gyr.T]
    path = _write(
        tmp_path / "boot.csv",
        [name, "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"],
        columns,
    )
    recording = read_recording(path)
    assert recording.sample_rate_hz == RATE
    assert recording.start is None  # not a Unix time: the day is not known
    assert any("unknown origin" in note for note in recording.notes)
    assert _result(path) == trial_result


def test_rows_written_twice_are_dropped_not_refused(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray], trial_result: tuple[int, int]
) -> None:
    """Physics Toolbox on iOS writes ``time,gFx,gFy,gFz,gFTotal`` with local clock times to
    0.1 ms and now and then writes a row twice (``17:23:55.4650`` on two rows): such a log
    was refused as "does not increase on line 10". The repeated rows are dropped, with a
    note; a time that goes back, or one time with two samples, is still refused."""
    acc, _ = trial
    first = dt.datetime(2018, 10, 3, 17, 23, 55, 464000)
    stamps = np.array(
        [(first + dt.timedelta(milliseconds=10 * k)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-2]
         for k in range(len(acc))]
    )  # fmt: skip
    again = np.sort(np.random.default_rng(7).choice(len(acc), len(acc) // 12, replace=False))
    rows = np.sort(np.concatenate([np.arange(len(acc)), again]))  # those rows twice
    total = np.linalg.norm(acc, axis=1)
    header = ["time", "gFx", "gFy", "gFz", "gFTotal"]
    path = _write(tmp_path / "ptb.csv", header, [stamps[rows], *acc[rows].T, total[rows]])
    recording = read_recording(path)
    assert recording.n_samples == len(acc)
    assert any(f"{again.size} rows that repeat the row before" in n for n in recording.notes)
    assert _result(path) == trial_result
    lines = path.read_text().split("\n")
    swapped = lines.copy()
    swapped[20], swapped[21] = swapped[21], swapped[20]  # a row out of order
    assert swapped != lines
    path.write_text("\n".join(swapped))
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "does not increase")
    cells = lines[40].split(",")
    lines[41] = ",".join([cells[0], "0.5", *cells[2:]])  # the time of line 41, other values
    path.write_text("\n".join(lines))
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "does not increase")


def test_the_reported_phone_log_with_a_header_reads_the_same_walk(
    tmp_path: Path, phone: np.ndarray, phone_result: tuple[int, int]
) -> None:
    """The helper's report: ``timestamp,ax,ay,az`` over a phone's ns-since-boot clock was
    refused with "The sample rate is 0.0001 Hz"."""
    clock = phone[:, 0].astype(np.int64).astype(str)
    path = _write(tmp_path / "log.csv", ["timestamp", "ax", "ay", "az"], [clock, *phone[:, 1:].T])
    # the same samples onto the same 100-Hz grid as the phone reader's: the same walk
    assert read_recording(path).sample_rate_hz == RATE
    assert _result(path) == phone_result


def test_a_phone_log_with_a_header_of_aliases_is_still_a_phone_log(
    tmp_path: Path, phone_steps: int
) -> None:
    """Seven columns under ``timestamp,ax,ay,az,...`` with the set's integer step counts are
    an Oxford log, ground truth and all; ``ax`` made it a generic CSV, refused as above."""
    path = tmp_path / HAND.name
    header = "timestamp,ax,ay,az,algorithm,groundtruth,hardware\n"
    path.write_text(header + HAND.read_text())
    assert detect_format(path) == "oxford_phone"
    recording = read_recording(path)
    assert recording.meta["reference_steps"] == read_oxford_phone_csv(HAND).meta["reference_steps"]
    assert int(analyze(recording).summary["steps"]) == phone_steps


@pytest.mark.parametrize("name", ["seconds_elapsed", "elapsed (s)", "Time [s]", "time_ms"])
def test_time_columns_named_by_apps(
    tmp_path: Path,
    trial: tuple[np.ndarray, np.ndarray],
    trial_result: tuple[int, int],
    name: str,
) -> None:
    """Sensor Logger's ``seconds_elapsed``, ``elapsed (s)``, ``Time [s]`` and ``time_ms``
    were "no time_s, timestamp or samples column"."""
    acc, _ = trial
    t = np.arange(len(acc)) / RATE * (1000 if name.endswith("ms") else 1)
    path = _write(tmp_path / "t.csv", [name, "acc_x", "acc_y", "acc_z"], [np.round(t, 3), *acc.T])
    assert _result(path) == trial_result


def test_sensor_logger_layout_reads_the_walk_and_its_start(
    tmp_path: Path, phone: np.ndarray, phone_result: tuple[int, int]
) -> None:
    """Sensor Logger: ``time`` (Unix ns), ``seconds_elapsed`` and the axes as ``z, y, x``;
    it was "not in a format BackStride reads"."""
    since = phone[:, 0] - phone[0, 0]
    unix_ns = (1_698_765_432_000_000_000 + since.astype(np.int64)).astype(str)
    x, y, z = phone[:, 1:].T
    path = _write(
        tmp_path / "Accelerometer.csv",
        ["time", "seconds_elapsed", "z", "y", "x"],
        [unix_ns, since / 1e9, z, y, x],
    )
    recording = read_recording(path)
    assert recording.start == dt.datetime(2023, 10, 31, 15, 17, 12, tzinfo=dt.UTC)
    np.testing.assert_allclose(recording.acc[0], phone[0, 1:], rtol=1e-6)
    assert _result(path) == phone_result


def test_times_to_the_whole_second_need_the_rate(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray], trial_result: tuple[int, int]
) -> None:
    """ISO times written to whole seconds repeat a hundred times: "does not increase on
    line 3; sort the rows by time" even with --sample-rate-hz, which cannot fix it."""
    acc, _ = trial
    first = dt.datetime(2024, 5, 6, 7, 8, 9)
    stamps = [(first + dt.timedelta(seconds=k // 100)).isoformat() for k in range(len(acc))]
    path = _write(tmp_path / "s.csv", ["timestamp", "acc_x", "acc_y", "acc_z"], [stamps, *acc.T])
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "--sample-rate-hz")
    recording = read_recording(path, sample_rate_hz=RATE)
    assert recording.start == first.replace(tzinfo=dt.UTC)
    assert _result(path, sample_rate_hz=RATE) == trial_result


@pytest.mark.parametrize("stamp", ["%d/%m/%Y %H:%M:%S", "%H:%M:%S"])
def test_times_not_in_iso_8601_are_refused_with_the_fix(tmp_path: Path, stamp: str) -> None:
    """Day-first dates and times of day alone: "not an ISO 8601 time like the others; fix or
    delete that line" of the first line, where every line is the same."""
    first = dt.datetime(2024, 5, 6, 7, 8, 9)
    stamps = [(first + dt.timedelta(milliseconds=10 * k)).strftime(stamp) for k in range(500)]
    path = _write(
        tmp_path / "d.csv",
        ["timestamp", "acc_x", "acc_y", "acc_z"],
        [stamps, *np.tile([[0.01], [0.99], [0.05]], 500)],
    )
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "neither an ISO 8601")


@pytest.mark.parametrize("sep", [",", ";"])
def test_iso_times_with_a_decimal_comma(
    tmp_path: Path,
    trial: tuple[np.ndarray, np.ndarray],
    trial_result: tuple[int, int],
    sep: str,
) -> None:
    """ISO 8601 allows a comma before the fraction of a second (Python's logging writes
    ``07:08:09,123``): "not an ISO 8601 time like the others"."""
    acc, _ = trial
    first = dt.datetime(2024, 5, 6, 7, 8, 9)
    stamps = [
        (first + dt.timedelta(milliseconds=10 * k)).isoformat(sep=" ", timespec="milliseconds")
        for k in range(len(acc))
    ]
    stamps = [f'"{s.replace(".", ",")}"' for s in stamps]
    path = _write(
        tmp_path / "c.csv", ["timestamp", "acc_x", "acc_y", "acc_z"], [stamps, *acc.T], sep
    )
    assert read_recording(path).start == first.replace(tzinfo=dt.UTC)
    assert _result(path) == trial_result


def test_a_second_recording_appended_is_named_as_such(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray]
) -> None:
    """Two sessions in one file, each timed from 0: the fix was "sort the rows by time",
    which would interleave them."""
    acc, _ = trial
    t = np.arange(len(acc)) / RATE
    path = _write(
        tmp_path / "two.csv",
        ["time_s", "acc_x", "acc_y", "acc_z"],
        [np.concatenate([t, t]), *np.vstack([acc, acc]).T],
    )
    message = raises_one_sentence(InvalidInputError, lambda: read_recording(path), "line 13761")
    assert "split the file" in message and "sort" not in message


# --------------------------------------------------------------------------- column names


@pytest.mark.parametrize(
    "names",
    [
        ["accX", "accY", "accZ", "gyroX", "gyroY", "gyroZ"],
        [f"Accelerometer{a}" for a in "XYZ"] + [f"Gyroscope{a}" for a in "XYZ"],
        ["acc_x [g]", "acc_y [g]", "acc_z [g]", "gyr_x [deg/s]", "gyr_y [deg/s]", "gyr_z [deg/s]"],
        ["Acc X", "Acc Y", "Acc Z", "gyro_x", "gyro_y", "gyro_z"],
        ["accel_x", "accel_y", "accel_z", "gyro_x", "gyro_y", "gyro_z"],
        ["ax", "ay", "az", "gx", "gy", "gz"],
        ["acX", "acY", "acZ", "gyX", "gyY", "gyZ"],
    ],
    ids=["accX", "AccelerometerX", "units-in-brackets", "spaces-gyro_x", "accel_x", "gx", "acX"],
)  # fmt: skip
def test_column_names_of_apps_and_imus(
    tmp_path: Path,
    trial: tuple[np.ndarray, np.ndarray],
    trial_result: tuple[int, int],
    names: list[str],
) -> None:
    """Were refused as having no acc_x column (``accel_x`` too), or (``gyro_x``, ``gx``)
    read without the gyroscope."""
    acc, gyr = trial
    path = _write(
        tmp_path / "n.csv", ["time_s", *names], [np.arange(len(acc)) / RATE, *acc.T, *gyr.T]
    )
    recording = read_recording(path)
    assert recording.gyr is not None
    np.testing.assert_allclose(recording.gyr, gyr, atol=1e-6)
    assert _result(path) == trial_result


def test_an_activity_record_is_named_as_such(tmp_path: Path) -> None:
    """A watch's per-second record exported as CSV (Garmin's, from a .fit file) was told to
    "name the accelerometer columns acc_x, acc_y and acc_z"; it has none to name."""
    record = SHARED / "devices" / "garmin-fit" / "garmin-fenix-5-walk-records.csv"
    message = raises_one_sentence(
        InvalidInputError, lambda: read_recording(shared(record)), "activity record"
    )
    assert "heart_rate, cadence" in message and ".fit" in message
    # a CSV with a speed column beside its accelerometer is read as before
    path = _write(
        tmp_path / "s.csv",
        ["time_s", "speed", "distance", "acc_x", "acc_y", "acc_z"],
        [
            np.arange(3000) / RATE,
            np.ones(3000),
            np.arange(3000.0),
            *np.tile([0.0, 0.0, 1.0], (3000, 1)).T,
        ],
    )
    assert read_recording(path).n_samples == 3000
    # and one without either keeps the message that names the columns
    path = _write(tmp_path / "n.csv", ["time_s", "speed", "ux", "uy"], [np.arange(10.0)] * 4)
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "name the accelerometer")


def test_a_units_row_and_lines_above_the_header_are_passed_over(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray], trial_result: tuple[int, int]
) -> None:
    """Lines about the device above the header made the file "not in a format BackStride
    reads"; a row of units under it, "the non-numeric value 'g' on line 2"."""
    acc, _ = trial
    path = _write(
        tmp_path / "u.csv",
        ["time_s", "acc_x", "acc_y", "acc_z"],
        [np.arange(len(acc)) / RATE, *acc.T],
    )
    lines = path.read_text().split("\n")
    path.write_text(
        "\n".join(["Device: IMU 42", "Rate: 100 Hz", "", lines[0], "s,g,g,g", *lines[1:]])
    )
    recording = read_recording(path)
    assert any("line 5, the units" in note for note in recording.notes)
    assert _result(path) == trial_result


# --------------------------------------------------------------------------- numbers


def test_a_bad_value_in_a_decimal_comma_file_is_the_one_named(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray]
) -> None:
    """One bad cell left the column as text, and the error named the first good number:
    "the non-numeric value '0,98849174' on line 2"."""
    acc, _ = trial
    cells = [[f"{v:.8f}".replace(".", ",") for v in column] for column in acc.T]
    cells[0][698] = "n.v."
    path = _write(tmp_path / "d.csv", ["acc_x", "acc_y", "acc_z"], cells, ";")
    raises_one_sentence(
        InvalidInputError, lambda: read_recording(path, sample_rate_hz=RATE), "'n.v.' on line 700"
    )
    cells[0][698] = "1.000,5"  # grouped in thousands, as a spreadsheet may write it
    path = _write(tmp_path / "d.csv", ["acc_x", "acc_y", "acc_z"], cells, ";")
    message = raises_one_sentence(
        InvalidInputError, lambda: read_recording(path, sample_rate_hz=RATE), "line 700"
    )
    assert "thousands separator" in message


def test_decimal_commas_between_commas_are_refused_not_shifted(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray]
) -> None:
    """A comma-separated file with decimal commas has twice the values per row; the parser
    dropped the surplus, the rest fell under the wrong names, and the message was "The
    time_s column does not increase on line 3; sort the rows by time"."""
    acc, _ = trial
    t = np.arange(len(acc)) / RATE
    cells = [[f"{v:.4f}".replace(".", ",") for v in column] for column in (t, *acc.T)]
    path = _write(tmp_path / "cc.csv", ["time_s", "acc_x", "acc_y", "acc_z"], cells)
    raises_one_sentence(
        InvalidInputError, lambda: read_recording(path), "8 values where the header names 4"
    )
    quoted = [[f'"{v}"' for v in column] for column in cells]  # one value a field, but text
    path = _write(tmp_path / "cc.csv", ["time_s", "acc_x", "acc_y", "acc_z"], quoted)
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "decimal comma")


# --------------------------------------------------------------------------- gravity


def _gravity_removed(acc_mps2: np.ndarray) -> np.ndarray:
    """Acceleration less its part below 0.3 Hz, as a phone's "linear acceleration" is."""
    return acc_mps2 - sosfiltfilt(butter(2, 0.3, fs=RATE, output="sos"), acc_mps2, axis=0)


def test_a_lower_back_linear_acceleration_is_refused_not_taken_for_g(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray]
) -> None:
    """The trial with gravity taken out, in m/s^2, has a median magnitude of 0.80: detection
    took it for g, and the walk was analysed as 132 steps in 5 bouts (95 in 8)."""
    acc, _ = trial
    linear = _gravity_removed(acc * STANDARD_GRAVITY)
    path = _write(
        tmp_path / "lin.csv",
        ["time_s", "acc_x", "acc_y", "acc_z"],
        [np.arange(len(acc)) / RATE, *linear.T],
    )
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "gravity was taken out")


def test_a_pocket_phone_linear_acceleration_says_why(tmp_path: Path) -> None:
    """A phone in a trouser pocket, gravity taken out, still reads a median magnitude of
    5.1 m/s^2; the message asked for --acc-unit, which cannot help."""
    log = np.loadtxt(POCKET, delimiter=",")
    time_s = (log[:, 0] - log[0, 0]) / 1e9
    grid = np.arange(0, time_s[-1], 1 / RATE)
    acc = np.column_stack([np.interp(grid, time_s, log[:, k]) for k in (1, 2, 3)])
    linear = _gravity_removed(acc)
    assert 5 < np.median(np.linalg.norm(linear, axis=1)) < 5.5
    path = _write(tmp_path / "pocket.csv", ["time_s", "ax", "ay", "az"], [grid, *linear.T])
    message = raises_one_sentence(InvalidInputError, lambda: read_recording(path), "linear")
    assert "--acc-unit" not in message


def test_columns_named_linear_acceleration_say_so(tmp_path: Path) -> None:
    """phyphox's "Acceleration (without g)" export: was "no acc_x column; name the
    accelerometer columns acc_x, acc_y and acc_z", which invites renaming them."""
    names = ["Time (s)", *(f"Linear Acceleration {a} (m/s^2)" for a in "xyz")]
    path = _write(
        tmp_path / "Linear Acceleration.csv", names, [np.arange(500) / RATE, *np.zeros((3, 500))]
    )
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "Acceleration with g")


# --------------------------------------------------------------------------- kept working


def test_a_clock_column_that_is_no_time_still_reads_with_a_rate(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray], trial_result: tuple[int, int]
) -> None:
    """Physics Toolbox's ``time`` may be a clock of its own (``07:08:09:250``); with
    --sample-rate-hz the file read before ``time`` was a time column, and still does."""
    acc, _ = trial
    clock = [
        f"07:{k // 6000 % 60:02d}:{k // 100 % 60:02d}:{10 * (k % 100):03d}" for k in range(len(acc))
    ]
    path = _write(tmp_path / "ptb.csv", ["time", "gFx", "gFy", "gFz"], [clock, *acc.T])
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "--sample-rate-hz")
    assert _result(path, sample_rate_hz=RATE) == trial_result


def test_a_text_about_the_columns_is_not_their_header(tmp_path: Path) -> None:
    """A README that names acc_x, acc_y and acc_z in its prose was read as a CSV whose header
    sits below some lines about the device ("non-numeric value ' the position (hand'"); a
    header below other lines needs numbers after it."""
    from backstride.exceptions import UnsupportedFormatError

    readme = tmp_path / "README.md"
    readme.write_text(
        "# Data\n\nThe files hold a time column and the\n"
        "acc_x, acc_y, acc_z columns in g, then the step counts, the position (hand, bag).\n"
        "See the source for details.\n"
    )
    with pytest.raises(UnsupportedFormatError):
        detect_format(readme)
    with pytest.raises(UnsupportedFormatError):  # it names "accx, accy, accz"
        detect_format(DATA / "oxford-phone-steps" / "README.validation.md")


# --------------------------------------------------------------------------- review fixes


@pytest.mark.parametrize(("unit", "per_second"), [("seconds", 1), ("milliseconds", 1000)])
def test_unix_times_seconds_apart_are_not_read_as_a_faster_clock(
    tmp_path: Path,
    trial: tuple[np.ndarray, np.ndarray],
    phone: np.ndarray,
    phone_result: tuple[int, int],
    unit: str,
    per_second: int,
) -> None:
    """10-s epochs stamped in Unix seconds are, by their numbers, also a clock in ms 10 ms
    apart: a day of them was analysed as 86 s at 100 Hz (63 steps in a bout), where they
    were refused as "0.1 Hz". A phone's jittering ns since boot, up 25 days, still reads."""
    acc, _ = trial
    epochs = acc[: len(acc) // 100 * 100].reshape(-1, 100, 3).mean(axis=1)
    epochs = np.tile(epochs, (15, 1))
    stamps = (1_700_000_000 + 10 * np.arange(len(epochs))) * per_second
    path = _write(
        tmp_path / "epochs.csv", ["timestamp", "acc_x", "acc_y", "acc_z"], [stamps, *epochs.T]
    )
    message = raises_one_sentence(
        InvalidInputError, lambda: read_recording(path), f"either Unix {unit} 10 s apart"
    )
    assert "0.1 Hz" in message and "time_s" in message
    coarse = np.repeat(stamps, 10)[: len(epochs)]  # 10-s times on 1-s samples: too coarse
    path = _write(
        tmp_path / "coarse.csv", ["timestamp", "acc_x", "acc_y", "acc_z"], [coarse, *epochs.T]
    )
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "too coarse")
    uptime = (phone[:, 0].astype(np.int64) + 2_200_000_000_000_000).astype(str)
    path = _write(tmp_path / "up.csv", ["timestamp", "ax", "ay", "az"], [uptime, *phone[:, 1:].T])
    assert _result(path) == phone_result


def test_decimal_commas_after_a_first_row_of_whole_numbers(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray], trial_result: tuple[int, int]
) -> None:
    """A first row with no fraction (``0;1;0;0``) decided the file had decimal points, and
    the file was refused at "0,985" with "write decimal points, or separate the fields with
    semicolons", which they already were."""
    acc, _ = trial
    acc = acc.copy()
    acc[0] = [1, 0, 0]
    cells = [
        [f"{v:.9g}".replace(".", ",") for v in column]
        for column in (np.arange(len(acc)) / RATE, *acc.T)
    ]
    assert cells[0][0] == "0" and cells[1][0] == "1"
    path = _write(tmp_path / "dc.csv", ["time_s", "acc_x", "acc_y", "acc_z"], cells, ";")
    assert _result(path) == trial_result


def test_lines_above_a_header_with_a_separator_closing_each_row(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray], trial_result: tuple[int, int]
) -> None:
    """Rows ended by a separator have a cell more than the header: the header below the
    device lines was not taken for one, and the file was "not in a format BackStride reads"
    (it reads without the device lines)."""
    acc, _ = trial
    path = _write(
        tmp_path / "t.csv",
        ["time_s", "acc_x", "acc_y", "acc_z"],
        [np.arange(len(acc)) / RATE, *acc.T],
    )
    lines = path.read_text().splitlines()
    path.write_text("\n".join(["Device: IMU 42", lines[0], *(f"{x}," for x in lines[1:])]))
    assert _result(path) == trial_result


def test_a_first_row_with_its_time_and_no_values_is_data_not_units(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray]
) -> None:
    """A first row holding its time but empty values was dropped as "the units of the
    columns": the start moved one sample on, 10:00:00.010."""
    acc, _ = trial
    stamps = pd.date_range("2024-05-06T10:00:00", periods=len(acc), freq="10ms")
    times = list(stamps.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3])
    columns = [[""] + [f"{v:.9g}" for v in column[1:]] for column in acc.T]
    path = _write(tmp_path / "e.csv", ["timestamp", "acc_x", "acc_y", "acc_z"], [times, *columns])
    recording = read_recording(path)
    assert recording.start == dt.datetime(2024, 5, 6, 10, 0, tzinfo=dt.UTC)
    assert recording.acc.shape[0] == len(acc)
    assert not any("units" in note for note in recording.notes)


def test_gravity_in_g_below_the_floor_for_detected_g_names_acc_unit(
    tmp_path: Path, trial: tuple[np.ndarray, np.ndarray]
) -> None:
    """A recording in g whose gravity measures 0.78 (as a phone swung in the hand may) read
    before and is now refused, since a linear acceleration in m/s^2 read as g reaches 0.74;
    the message said only to export it with gravity, not that --acc-unit g reads it."""
    acc, _ = trial
    path = _write(
        tmp_path / "low.csv",
        ["time_s", "acc_x", "acc_y", "acc_z"],
        [np.arange(len(acc)) / RATE, *(0.79 * acc).T],
    )
    raises_one_sentence(InvalidInputError, lambda: read_recording(path), "--acc-unit g")
    recording = read_recording(path, acc_unit="g")  # as the message says: read, in g
    assert recording.sample_rate_hz == RATE
    # written to 9 significant digits
    np.testing.assert_allclose(recording.acc, 0.79 * acc * STANDARD_GRAVITY, rtol=1e-8, atol=1e-8)
