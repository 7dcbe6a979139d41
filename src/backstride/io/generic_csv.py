"""Reader for a plain CSV with named accelerometer (and optional gyroscope) columns.

The file needs a header row. Column names are matched case-insensitively after trimming, and
the names of common logger apps are known too (``accX``, ``Acceleration x (m/s^2)``, ``gFx``,
``AccelerometerX``, ``gyro_x``, a unit in brackets; see :data:`ACC_NAMES`):

- ``acc_x, acc_y, acc_z`` (required), in g or m/s^2 (``acc_unit``; when omitted, a median
  magnitude of 0.6-1.6 means g and 6-16 means m/s^2, anything else is an error, and the
  signal must then hold gravity, see :func:`backstride.io._common.acc_to_mps2`: a "linear"
  acceleration is refused, not analysed);
- ``gyr_x, gyr_y, gyr_z`` (optional), in deg/s or rad/s (``gyr_unit``; when omitted, told
  from how gravity turns, else from the size of the readings, see
  :func:`backstride.io._common.gyr_to_dps`);
- one time base, in this order of preference:

  - ``time_s`` (also ``seconds_elapsed``, ``elapsed (s)``): seconds, any origin; a clock
    column beside it still gives the start;
  - ``timestamp``, then ``time``: ISO 8601 text (with or without an offset; without one it is
    a local clock time in ``time_zone``, read as continuous across a daylight-saving change,
    or UTC when no zone is given) or a number: Unix seconds, milliseconds, microseconds or
    nanoseconds (told apart by magnitude, see :func:`backstride.io._common.unix_seconds_scale`)
    when its steps fit, else a clock from another origin, such as a phone's since it
    started, in the unit its steps fit (see :func:`_clock_seconds`);
  - ``samples``: a sample index, which needs ``sample_rate_hz``;
  - none, which needs ``sample_rate_hz``.

The header is the first line that names a known column (lines about the device above it are
passed over, and ``#`` comments and blank lines skipped); a row of units under it is passed
over. The delimiter is the one of comma, semicolon and tab that occurs most in the header. A
file separated by semicolons or tabs may write decimal commas (``0,981``), as spreadsheet
programs do in many European locales; that is recognised from the first data row with a
fraction (see :func:`backstride.io._common.decimal_mark`) and noted. Irregular time steps
(any step off the median by more than 5%, or gaps) are resampled onto a uniform grid by
linear interpolation; everything detected or assumed is recorded in ``Recording.notes``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    CLOCK_TICKS,
    IntArray,
    PathLike,
    acc_to_mps2,
    check_rate,
    clock_ticks_per_second,
    decimal_mark,
    existing_file,
    gyr_to_dps,
    numeric_column,
    parse_zone,
    read_table,
    read_text_lines,
    resample_uniform,
    seconds_since_first,
    shorten,
    snap_rate,
    time_steps,
    unix_seconds_scale,
    unix_to_datetime,
    where,
)
from backstride.recording import (
    MIN_SAMPLE_RATE_HZ,
    FloatArray,
    Recording,
    require_step_rate,
)

ACC_COLUMNS = ("acc_x", "acc_y", "acc_z")
GYR_COLUMNS = ("gyr_x", "gyr_y", "gyr_z")
#: Time columns in order of preference; ``time`` is a clock read as ``timestamp`` is.
TIME_COLUMNS = ("time_s", "timestamp", "time", "samples")
#: Header names that identify a file as meant for this reader (used by format detection);
#: a ``time`` column alone does not (GPS tracks and many other tables have one).
KNOWN_COLUMNS = frozenset(ACC_COLUMNS + GYR_COLUMNS + ("time_s", "timestamp", "samples"))
#: Time columns that hold a clock: ISO 8601 text, or numbers in s, ms, us or ns.
CLOCK_COLUMNS = ("timestamp", "time")
DELIMITERS = (",", ";", "\t")
DEVICE = "CSV"
#: A relative mismatch above this between a given sample rate and the time column is an error.
RATE_MISMATCH_TOLERANCE = 0.05
#: A time column whose time stays the same from one row to the next on more than this share
#: of its rows is too coarse to time the samples (a clock written to whole seconds).
MAX_REPEATED_TIME_SHARE = 0.5
#: A clock whose size makes it a Unix time is read as one if its median step is at most this,
#: s. A clock from another origin (a phone's since it started, ``SensorEvent.timestamp``)
#: can be as big as one: in nanoseconds it is a Unix time in milliseconds by its size from
#: 11 minutes of uptime (6.3e11 ns, 1990 in ms) to 68 minutes; read so, its steps are 1000
#: times too long (10 s at 100 Hz).
MAX_UNIX_STEP_S = 1.0

_COMMA_FRACTION_RE = re.compile(r"(:\d{2}),(?=\d)")
_OFFSET_RE = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
#: A cell that is a number in either notation, or a time (``2020-01-01T10:00:00``, ``10:00:00``).
_NUMBER_CELL_RE = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$|^\d[\d:.T /-]+")


#: Column names of common phone logger apps and research IMU exports, matched after trimming
#: spaces and quotes, in lower case, with a unit in brackets at the end (``acc_x [g]``,
#: ``Acceleration x (m/s^2)``) and the separators ``_ . -`` and spaces left out, so that
#: ``accX``, ``Acc X``, ``acc.x`` and ``ACC_X`` are one name. Units are still detected from
#: the data (or given with --acc-unit / --gyr-unit), not taken from the name. Among them:
#: phyphox ("Acceleration with g" and "Gyroscope": ``Time (s)``, ``Acceleration x (m/s^2)``,
#: ``Gyroscope x (rad/s)``), Physics Toolbox Sensor Suite (``gFx`` in g, ``ax`` in m/s^2,
#: ``wx`` in rad/s), Sensor Logger (``time`` in Unix ns, ``seconds_elapsed``, ``z, y, x``),
#: ``AccelerometerX`` / ``GyroscopeX``, ``accel_x`` / ``gyro_x``, and the ``ax, ay, az, gx,
#: gy, gz`` (or ``acX``, ``gyX``) of microcontroller IMU logs (``g`` is the gyroscope there;
#: Physics Toolbox's g-force is ``gFx``). Bare ``x, y, z`` are the acceleration only in a file
#: that names no other (see :func:`resolve_names`).
ACC_NAMES = frozenset({"a", "ac", "acc", "accel", "accelerometer", "acceleration", "gf"})
GYR_NAMES = frozenset(
    {"w", "g", "gy", "gyr", "gyro", "gyroscope", "rotationrate", "angularvelocity"}
)
#: Columns of an activity record (a watch's per-second track exported as CSV: Garmin's FIT
#: records, Strava streams), compared without separators: with two of them and no sensor
#: axis, the file is named as such, not asked to rename its accelerometer columns.
ACTIVITY_RECORD_NAMES = frozenset(
    {"heartrate", "hr", "cadence", "speed", "distance", "positionlat", "positionlong",
     "latitude", "longitude", "lat", "lon", "altitude", "elevation", "power", "pace"}
)  # fmt: skip
#: Acceleration with gravity taken out, named as such: refused with that reason.
LINEAR_NAMES = frozenset(
    {"linacc", "linearacc", "linearaccel", "linearacceleration", "useracceleration", "useracc"}
)
#: Seconds from any origin (the ``time_s`` column) by name (Sensor Logger's).
SECONDS_NAMES = frozenset({"secondselapsed", "elapsedseconds"})
#: Time columns, with their unit after the name (``time_ms``) or in brackets (``Time (s)``):
#: ``time_s`` in seconds, else a clock (read as ``timestamp`` is).
_TIME_NAME_RE = re.compile(r"^(?:(timestamp|time|elapsedtime|elapsed)(s|sec|ms|us|ns)?|t)$")
_UNIT_RE = re.compile(r"\s*[(\[]\s*([^)\]]*?)\s*[)\]]$")
_AXIS_RE = re.compile(r"^([a-z]*?)([xyz])$")
_SEPARATORS_RE = re.compile(r"[\s_.\-]+")


def _compact(name: str) -> str:
    """A name without its separators (``_ . -`` and spaces): ``heart_rate`` -> ``heartrate``."""
    return _SEPARATORS_RE.sub("", name)


def normalise_name(name: str) -> str:
    """Return a header name as this reader knows it (see :data:`ACC_NAMES`), else trimmed.

    ``acc_x``..., ``gyr_x``..., ``time_s`` and ``timestamp`` for the names of those columns;
    ``time`` for another clock column (read as ``timestamp`` is, when no column has that
    name); ``linear_x``... for acceleration named as having gravity taken out. Any other name
    is returned trimmed of spaces and quotes, in lower case.
    """
    plain = name.strip().strip("\"'").strip().lower()
    unit_match = _UNIT_RE.search(plain)
    unit = unit_match.group(1) if unit_match else ""
    base = plain[: unit_match.start()] if unit_match else plain
    compact = _compact(base)
    axis = _AXIS_RE.match(compact)
    if axis:
        kind, letter = axis.groups()
        for names, canonical in ((ACC_NAMES, "acc"), (GYR_NAMES, "gyr"), (LINEAR_NAMES, "linear")):
            if kind in names:
                return f"{canonical}_{letter}"
    time = _TIME_NAME_RE.match(compact)
    if compact in SECONDS_NAMES:
        return "time_s"
    if time and time.group(1) == "timestamp":
        return "timestamp"
    if time:
        return "time_s" if (time.group(2) or unit) in {"s", "sec", "seconds"} else "time"
    return plain


def resolve_names(names: list[str]) -> list[str]:
    """Normalised names with bare ``x, y, z`` read as ``acc_x, acc_y, acc_z``.

    Only when all three are there and no other column names the acceleration: Sensor
    Logger writes ``z, y, x`` for its accelerometer, but beside ``acc_x`` they would be
    something else (a position, a magnetometer).
    """
    if set(ACC_COLUMNS) & set(names) or not {"x", "y", "z"} <= set(names):
        return names
    return [f"acc_{name}" if name in ("x", "y", "z") else name for name in names]


def find_header(lines: list[str]) -> tuple[int, str, list[str]] | None:
    """Locate the header row among the first lines of a file.

    The first line, after blank lines and ``#`` comments, that names a column this reader
    knows (:data:`KNOWN_COLUMNS`): exports may open with lines about the device or the
    recording (``Device: ...``) above it. Without such a line, the first line.

    Parameters
    ----------
    lines
        The first lines of the file.

    Returns
    -------
    tuple or None
        ``(index of the header line, delimiter, normalised column names)`` (bare ``x, y, z``
        resolved, see :func:`resolve_names`), or ``None`` if every line is blank or a ``#``
        comment.
    """
    first: tuple[int, str, list[str]] | None = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        delimiter = max(DELIMITERS, key=line.count)
        cells = line.split(delimiter)
        names = resolve_names([normalise_name(name) for name in cells])
        # a line about the columns (a README's "acc_x, acc_y, ...") is not their header:
        # numbers follow a header, in as many cells, at most one units row below it
        if set(names) & KNOWN_COLUMNS and (
            first is None or _numbers_follow(lines, index, delimiter, _width(cells))
        ):
            return index, delimiter, names
        first = first or (index, delimiter, names)
    return first


def _numbers_follow(lines: list[str], index: int, delimiter: str, n_cells: int) -> bool:
    """Whether one of the two rows after line ``index`` is mostly numbers in ``n_cells`` cells.

    Empty cells after the ``n_cells`` (a separator that closes every row) are not counted,
    as the reader does not count them.
    """
    rows = [line for line in lines[index + 1 :] if line.strip()][:2]
    for row in rows:
        cells = [c.strip().strip("\"'").strip() for c in row.split(delimiter)]
        numbers = sum(bool(_NUMBER_CELL_RE.match(c)) for c in cells)
        if len(cells) >= n_cells and not any(cells[n_cells:]) and numbers * 2 >= n_cells:
            return True
    return False


def _width(cells: list[str]) -> int:
    """The number of cells up to the last one that is not blank."""
    filled = [k for k, cell in enumerate(cells) if cell.strip().strip("\"'").strip()]
    return filled[-1] + 1 if filled else 0


def _cells(line: str, delimiter: str) -> list[str]:
    """The fields of one line, quotes honoured, each trimmed of spaces and quotes."""
    try:
        fields = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # a byte the csv module refuses: the parser will say what is wrong
        fields = line.split(delimiter)
    return [field.strip().strip("\"'").strip() for field in fields]


def _first_data_line(lines: list[str], header_index: int) -> int | None:
    """Index of the first line after the header that is not blank or a ``#`` comment."""
    for index in range(header_index + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index
    return None


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def _is_units_row(lines: list[str], header_index: int, delimiter: str) -> bool:
    """Whether the line under the header gives the columns' units (``s, g, g, g``).

    Some exports write one there; no cell of it is a number, where any data row's are.
    """
    if header_index + 1 >= len(lines):
        return False
    cells = _cells(lines[header_index + 1], delimiter)
    # a data row whose signal cells are empty still holds its time
    return any(cells) and not any(_is_time(cell) for cell in cells if cell)


def _check_field_count(
    lines: list[str], header_index: int, delimiter: str, name: str, units_row: bool
) -> None:
    """Refuse a first data row with more values than the header has names.

    The parser would drop the surplus values without a word, and with them the column
    order: a comma-separated file that writes decimal commas (``0,981``) has twice the
    fields, and its numbers would be read in halves under the wrong names. Empty surplus
    fields (a separator at the end of each row) are harmless.
    """
    first = _first_data_line(lines, header_index + units_row)
    if first is None:
        return
    n_names = len(_cells(lines[header_index], delimiter))
    cells = _cells(lines[first], delimiter)
    if len(cells) > n_names and any(cells[n_names:]):
        hint = (
            "; if its numbers have decimal commas, separate the fields with semicolons"
            if delimiter == ","
            else ""
        )
        raise InvalidInputError(
            f"Line {first + 1} of {name} has {len(cells)} values where the header names "
            f"{n_names} columns, so it is not known which value belongs to which column; give "
            f"every column a name{hint}."
        )


def _is_time(text: str) -> bool:
    """Whether a cell is a number or an ISO 8601 time."""
    if _is_number(text):
        return True
    text = _COMMA_FRACTION_RE.sub(r"\1.", text)
    return not pd.isna(pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True))


def _too_coarse(time_s: FloatArray, label: str, rate_given: float | None) -> str | None:
    """Why a clock column cannot time the samples, if it repeats its times on most rows.

    A clock written to whole seconds (``2024-05-06T07:08:09`` a hundred times) is refused
    without a rate, with the fix; with ``--sample-rate-hz`` the samples are timed by the rate
    from its first time, and this says so.
    """
    steps = np.diff(time_s[np.isfinite(time_s)])
    if steps.size == 0 or np.mean(steps == 0) <= MAX_REPEATED_TIME_SHARE:
        return None
    repeated = f"{int(np.sum(steps == 0))} of its {steps.size + 1} rows"
    if rate_given is None:
        raise InvalidInputError(
            f"The {label} column repeats the time of the row before on {repeated}, so it is "
            "too coarse to time the samples (written to whole seconds, for example); pass "
            "--sample-rate-hz to time them by their rate from its first time."
        )
    return f"the {label} column repeats its times on {repeated}, too coarse to time the samples"


def _drop_repeated_rows(
    time_s: FloatArray, values: FloatArray, line_of: IntArray, label: str, notes: list[str]
) -> tuple[FloatArray, FloatArray, IntArray]:
    """The rows that are not the row before written again; a note says how many were dropped.

    Phone logger apps now and then write a row twice (Physics Toolbox on iOS:
    ``17:23:55.4650,0.035,-0.517,-0.821`` on two lines), and such a log was refused as "does
    not increase". A row with the time *and* the values of the row before holds nothing new,
    so it is dropped. Two rows at one time with different values are two samples that cannot
    be placed: the time column does not increase, and
    :func:`~backstride.io._common.time_steps` refuses it, as it refuses a time that goes back.
    """
    if time_s.size < 2:
        return time_s, values, line_of
    with np.errstate(invalid="ignore"):
        same_time = np.diff(time_s) == 0
        after, before = values[1:], values[:-1]
        same_values = np.all((after == before) | (np.isnan(after) & np.isnan(before)), axis=1)
    again = np.concatenate([[False], same_time & same_values])
    if not again.any():
        return time_s, values, line_of
    notes.append(
        f"{int(again.sum())} rows that repeat the row before, time and values, were dropped "
        f"(the first is line {int(line_of[int(np.argmax(again))])})"
    )
    keep = ~again
    return time_s[keep], values[keep], line_of[keep]


def stem_name(path: Path) -> str:
    """Return a short label for a file: its name without ``.csv``/``.txt`` and ``.imu``."""
    name = path.name
    for suffix in (".gz", ".csv", ".txt", ".tsv", ".imu"):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def read_csv(
    path: PathLike,
    *,
    sample_rate_hz: float | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    height_m: float | None = None,
    sensor_height_m: float | None = None,
    time_zone: str | dt.tzinfo | None = None,
) -> Recording:
    """Read a CSV with ``acc_x, acc_y, acc_z`` (and optional ``gyr_*``) columns.

    Parameters
    ----------
    path
        The CSV file.
    sample_rate_hz
        Sample rate, Hz; required when the file has no ``time_s`` or ``timestamp`` column.
        When the file has one, a rate that differs from it by more than 5% is an error.
    acc_unit
        ``"g"`` or ``"mps2"``; detected from the median magnitude when ``None``.
    gyr_unit
        ``"dps"`` or ``"rads"``; detected from the 99th percentile of |rate| when ``None``.
    height_m
        Wearer's body height, m.
    sensor_height_m
        Sensor height above the ground when standing, m.
    time_zone
        Where the recording was made (IANA name or tzinfo): ISO times without an offset are
        local clock times there, and a daylight-saving change they cross is read as
        continuous; without it they are taken as UTC.

    Returns
    -------
    Recording
        The recording, resampled onto a uniform grid if the time steps were irregular.

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        Missing columns, non-numeric values, more values in a row than names in the header,
        a time column that does not increase or is too coarse, clock times that cannot be
        local times in ``time_zone``, no way to know the sample rate, an undetectable unit,
        acceleration without gravity in it, or a rate below 20 Hz.
    """
    p = existing_file(path)
    rate_given = check_rate(sample_rate_hz)
    lines = read_text_lines(p, 200)
    found = find_header(lines)
    if found is None:
        raise InvalidInputError(
            f"The file {p.name} has no header line; add one naming the acc_x, acc_y and acc_z "
            "columns."
        )
    header_index, delimiter, header_names = found
    for name in (*ACC_COLUMNS, *GYR_COLUMNS, *TIME_COLUMNS):
        if header_names.count(name) > 1:
            raise InvalidInputError(
                f"The file {p.name} has {header_names.count(name)} columns that name {name}; "
                "keep one, so that it is clear which holds the signal."
            )
    units_row = _is_units_row(lines, header_index, delimiter)
    _check_field_count(lines, header_index, delimiter, p.name, units_row)
    if units_row:  # the data start a line later; the checks below look at the data
        lines = lines[: header_index + 1] + lines[header_index + 2 :]
    decimal = decimal_mark(lines, header_index, delimiter)
    labels = [
        str(label)
        for label in read_table(p, sep=delimiter, header=0, skiprows=header_index, nrows=0).columns
    ]
    names = resolve_names([normalise_name(label) for label in labels])
    by_name: dict[str, str] = {}
    for name, label in zip(names, labels, strict=True):
        by_name.setdefault(name, label)
    missing = [name for name in ACC_COLUMNS if name not in by_name]
    if missing and any(name.startswith("linear_") for name in names):
        raise InvalidInputError(
            f"The file {p.name} holds linear acceleration, with gravity taken out, from which "
            "'up' cannot be found; export the accelerometer with gravity in it (in phyphox, "
            "'Acceleration with g')."
        )
    if missing:
        shown = ", ".join(name for name in names[:8] if name) or "none"
        if len({_compact(name) for name in names} & ACTIVITY_RECORD_NAMES) >= 2 and not any(
            name.startswith(("acc_", "gyr_")) for name in names
        ):
            raise InvalidInputError(
                f"The file {p.name} is an activity record of a watch or an app (its columns "
                f"are: {shown}), not accelerometer samples (acc_x, acc_y, acc_z) to find steps "
                "in; import the activity from the watch's .fit, .gpx or .tcx file instead "
                "(backstride import)."
            )
        raise InvalidInputError(
            f"The file {p.name} has no {' or '.join(missing)} column (its columns are: {shown}); "
            "name the accelerometer columns acc_x, acc_y and acc_z."
        )
    gyr_present = [name for name in GYR_COLUMNS if name in by_name]
    if gyr_present and len(gyr_present) < 3:
        absent = ", ".join(name for name in GYR_COLUMNS if name not in by_name)
        raise InvalidInputError(
            f"The file {p.name} has only some gyroscope columns (no {absent}); give all of "
            "gyr_x, gyr_y and gyr_z or none."
        )
    time_column = next((name for name in TIME_COLUMNS if name in by_name), None)
    parse_dates: list[str] = []
    if time_column in CLOCK_COLUMNS and _first_cell_is_text(
        lines, header_index, delimiter, names.index(time_column), decimal
    ):
        parse_dates = [by_name[time_column]]

    frame = read_table(
        p,
        sep=delimiter,
        header=0,
        skiprows=(lambda i: i < header_index or i == header_index + 1)
        if units_row
        else header_index,
        skip_blank_lines=False,
        decimal=decimal,
        parse_dates=parse_dates or None,
        date_format="ISO8601" if parse_dates else None,
    )
    frame = frame.dropna(how="all")
    if frame.empty:
        raise InvalidInputError(
            f"The file {p.name} holds no data rows; check that the recording was exported "
            "completely."
        )
    line_of: IntArray = frame.index.to_numpy(dtype=np.int64) + header_index + 2 + units_row

    signal_columns = list(ACC_COLUMNS) + gyr_present
    values: FloatArray = np.empty((len(frame), len(signal_columns)), dtype=np.float64)
    for position, name in enumerate(signal_columns):
        values[:, position] = numeric_column(frame[by_name[name]], name, line_of, decimal=decimal)

    notes: list[str] = ["numbers read with decimal commas"] if decimal == "," else []
    preamble = [k for k in range(header_index) if lines[k].strip()]
    if any(not lines[k].lstrip().startswith("#") for k in preamble):
        notes.append(f"lines 1-{header_index}, above the header, were passed over")
    if units_row:
        notes.append(f"line {header_index + 2}, the units of the columns, was passed over")
    untimed: str | None = None  # why a time column was not used, when it was not
    start: dt.datetime | None = None
    time_s: FloatArray | None = None
    clock_as_utc = False  # clock times without an offset or zone, taken as UTC
    if time_column == "time_s":
        time_s = numeric_column(frame[by_name["time_s"]], "time_s", line_of, decimal=decimal)
        clock = next((name for name in CLOCK_COLUMNS if name in by_name), None)
        if clock is not None:  # Sensor Logger's time (Unix ns) beside seconds_elapsed
            with contextlib.suppress(InvalidInputError):  # the start is a bonus
                _, start, time_notes, _ = _timestamp_seconds(
                    frame[by_name[clock]], line_of, parse_zone(time_zone), clock
                )
                if start is not None:
                    notes.extend([*time_notes, f"start time from the {clock} column"])
    elif time_column in CLOCK_COLUMNS:
        column = frame[by_name[time_column]]
        try:
            time_s, start, time_notes, clock_as_utc = _timestamp_seconds(
                column, line_of, parse_zone(time_zone), time_column
            )
        except InvalidInputError:
            # a column named only "time" may hold a clock of its own (Physics Toolbox writes
            # hh:mm:ss:SSS): with a rate given, the samples are timed by it instead; a bad
            # value further down a column of times is still an error
            cells = column.dropna().astype(str).str.strip()
            first = str(cells[cells != ""].iloc[0]) if (cells != "").any() else ""
            if time_column != "time" or rate_given is None or _is_time(first):
                raise
            untimed = f"the time column ({shorten(first)}, ...) holds no time BackStride reads"
        else:
            notes.extend(time_notes)
            untimed = _too_coarse(time_s, time_column, rate_given)
            if untimed is not None:
                time_s = None
    elif time_column == "samples":
        if rate_given is None:
            raise InvalidInputError(
                f"The file {p.name} has a samples column but no time_s or timestamp column; "
                "pass --sample-rate-hz to give the sample rate."
            )
        time_s = numeric_column(frame[by_name["samples"]], "samples", line_of) / rate_given
    elif rate_given is None:
        raise InvalidInputError(
            f"The file {p.name} has no time_s, timestamp or samples column; add one or pass "
            "--sample-rate-hz."
        )

    if time_s is None:
        assert rate_given is not None
        rate = rate_given
        if values.shape[0] < 2:
            raise InvalidInputError(
                "The file holds fewer than two samples; record for at least a few seconds."
            )
        notes.append(
            f"sample rate {rate:g} Hz as given; {untimed or 'the file has no time column'}"
        )
    else:
        label = time_column or "time"
        time_s, values, line_of = _drop_repeated_rows(time_s, values, line_of, label, notes)
        try:
            steps = time_steps(time_s, label, line_of)
        except InvalidInputError as error:
            if clock_as_utc and time_s.size > 1 and np.isfinite(time_s).all():
                row = int(np.argmax(np.diff(time_s) <= 0)) + 1
                change = _clock_change(time_s, row)
                if change is not None:
                    raise _zone_hint(change, row, line_of, label) from error
            raise
        if time_column == "samples":
            assert rate_given is not None
            rate = rate_given
        elif rate_given is not None:
            mismatch = abs(steps.measured_rate_hz - rate_given) / rate_given
            if mismatch > RATE_MISMATCH_TOLERANCE:
                raise InvalidInputError(
                    f"The {label} column gives {steps.measured_rate_hz:.4g} Hz but "
                    f"--sample-rate-hz says {rate_given:g} Hz; drop the option or fix the "
                    "time column."
                )
            rate = rate_given
            if rate_given != snap_rate(steps.measured_rate_hz):
                notes.append(
                    f"sample rate {rate_given:g} Hz as given, not the {label} column's "
                    f"{steps.measured_rate_hz:.4g} Hz"
                )
        else:
            rate = snap_rate(steps.measured_rate_hz)
            notes.append(f"sample rate {rate:g} Hz from the {label} column")
            # a second or more per sample is no accelerometer's; as milliseconds it would be
            if label == "time_s" and rate <= 1.0 and 1000 * rate >= MIN_SAMPLE_RATE_HZ:
                raise InvalidInputError(
                    f"The time_s column advances by {1 / steps.measured_rate_hz:.4g} per sample, "
                    f"which as seconds is {rate:.3g} Hz; if it holds milliseconds, divide it by "
                    "1000 (time_s is in seconds)."
                )
        if steps.irregular:
            change = _clock_change(time_s, steps.max_index) if clock_as_utc else None
            try:
                values, note = resample_uniform(time_s, values, rate, steps, label, line_of)
            except InvalidInputError as error:
                if change is not None:
                    raise _zone_hint(change, steps.max_index, line_of, label) from error
                raise
            notes.append(note)
            if change is not None:
                notes.append(
                    f"the {label} column {change} {where(steps.max_index, line_of)}, as "
                    "clocks do when summer time starts; if its times are local clock times, "
                    "give --time-zone"
                )

    require_step_rate(rate)  # before the unit checks, which filter at that rate
    acc, acc_note = acc_to_mps2(values[:, :3], acc_unit, rate)
    if acc_note:
        notes.append(acc_note)
    gyr: FloatArray | None = None
    if gyr_present:
        gyr, gyr_note = gyr_to_dps(values[:, 3:], gyr_unit, acc, rate)
        if gyr_note:
            notes.append(gyr_note)

    return Recording(
        acc=acc,
        sample_rate_hz=rate,
        gyr=gyr,
        start=start,
        device=DEVICE,
        height_m=height_m,
        sensor_height_m=sensor_height_m,
        name=stem_name(p),
        notes=tuple(notes),
        meta={"format": "generic_csv", "source_path": str(p)},
    )


def _first_cell_is_text(
    lines: list[str], header_index: int, delimiter: str, column: int, decimal: str = "."
) -> bool:
    """Whether the first non-empty value of a column in the first lines is not a number."""
    for line in lines[header_index + 1 :]:
        cells = line.split(delimiter)
        if column < len(cells):
            cell = cells[column].strip().strip("\"'").strip()
            if decimal == ",":
                cell = cell.replace(",", ".")
            if cell:
                try:
                    float(cell)
                except ValueError:
                    return True
                return False
    return False


def _timestamp_seconds(
    column: pd.Series, line_of: IntArray, zone: dt.tzinfo | None = None, label: str = "timestamp"
) -> tuple[FloatArray, dt.datetime | None, list[str], bool]:
    """Turn a clock column into seconds from its first value, its start and notes.

    ISO times without an offset are local clock times: in ``zone`` when given (a
    daylight-saving change crossed is read as continuous, see :func:`_localise`), else UTC.
    Numbers are read by :func:`_clock_seconds`; the start is ``None`` for a clock that is
    not a Unix time. The last value tells whether they were clock times taken as UTC for
    want of a zone. ``label`` names the column in messages.
    """
    dtype = column.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return _numeric_times(column.to_numpy(dtype=np.float64, na_value=np.nan), line_of, label)
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        parsed = column
    else:
        text = column.astype("string").str.strip()
        numeric = pd.to_numeric(text, errors="coerce")
        blank = (text.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)
        is_number = numeric.notna().to_numpy(dtype=bool, na_value=False)
        if bool((is_number | blank).all()) and not blank.all():
            times = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
            return _numeric_times(times, line_of, label)
        # ISO 8601 lets a comma mark the fraction of a second (Python's logging writes
        # 07:08:09,123); the parser takes only a point
        text = text.str.replace(_COMMA_FRACTION_RE, r"\1.", regex=True)
        parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        bad = (parsed.isna().to_numpy(dtype=bool) & ~blank) | (is_number & ~blank)
        if bad.any():
            bad_row = int(np.argmax(bad))
            if bad_row == int(np.argmin(blank)):  # the first time: the whole column, likely
                raise InvalidInputError(
                    f"The {label} column starts with {shorten(column.iloc[bad_row])} on line "
                    f"{int(line_of[bad_row])}, which is neither an ISO 8601 time (such as "
                    "2024-05-06T07:08:09.250) nor a Unix time; write the times so, or delete the "
                    "column and pass --sample-rate-hz."
                )
            raise InvalidInputError(
                f"The {label} column has the value {shorten(column.iloc[bad_row])} on line "
                f"{int(line_of[bad_row])}, which is not an ISO 8601 time like the others; fix or "
                "delete that line."
            )
    stamps = pd.DatetimeIndex(parsed)
    valid = ~np.asarray(stamps.isna(), dtype=bool)
    if not valid.any():
        raise InvalidInputError(
            f"The {label} column holds no times; fill it in or use a time_s column."
        )
    first = int(np.argmax(valid))
    if parsed is column:  # parsed by read_csv: aware when the column has one offset
        has_offset = stamps.tz is not None
    else:  # parsed here to UTC, perhaps from mixed offsets: the first row tells
        first_text = str(column.iloc[first]).strip()
        has_offset = bool(_OFFSET_RE.search(first_text))
    if has_offset:
        index_utc = stamps.tz_convert("UTC")
        time_s, _ = seconds_since_first(index_utc)
        if parsed is column:  # one offset for the whole column: keep it
            start: dt.datetime = stamps[first].floor("us").to_pydatetime()
        else:  # keep the first row's offset
            start = _with_offset_of(first_text, index_utc[first].floor("us").to_pydatetime())
        return time_s, start, [f"{label} column read as ISO 8601 times with a UTC offset"], False
    wall = stamps.tz_convert("UTC").tz_localize(None) if stamps.tz is not None else stamps
    if zone is None:
        index_utc = wall.tz_localize("UTC")
        time_s, _ = seconds_since_first(index_utc)
        start = index_utc[first].floor("us").to_pydatetime()
        note = f"{label} column read as ISO 8601 times without a UTC offset, taken as UTC"
        return time_s, start, [note], True
    try:
        local = _localise(wall, zone, line_of, label)
    except (NotImplementedError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        # pandas cannot place times near the end of its calendar (year 10000) in a zone
        raise InvalidInputError(
            f"The {label} column's times ({wall[0].isoformat()} on) cannot be placed in "
            f"{zone}; check the dates, or write the times with their UTC offset."
        ) from exc
    index_utc = local.tz_convert("UTC")
    time_s, _ = seconds_since_first(index_utc)
    start = index_utc[first].floor("us").to_pydatetime().astimezone(zone)
    notes = [f"{label} column read as ISO 8601 local times in {zone}"]
    changes = _clock_changes(local)
    if changes:
        which = "change" if len(changes) == 1 else "changes"
        notes.append(
            f"the times cross the {which} {' and '.join(changes)}; read as continuous in {zone}"
        )
    return time_s, start, notes, False


def _localise(
    wall: pd.DatetimeIndex, zone: dt.tzinfo, line_of: IntArray, label: str = "timestamp"
) -> pd.DatetimeIndex:
    """Read naive clock times ``wall`` as local times in ``zone``, across clock changes.

    When the clocks go back, the hour that repeats is told apart by the order of the rows
    (the times go back once, where the clocks did); a run of such times at the start or
    end of the file is the one continuous with the rest. When they go forward, a clock
    that follows them has no times in the skipped hour, so the recording stays continuous.

    Raises
    ------
    InvalidInputError
        A time that does not exist in ``zone``, or repeated-hour times that cannot be
        placed.
    """
    n = len(wall)
    known = ~np.asarray(wall.isna(), dtype=bool)
    earlier = wall.tz_localize(zone, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    skipped = np.asarray(earlier.isna(), dtype=bool) & known
    if skipped.any():
        row = int(np.argmax(skipped))
        raise InvalidInputError(
            f"The {label} column holds {wall[row].isoformat()} {where(row, line_of)}, a time "
            f"that does not exist in {zone} because the clocks skip it, so the times are not "
            "local times there; check --time-zone or write the times with their UTC offset."
        )
    unsure = np.asarray(wall.tz_localize(zone, ambiguous="NaT").isna(), dtype=bool) & known
    if not unsure.any():
        return earlier
    with contextlib.suppress(ValueError):  # no single place where the times go back
        inferred: pd.DatetimeIndex = wall.tz_localize(zone, ambiguous="infer")
        return inferred
    rows = np.flatnonzero(unsure)
    one_run = bool(np.all(np.diff(rows) == 1))
    at_start, at_end = rows[0] == 0, rows[-1] == n - 1
    if one_run and at_start != at_end:  # a run at one end: the reading continuous with the rest
        later = wall.tz_localize(zone, ambiguous=np.zeros(n, dtype=bool))
        choices = (earlier, later)
        if at_end:
            before = earlier[rows[0] - 1]
            gaps = [(choice[rows[0]] - before).total_seconds() for choice in choices]
        else:
            after = earlier[rows[-1] + 1]
            gaps = [(after - choice[rows[-1]]).total_seconds() for choice in choices]
        fitting = [k for k, gap in enumerate(gaps) if gap > 0]
        if fitting:
            return choices[min(fitting, key=lambda k: gaps[k])]
    row = int(rows[0])
    raise InvalidInputError(
        f"The {label} column's times from line {int(line_of[row])} on fall in the hour that "
        f"repeats in {zone} on {wall[row].date().isoformat()} but do not go back once as the "
        "clocks did, so it is not known which of the two hours they are in; write the times "
        "with their UTC offset or check --time-zone."
    )


def _clock_changes(local: pd.DatetimeIndex) -> list[str]:
    """Describe each change of UTC offset between consecutive times of ``local``."""
    kept = local[~np.asarray(local.isna(), dtype=bool)]
    offsets = (kept.tz_localize(None) - kept.tz_convert("UTC").tz_localize(None)).to_numpy()
    return [
        f"from {kept[i - 1].tzname()} to {kept[i].tzname()} on {kept[i].date().isoformat()}"
        for i in (np.flatnonzero(np.diff(offsets) != np.timedelta64(0, "ns")) + 1).tolist()
    ]


def _clock_change(time_s: FloatArray, row: int) -> str | None:
    """How the step into ``row`` changes the clock, if it looks like a daylight-saving change.

    A step back or forward of 30 min or 1 h (within a minute) gives ``"goes back by 1 h"``,
    ``"jumps forward by 30 min"`` and so on; any other step gives ``None``.
    """
    if not 0 < row < time_s.size:
        return None
    step = float(time_s[row] - time_s[row - 1])
    halves = round(abs(step) / 1800) if np.isfinite(step) else 0
    if halves not in (1, 2) or abs(abs(step) - 1800 * halves) > 60:
        return None
    amount = "1 h" if halves == 2 else "30 min"
    return f"goes back by {amount}" if step < 0 else f"jumps forward by {amount}"


def _zone_hint(
    change: str, row: int, line_of: IntArray, label: str = "timestamp"
) -> InvalidInputError:
    """The error for clock times taken as UTC that fail at what looks like a clock change."""
    when = "ends" if change.startswith("goes back") else "starts"
    return InvalidInputError(
        f"The {label} column {change} {where(row, line_of)}, as clocks do when summer time "
        f"{when}, and its times have no UTC offset; give the time zone they were recorded in "
        "with --time-zone (such as --time-zone Europe/London) or write them with their UTC "
        "offset."
    )


def _with_offset_of(text: str, start_utc: dt.datetime) -> dt.datetime:
    """Return ``start_utc`` in the UTC offset written in ``text``, if it can be parsed."""
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, OverflowError):
        return start_utc
    return start_utc.astimezone(stamp.tzinfo) if stamp.tzinfo is not None else start_utc


def _numeric_times(
    raw: FloatArray, line_of: IntArray, label: str
) -> tuple[FloatArray, dt.datetime | None, list[str], bool]:
    """:func:`_clock_seconds` in the form :func:`_timestamp_seconds` returns."""
    time_s, start, note = _clock_seconds(raw, line_of, label)
    return time_s, start, [note], False


def _clock_seconds(
    raw: FloatArray, line_of: IntArray, label: str = "timestamp"
) -> tuple[FloatArray, dt.datetime | None, str]:
    """Turn a numeric clock into seconds from its first value, its start and a note.

    A Unix time in seconds, milliseconds, microseconds or nanoseconds, told apart by its size
    (:func:`backstride.io._common.unix_seconds_scale`), when its median step in that unit is
    at most :data:`MAX_UNIX_STEP_S`. Otherwise a clock from another origin (a phone's since it
    started) in the unit that puts its median step within
    :data:`~backstride.io._common.CLOCK_STEP_RANGE_S`; its
    start is not known (``None``). Read by its size alone, a phone's nanoseconds since it
    started were "Unix milliseconds" 10 s apart, and the file was refused as "0.0001 Hz".
    Where that clock would be in the unit just finer than the Unix time's, its steps must
    show it (see :func:`_refuse_slow_unix_time`).
    """
    finite = np.isfinite(raw)
    if not finite.any():
        raise InvalidInputError(
            f"The {label} column holds no times; fill it in or use a time_s column."
        )
    first = int(np.argmax(finite))
    steps = np.diff(raw[finite])
    step = float(np.median(steps[steps > 0])) if np.any(steps > 0) else float("nan")
    scale = unix_seconds_scale(float(np.median(raw[finite])))
    if scale is not None and not step / scale[0] > MAX_UNIX_STEP_S:  # NaN: left to time_steps
        divisor, unit = scale
        start = unix_to_datetime(float(raw[first]) / divisor)
        return (raw - raw[first]) / divisor, start, f"{label} column read as Unix {unit} (UTC)"
    if not np.isfinite(step):  # no step forward: time_steps says what is wrong
        return raw - raw[first], None, f"{label} column read as seconds"
    per_second = clock_ticks_per_second(step)
    if per_second is not None:
        unit = CLOCK_TICKS[per_second]
        if scale is not None and per_second == scale[0] * 1e3:
            _refuse_slow_unix_time(steps, scale, per_second, unit, label)
        return (
            (raw - raw[first]) / per_second,
            None,
            f"{label} column read as a clock in {unit} from an unknown origin (such as the "
            "time since the phone started), from its step between samples; the start time "
            "is not known",
        )
    raise InvalidInputError(
        f"The {label} column advances by a median of {step:g} per row, which is no sampling "
        "interval between 1 ms and 1 s in seconds, milliseconds, microseconds or "
        "nanoseconds, nor a Unix time; check the column, or delete it and pass "
        "--sample-rate-hz."
    )


def _refuse_slow_unix_time(
    steps: FloatArray, scale: tuple[float, str], per_second: float, unit: str, label: str
) -> None:
    """Refuse a Unix time too slow to analyse that only looks like a faster clock.

    Unix seconds 10 s apart (epochs of a day's summary) are, by their numbers, also a clock
    in milliseconds 10 ms apart from another origin: read so, a day of 10-s epochs was
    analysed as 86 s at 100 Hz (63 steps in a bout). A phone's clock ticks in whole units
    of its own and jitters, so its steps are not all whole seconds of the Unix unit; whole
    seconds (or ticks with fractions) could be either, and the column is refused naming both.
    A column that repeats its times on most rows is left to :func:`_too_coarse`.
    """
    divisor, unix_unit = scale
    forward = steps[steps > 0]
    ticks = bool(np.all(forward == np.round(forward)))
    if ticks and not np.all(np.mod(forward, divisor) == 0):
        return
    if np.mean(steps == 0) > MAX_REPEATED_TIME_SHARE:
        return
    step = float(np.median(forward))
    raise InvalidInputError(
        f"The {label} column is either Unix {unix_unit} {step / divisor:.4g} s apart, too slow "
        f"({divisor / step:.3g} Hz) to find steps in, or a clock in {unit} from another origin "
        f"(such as the time since the phone started) at {per_second / step:.4g} Hz, which its "
        "numbers cannot tell apart; if it is such a clock, write it in seconds (divided by "
        f"{per_second:.0f}) in a time_s column."
    )
