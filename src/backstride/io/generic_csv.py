"""Reader for a plain CSV with named accelerometer (and optional gyroscope) columns.

The file needs a header row. Column names are matched case-insensitively after trimming:

- ``acc_x, acc_y, acc_z`` (required), in g or m/s^2 (``acc_unit``; when omitted, a median
  magnitude of 0.6-1.6 means g and 6-16 means m/s^2, anything else is an error);
- ``gyr_x, gyr_y, gyr_z`` (optional), in deg/s or rad/s (``gyr_unit``; when omitted, a 99th
  percentile of |rate| of at most 10 means rad/s, since 10 rad/s = 573 deg/s is beyond trunk
  motion while any walk in deg/s exceeds 10);
- one time base, in this order of preference:

  - ``time_s``: seconds, any origin;
  - ``timestamp``: ISO 8601 text (with or without an offset; without one it is a local clock
    time in ``time_zone``, read as continuous across a daylight-saving change, or UTC when no
    zone is given) or a number of Unix seconds, milliseconds, microseconds or nanoseconds
    (told apart by magnitude, see :func:`backstride.io._common.unix_seconds_scale`);
  - ``samples``: a sample index, which needs ``sample_rate_hz``;
  - none, which needs ``sample_rate_hz``.

The delimiter is the one of comma, semicolon and tab that occurs most in the header; lines
starting with ``#`` before the header are skipped, and blank lines are ignored. A file
separated by semicolons or tabs may write decimal commas (``0,981``), as spreadsheet
programs do in many European locales; that is recognised from the first data row (see
:func:`decimal_mark`) and noted. Irregular time
steps (any step off the median by more than 5%, or gaps) are resampled onto a uniform grid by
linear interpolation; everything detected or assumed is recorded in ``Recording.notes``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    IntArray,
    PathLike,
    acc_to_mps2,
    check_rate,
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
TIME_COLUMNS = ("time_s", "timestamp", "samples")
#: Header names that identify a file as meant for this reader (used by format detection).
KNOWN_COLUMNS = frozenset(ACC_COLUMNS + GYR_COLUMNS + TIME_COLUMNS)
DELIMITERS = (",", ";", "\t")
DEVICE = "CSV"
#: A relative mismatch above this between a given sample rate and the time column is an error.
RATE_MISMATCH_TOLERANCE = 0.05

_OFFSET_RE = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_COMMA_NUMBER_RE = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")
_POINT_NUMBER_RE = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")


#: Column names of common free phone logger apps, mapped to the generic names (units are still
#: detected from the data, or given with --acc-unit / --gyr-unit):
#: phyphox ("Acceleration with g" and "Gyroscope" exports: ``Time (s)``,
#: ``Acceleration x (m/s^2)``, ``Gyroscope x (rad/s)``) and Physics Toolbox Sensor Suite
#: (``gFx`` in g, ``ax`` in m/s^2, ``wx`` in rad/s; its clock-time column is not read, so give
#: --sample-rate-hz).
LOGGER_ALIASES = {
    "time (s)": "time_s",
    **{f"acceleration {a} (m/s^2)": f"acc_{a}" for a in "xyz"},
    **{f"gyroscope {a} (rad/s)": f"gyr_{a}" for a in "xyz"},
    **{f"gf{a}": f"acc_{a}" for a in "xyz"},
    **{f"a{a}": f"acc_{a}" for a in "xyz"},
    **{f"w{a}": f"gyr_{a}" for a in "xyz"},
}


def normalise_name(name: str) -> str:
    """Return a header name trimmed of spaces and quotes, in lower case, aliases resolved."""
    plain = name.strip().strip("\"'").strip().lower()
    return LOGGER_ALIASES.get(plain, plain)


def find_header(lines: list[str]) -> tuple[int, str, list[str]] | None:
    """Locate the header row among the first lines of a file.

    Parameters
    ----------
    lines
        The first lines of the file.

    Returns
    -------
    tuple or None
        ``(index of the header line, delimiter, normalised column names)``, or ``None`` if
        every line is blank or a ``#`` comment.
    """
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        delimiter = max(DELIMITERS, key=line.count)
        return index, delimiter, [normalise_name(name) for name in line.split(delimiter)]
    return None


def decimal_mark(lines: list[str], header_index: int, delimiter: str) -> str:
    """``","`` when the data rows write decimal commas, else ``"."``.

    Only a file separated by something other than commas can write them. The first
    non-blank data row decides: decimal commas when some cell is a number with a comma
    (``-0,981``, ``1,2e-3``) and none is a number with a point.
    """
    if delimiter == ",":
        return "."
    for line in lines[header_index + 1 :]:
        cells = [c.strip().strip("\"'").strip() for c in line.split(delimiter)]
        if not any(cells) or line.lstrip().startswith("#"):
            continue
        comma = any(_COMMA_NUMBER_RE.match(c) for c in cells)
        point = any(_POINT_NUMBER_RE.match(c) for c in cells)
        return "," if comma and not point else "."
    return "."


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
        Missing columns, non-numeric values, a time column that does not increase, clock
        times that cannot be local times in ``time_zone``, no way to know the sample rate, an
        undetectable unit, or a rate below 20 Hz.
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
    decimal = decimal_mark(lines, header_index, delimiter)
    labels = [
        str(label)
        for label in read_table(p, sep=delimiter, header=0, skiprows=header_index, nrows=0).columns
    ]
    names = [normalise_name(label) for label in labels]
    by_name: dict[str, str] = {}
    for name, label in zip(names, labels, strict=True):
        by_name.setdefault(name, label)
    missing = [name for name in ACC_COLUMNS if name not in by_name]
    if missing:
        shown = ", ".join(name for name in names[:8] if name) or "none"
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
    if time_column == "timestamp" and _first_cell_is_text(
        lines, header_index, delimiter, names.index("timestamp"), decimal
    ):
        parse_dates = [by_name["timestamp"]]

    frame = read_table(
        p,
        sep=delimiter,
        header=0,
        skiprows=header_index,
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
    line_of: IntArray = frame.index.to_numpy(dtype=np.int64) + header_index + 2

    signal_columns = list(ACC_COLUMNS) + gyr_present
    values: FloatArray = np.empty((len(frame), len(signal_columns)), dtype=np.float64)
    for position, name in enumerate(signal_columns):
        values[:, position] = numeric_column(frame[by_name[name]], name, line_of)

    notes: list[str] = ["numbers read with decimal commas"] if decimal == "," else []
    start: dt.datetime | None = None
    time_s: FloatArray | None = None
    clock_as_utc = False  # clock times without an offset or zone, taken as UTC
    if time_column == "time_s":
        time_s = numeric_column(frame[by_name["time_s"]], "time_s", line_of)
    elif time_column == "timestamp":
        time_s, start, time_notes, clock_as_utc = _timestamp_seconds(
            frame[by_name["timestamp"]], line_of, parse_zone(time_zone)
        )
        notes.extend(time_notes)
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
        notes.append(f"sample rate {rate:g} Hz as given; the file has no time column")
    else:
        label = time_column or "time"
        try:
            steps = time_steps(time_s, label, line_of)
        except InvalidInputError as error:
            if clock_as_utc and time_s.size > 1 and np.isfinite(time_s).all():
                row = int(np.argmax(np.diff(time_s) <= 0)) + 1
                change = _clock_change(time_s, row)
                if change is not None:
                    raise _zone_hint(change, row, line_of) from error
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
                    raise _zone_hint(change, steps.max_index, line_of) from error
                raise
            notes.append(note)
            if change is not None:
                notes.append(
                    f"the timestamp column {change} {where(steps.max_index, line_of)}, as "
                    "clocks do when summer time starts; if its times are local clock times, "
                    "give --time-zone"
                )

    require_step_rate(rate)  # before the unit checks, which filter at that rate
    acc, acc_note = acc_to_mps2(values[:, :3], acc_unit)
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
    column: pd.Series, line_of: IntArray, zone: dt.tzinfo | None = None
) -> tuple[FloatArray, dt.datetime, list[str], bool]:
    """Turn a ``timestamp`` column into seconds from its first value, its start and notes.

    ISO times without an offset are local clock times: in ``zone`` when given (a
    daylight-saving change crossed is read as continuous, see :func:`_localise`), else UTC.
    The last value tells whether they were clock times taken as UTC for want of a zone.
    """
    dtype = column.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return _unix_times(column.to_numpy(dtype=np.float64, na_value=np.nan), line_of)
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        parsed = column
    else:
        text = column.astype("string").str.strip()
        numeric = pd.to_numeric(text, errors="coerce")
        blank = (text.isna() | (text == "")).to_numpy(dtype=bool, na_value=True)
        is_number = numeric.notna().to_numpy(dtype=bool, na_value=False)
        if bool((is_number | blank).all()) and not blank.all():
            return _unix_times(numeric.to_numpy(dtype=np.float64, na_value=np.nan), line_of)
        parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        bad = (parsed.isna().to_numpy(dtype=bool) & ~blank) | (is_number & ~blank)
        if bad.any():
            bad_row = int(np.argmax(bad))
            raise InvalidInputError(
                f"The timestamp column has the value {shorten(column.iloc[bad_row])} on line "
                f"{int(line_of[bad_row])}, which is not an ISO 8601 time like the others; fix or "
                "delete that line."
            )
    stamps = pd.DatetimeIndex(parsed)
    valid = ~np.asarray(stamps.isna(), dtype=bool)
    if not valid.any():
        raise InvalidInputError(
            "The timestamp column holds no times; fill it in or use a time_s column."
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
        return time_s, start, ["timestamp column read as ISO 8601 times with a UTC offset"], False
    wall = stamps.tz_convert("UTC").tz_localize(None) if stamps.tz is not None else stamps
    if zone is None:
        index_utc = wall.tz_localize("UTC")
        time_s, _ = seconds_since_first(index_utc)
        start = index_utc[first].floor("us").to_pydatetime()
        note = "timestamp column read as ISO 8601 times without a UTC offset, taken as UTC"
        return time_s, start, [note], True
    try:
        local = _localise(wall, zone, line_of)
    except (NotImplementedError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        # pandas cannot place times near the end of its calendar (year 10000) in a zone
        raise InvalidInputError(
            f"The timestamp column's times ({wall[0].isoformat()} on) cannot be placed in "
            f"{zone}; check the dates, or write the times with their UTC offset."
        ) from exc
    index_utc = local.tz_convert("UTC")
    time_s, _ = seconds_since_first(index_utc)
    start = index_utc[first].floor("us").to_pydatetime().astimezone(zone)
    notes = [f"timestamp column read as ISO 8601 local times in {zone}"]
    changes = _clock_changes(local)
    if changes:
        which = "change" if len(changes) == 1 else "changes"
        notes.append(
            f"the times cross the {which} {' and '.join(changes)}; read as continuous in {zone}"
        )
    return time_s, start, notes, False


def _localise(wall: pd.DatetimeIndex, zone: dt.tzinfo, line_of: IntArray) -> pd.DatetimeIndex:
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
            f"The timestamp column holds {wall[row].isoformat()} {where(row, line_of)}, a time "
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
        f"The timestamp column's times from line {int(line_of[row])} on fall in the hour that "
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
        for i in (np.flatnonzero(np.diff(offsets) != np.timedelta64(0)) + 1).tolist()
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


def _zone_hint(change: str, row: int, line_of: IntArray) -> InvalidInputError:
    """The error for clock times taken as UTC that fail at what looks like a clock change."""
    when = "ends" if change.startswith("goes back") else "starts"
    return InvalidInputError(
        f"The timestamp column {change} {where(row, line_of)}, as clocks do when summer time "
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


def _unix_times(
    raw: FloatArray, line_of: IntArray
) -> tuple[FloatArray, dt.datetime, list[str], bool]:
    """:func:`_unix_seconds` in the form :func:`_timestamp_seconds` returns."""
    time_s, start, note = _unix_seconds(raw, line_of)
    return time_s, start, [note], False


def _unix_seconds(raw: FloatArray, line_of: IntArray) -> tuple[FloatArray, dt.datetime, str]:
    """Turn numeric Unix timestamps into seconds from the first, the start time and a note."""
    finite = np.isfinite(raw)
    if not finite.any():
        raise InvalidInputError(
            "The timestamp column holds no times; fill it in or use a time_s column."
        )
    first = int(np.argmax(finite))
    scale = unix_seconds_scale(float(np.median(raw[finite])))
    if scale is None:
        raise InvalidInputError(
            f"The timestamp values (such as {raw[first]:g} on line {int(line_of[first])}) are "
            "not Unix times in seconds or milliseconds; name the column time_s if it holds "
            "seconds from the start."
        )
    divisor, unit = scale
    time_s = (raw - raw[first]) / divisor
    start = unix_to_datetime(float(raw[first]) / divisor)
    return time_s, start, f"timestamp column read as Unix {unit} (UTC)"
