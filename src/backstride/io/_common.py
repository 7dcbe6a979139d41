"""Helpers shared by the readers: file checks, numeric columns, time bases and units.

Every function here raises only :mod:`backstride.exceptions` errors, each with a one-sentence
message that names the problem and the fix, so a reader built from them does the same.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import warnings
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from backstride.exceptions import InputNotFoundError, InvalidInputError
from backstride.gait.orientation import gravity_turning_gain
from backstride.recording import (
    MIN_FINITE_SHARE,
    STANDARD_GRAVITY,
    FloatArray,
    bridge_gaps,
    finite_share,
)

PathLike = str | os.PathLike[str]
IntArray = npt.NDArray[np.int64]

#: Steps between timestamps that differ from the median step by more than this fraction of it
#: make the time base irregular, and the signal is resampled onto a uniform grid.
JITTER_TOLERANCE = 0.05
#: A resampled grid may hold at most this many times the real samples; more means the file has
#: a gap longer than its data, which interpolation would only invent.
MAX_GRID_GROWTH = 2.0
#: A time column that goes back and runs on below its earlier times for more than this, s,
#: holds a second recording (files joined, a clock restarted); rows out of order, repeated or
#: wrong return to the earlier times at once.
MAX_STEP_BACK_S = 1.0
#: Gravity as :func:`gravity_level` measures it, in g, must be at least this in a recording: a
#: phone swung in the hand by +-a turns gravity within each second, which shortens its mean
#: to about J0(a) of it (0.85 at +-45 degrees, 0.5 at +-87), while a linear acceleration
#: reads 0.01-0.08 g (0.06-0.74 m/s^2).
GRAVITY_LEVEL_FLOOR_G = 0.5
#: The floor when the unit was detected as g: a linear acceleration in m/s^2 has a median
#: magnitude that detection reads as g (0.6-1.6) when the movement is small, and its level,
#: read as g, then reaches 0.74; gravity in g measures 0.95-1.04 in the bundled recordings.
#: The phone reader uses the same floors (with its ceiling, ``MAX_GRAVITY_LEVEL_G``).
DETECTED_G_GRAVITY_FLOOR_G = 0.8
#: :func:`gravity_level` measures at most this many seconds, spread over the recording.
MAX_LEVEL_SECONDS = 20_000
#: Median acceleration magnitudes accepted as "in g" and "in m/s^2" by unit detection.
G_MAGNITUDE_RANGE = (0.6, 1.6)
MPS2_MAGNITUDE_RANGE = (6.0, 16.0)
#: If the 99th percentile of |angular velocity| is at most this, it is read as rad/s: 10 rad/s
#: (573 deg/s) is beyond trunk motion, while 10 deg/s is far below that of any walk in deg/s.
GYR_RADS_MAX_P99 = 10.0
#: The gyroscope's unit is told from how gravity turns (see :func:`gyr_to_dps`) when the
#: readings and the turning correlate at least this well. Where the trunk tilted (the
#: Mobilise-D daily-life trials) they do at 0.91-0.94, with gains within 10% of the unit;
#: of 37 short straight walks 2 reach 0.77-0.79 (gains 0.60-0.74) and the rest stay below.
GYR_TURNING_MIN_CORRELATION = 0.7

ACC_UNITS = {"g": "g", "mps2": "mps2", "m/s^2": "mps2", "m/s2": "mps2", "ms2": "mps2"}
GYR_UNITS = {"dps": "dps", "deg/s": "dps", "degs": "dps", "rads": "rads", "rad/s": "rads"}


def existing_file(path: PathLike) -> Path:
    """Return ``path`` as a :class:`Path` after checking it is a non-empty regular file.

    Raises
    ------
    InputNotFoundError
        Nothing exists at ``path``.
    InvalidInputError
        ``path`` is a folder, not a regular file, unreadable or empty.
    """
    p = Path(path)
    if not p.exists():
        raise InputNotFoundError(f"No file at {p}; check the path.")
    if p.is_dir():
        raise InvalidInputError(
            f"{p} is a folder, not a recording file; give the path of one file inside it."
        )
    if not p.is_file():
        raise InvalidInputError(f"{p} is not a regular file; give the path of a recording file.")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InvalidInputError(
            f"{p} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc
    if size == 0:
        raise InvalidInputError(
            f"The file {p} is empty; check that the recording was exported completely."
        )
    return p


def read_head(path: Path, n_bytes: int = 8192) -> bytes:
    """Return the first ``n_bytes`` of ``path``, raising :class:`InvalidInputError` on failure."""
    try:
        with path.open("rb") as handle:
            return handle.read(n_bytes)
    except OSError as exc:
        raise InvalidInputError(
            f"{path} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc


def read_text_lines(path: Path, max_lines: int) -> list[str]:
    """Return up to ``max_lines`` first lines of ``path`` as text, without line endings."""
    lines: list[str] = []
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace", newline=None) as handle:
            for line in handle:
                lines.append(line.rstrip("\r\n"))
                if len(lines) >= max_lines:
                    break
    except OSError as exc:
        raise InvalidInputError(
            f"{path} cannot be read ({exc.strerror or exc}); check its permissions."
        ) from exc
    return lines


def read_table(path: Path, **kwargs: Any) -> pd.DataFrame:
    """Read a delimited text file with the fast C parser, turning parser errors into ours.

    Parameters
    ----------
    path
        The file.
    **kwargs
        Passed to :func:`pandas.read_csv` (``engine="c"`` and ``index_col=False`` are set;
        mixed-type warnings are silenced because :func:`numeric_column` reports bad values
        itself).

    Returns
    -------
    pandas.DataFrame
        The table as parsed.
    """
    kwargs.setdefault("engine", "c")
    kwargs.setdefault("index_col", False)  # never turn surplus leading fields into an index
    kwargs.setdefault("encoding", "utf-8")
    kwargs.setdefault("encoding_errors", "replace")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            return pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise InvalidInputError(
            f"The file {path.name} holds no data rows; check that the recording was exported "
            "completely."
        ) from exc
    except (pd.errors.ParserError, ValueError, UnicodeError, OverflowError, IndexError) as exc:
        match = re.search(r"line (\d+)", str(exc))
        if match:
            raise InvalidInputError(
                f"Line {match.group(1)} of {path.name} does not have the same number of fields "
                "as the header; fix or delete that line."
            ) from exc
        raise InvalidInputError(
            f"The file {path.name} could not be parsed as delimited text; check that it is an "
            "unmodified export of the recording."
        ) from exc


def shorten(value: object, limit: int = 24) -> str:
    """Return a short, printable quotation of a cell value for an error message."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return repr(text)


def where(index: int, line_of: IntArray | None) -> str:
    """Describe the position of row ``index``: its file line if known, else its sample number."""
    if line_of is not None and 0 <= index < line_of.size:
        return f"on line {int(line_of[index])}"
    return f"at sample {index + 1}"


#: A number grouped in thousands (``1,000.5``, ``1.000,5``, ``1 700 000``, ``1'000``).
THOUSANDS_RE = re.compile(r"^[+-]?[1-9]\d{0,2}(?:([,.' ])\d{3})(?:\1\d{3})*(?:[.,]\d+)?$")
#: A number with a decimal comma (``-0,981``, ``1,2e-3``).
DECIMAL_COMMA_NUMBER_RE = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")
#: A number with a decimal point (``-0.981``, ``.5``, ``1.2e-3``).
_POINT_NUMBER_RE = re.compile(r"^[+-]?\d*\.\d+(?:[eE][+-]?\d+)?$")


def decimal_mark(lines: list[str], header_index: int, delimiter: str) -> str:
    """``","`` when the data rows write decimal commas, else ``"."``.

    Only a file separated by something other than commas can write them. The first data
    row with a fraction decides: decimal commas when some cell is a number with a comma
    (``-0,981``, ``1,2e-3``) and none is a number with a point. A row of whole numbers
    (a phone's first row, ``0;0;0;0``) says nothing either way. ``header_index`` is the
    line the data rows follow.
    """
    if delimiter == ",":
        return "."
    for line in lines[header_index + 1 :]:
        cells = [c.strip().strip("\"'").strip() for c in line.split(delimiter)]
        if not any(cells) or line.lstrip().startswith("#"):
            continue
        if any(_POINT_NUMBER_RE.match(c) for c in cells):
            return "."
        if any(DECIMAL_COMMA_NUMBER_RE.match(c) for c in cells):
            return ","
    return "."


def numeric_column(
    series: pd.Series,
    label: str,
    line_of: IntArray | None,
    *,
    fix: str = "fix or delete that line",
    decimal: str = ".",
) -> FloatArray:
    """Return a column as float64, NaN where empty, raising on the first non-numeric value.

    Parameters
    ----------
    series
        The column as parsed (numeric if every value parsed, else text).
    label
        Column name for the error message.
    line_of
        File line number of each row, for the error message.
    fix
        What to tell the user to do about a bad value.
    decimal
        The file's decimal mark. With ``","`` a column the parser left as text because of
        one bad value still holds decimal commas elsewhere, and those are numbers: the
        error must name the bad value, not the first ``0,981``.

    Returns
    -------
    numpy.ndarray
        The values, float64.
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        raise InvalidInputError(
            f"The {label} column holds true/false values instead of numbers; give numeric values."
        )
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    text = series.astype("string")
    numbers = text.str.replace(",", ".", regex=False) if decimal == "," else text
    coerced = pd.to_numeric(numbers, errors="coerce")
    bad = (coerced.isna() & text.notna() & (text.str.strip() != "")).to_numpy(
        dtype=bool, na_value=False
    )
    if bad.any():
        index = int(np.argmax(bad))
        value = str(series.iloc[index]).strip()
        if THOUSANDS_RE.match(value):
            fix = (
                "it is written with a thousands separator, which BackStride does not read; "
                "export the numbers without one"
            )
        elif decimal == "." and DECIMAL_COMMA_NUMBER_RE.match(value):
            fix = (
                "it is written with a decimal comma, which the file's other numbers or its "
                "commas between fields rule out; write decimal points, or separate the fields "
                "with semicolons"
            )
        raise InvalidInputError(
            f"The {label} column has the non-numeric value {shorten(series.iloc[index])} "
            f"{where(index, line_of)}; {fix}."
        )
    return coerced.to_numpy(dtype=np.float64, na_value=np.nan)


@dataclass(frozen=True)
class TimeSteps:
    """Statistics of the steps between consecutive sample times.

    Attributes
    ----------
    median_s
        Median step, s.
    measured_rate_hz
        Rate implied by the steps: from the mean step when regular, the median when not.
    irregular
        Whether any step differs from the median by more than :data:`JITTER_TOLERANCE`.
    min_s, max_s
        Smallest and largest step, s.
    max_index
        Index of the sample that ends the largest step.
    """

    median_s: float
    measured_rate_hz: float
    irregular: bool
    min_s: float
    max_s: float
    max_index: int


def time_steps(time_s: FloatArray, label: str, line_of: IntArray | None = None) -> TimeSteps:
    """Check that sample times are finite and increasing, and describe their steps.

    Parameters
    ----------
    time_s
        Sample times, s, any origin.
    label
        Name of the time column for error messages.
    line_of
        File line number of each sample, for error messages.

    Returns
    -------
    TimeSteps
        Step statistics.
    """
    n = int(time_s.size)
    if n < 2:
        raise InvalidInputError(
            "The file holds fewer than two samples; record for at least a few seconds."
        )
    finite = np.isfinite(time_s)
    if not finite.all():
        index = int(np.argmin(finite))
        raise InvalidInputError(
            f"The {label} column has no valid time {where(index, line_of)}; fill it in or "
            "delete that line."
        )
    steps = np.diff(time_s)
    not_increasing = steps <= 0
    if not_increasing.any():
        index = int(np.argmax(not_increasing)) + 1
        back = int(np.argmin(steps)) + 1
        if second_recording(time_s, back):
            # sorting would interleave two recordings: name the line where the second starts
            raise InvalidInputError(
                f"The {label} column does not increase {where(back, line_of)}: it goes back by "
                f"{float(-steps[back - 1]):.4g} s and runs on from there, as where a second "
                "recording was appended or the clock restarted; split the file at that line "
                "and analyse the parts separately."
            )
        raise InvalidInputError(
            f"The {label} column does not increase {where(index, line_of)}; sort the rows by "
            "time and remove duplicate times."
        )
    median = float(np.median(steps))
    deviation = np.abs(steps - median)
    irregular = bool(deviation.max() > JITTER_TOLERANCE * median)
    span = float(time_s[-1] - time_s[0])
    measured = 1.0 / median if irregular else (n - 1) / span
    max_index = int(np.argmax(steps))
    return TimeSteps(
        median_s=median,
        measured_rate_hz=measured,
        irregular=irregular,
        min_s=float(steps.min()),
        max_s=float(steps[max_index]),
        max_index=max_index + 1,
    )


def second_recording(time_s: FloatArray, row: int) -> bool:
    """Whether the times from ``row`` on run on below those before it for a while.

    A second recording appended (or a clock restarted) goes back and stays back for more
    than :data:`MAX_STEP_BACK_S`; a row out of order or a wrong time returns at once.
    """
    before = float(np.max(time_s[:row]))
    after = time_s[row:]
    caught_up = np.flatnonzero(after > before)
    last_below = int(caught_up[0]) - 1 if caught_up.size else after.size - 1
    return bool(last_below >= 1 and after[last_below] - after[0] > MAX_STEP_BACK_S)


#: Units a numeric clock may tick in, as ticks per second, with their names.
CLOCK_TICKS = {1.0: "seconds", 1e3: "milliseconds", 1e6: "microseconds", 1e9: "nanoseconds"}
#: A body-worn sensor or phone samples at 1-1000 Hz, so its clock's median step lies in this
#: range, s; the units are 1000 times apart, so only one of them puts it there.
CLOCK_STEP_RANGE_S = (1e-3, 1.0)


def clock_ticks_per_second(step: float, units: Iterable[float] = CLOCK_TICKS) -> float | None:
    """The unit among ``units`` (ticks per second) that makes ``step`` a sampling interval.

    ``None`` if none does (see :data:`CLOCK_STEP_RANGE_S`); a NaN step fits no unit.
    """
    low, high = CLOCK_STEP_RANGE_S
    return next((per_second for per_second in units if low <= step / per_second < high), None)


def snap_rate(rate_hz: float) -> float:
    """Round a measured rate to the nearest integer Hz if within 0.2%, else to 6 digits."""
    nearest = round(rate_hz)
    if nearest > 0 and abs(rate_hz - nearest) <= 0.002 * rate_hz:
        return float(nearest)
    return float(f"{rate_hz:.6g}")


def resample_uniform(
    time_s: FloatArray,
    values: FloatArray,
    rate_hz: float,
    steps: TimeSteps,
    label: str,
    line_of: IntArray | None = None,
) -> tuple[FloatArray, str]:
    """Linearly interpolate ``values`` sampled at ``time_s`` onto a uniform grid.

    The grid starts at the first sample time and has period ``1 / rate_hz``.

    Parameters
    ----------
    time_s
        Increasing sample times, s.
    values
        ``(n, k)`` samples.
    rate_hz
        Rate of the uniform grid, Hz.
    steps
        Statistics from :func:`time_steps`, for the note and the gap check.
    label
        Name of the time column for messages.
    line_of
        File line number of each sample, for messages.

    Returns
    -------
    tuple
        The ``(m, k)`` resampled values and a note describing what was done.
    """
    n = int(time_s.size)
    span = float(time_s[-1] - time_s[0])
    n_grid = int(np.floor(span * rate_hz + 1e-6)) + 1
    if n_grid > MAX_GRID_GROWTH * n + 10:
        raise InvalidInputError(
            f"The {label} column jumps by {steps.max_s:.3g} s "
            f"{where(steps.max_index, line_of)}, a gap longer than the data around it; split "
            "the file at the gap and analyse the parts separately."
        )
    grid = time_s[0] + np.arange(n_grid, dtype=np.float64) / rate_hz
    out = np.empty((n_grid, values.shape[1]), dtype=np.float64)
    for column in range(values.shape[1]):
        out[:, column] = np.interp(grid, time_s, values[:, column])
    note = (
        f"time steps in the {label} column were irregular "
        f"({1000 * steps.min_s:.3g} to {1000 * steps.max_s:.3g} ms around a median of "
        f"{1000 * steps.median_s:.3g} ms), so the signal was resampled onto a uniform "
        f"{rate_hz:g} Hz grid by linear interpolation"
    )
    if steps.max_s > 2 * steps.median_s:
        note += f" (the largest gap, {steps.max_s:.3g} s, was bridged by a straight line)"
    return out, note


_TICKS_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


def seconds_since_first(stamps: pd.DatetimeIndex) -> tuple[FloatArray, int]:
    """Return seconds from the first valid time (NaN where missing) and that time's index.

    Works in the index's own resolution, so dates outside the nanosecond range
    (before 1677 or after 2262) do not overflow.

    Returns
    -------
    tuple
        The seconds and the position of the first valid time (-1 if there is none).
    """
    valid = ~np.asarray(stamps.isna(), dtype=bool)
    if not valid.any():
        return np.full(len(stamps), np.nan), -1
    ticks = np.asarray(stamps.asi8, dtype=np.int64)
    first = int(np.argmax(valid))
    per_second = _TICKS_PER_SECOND.get(str(stamps.unit), 1e9)
    with np.errstate(over="ignore"):
        offsets = ticks - ticks[first]
    return np.where(valid, offsets / per_second, np.nan), first


#: Unix times, s, that a recording can start at: 1990-01-01 to 2100-01-01 UTC.
UNIX_TIME_RANGE_S = (631_152_000.0, 4_102_444_800.0)


def unix_seconds_scale(value: float) -> tuple[float, str] | None:
    """Guess the unit of a Unix timestamp from its magnitude.

    A value is a Unix time if, in seconds, milliseconds, microseconds or nanoseconds, it
    falls between :data:`UNIX_TIME_RANGE_S` (1990 to 2100): no body-worn sensor recorded
    before. A wider range (1973 to 5138, as in earlier versions) also took a phone's clock
    in milliseconds since it started for a Unix time in seconds once the phone had been up
    for 28 hours (1e8 ms), and such files were refused.

    Returns
    -------
    tuple or None
        ``(divisor to seconds, unit name)``, or ``None`` if the value is not a plausible
        Unix time in any of these units.
    """
    magnitude = abs(value)
    if not np.isfinite(magnitude):
        return None
    low, high = UNIX_TIME_RANGE_S
    for divisor, name in (
        (1.0, "seconds"),
        (1e3, "milliseconds"),
        (1e6, "microseconds"),
        (1e9, "nanoseconds"),
    ):
        if low * divisor <= magnitude < high * divisor:
            return divisor, name
    return None


def unix_to_datetime(seconds: float) -> dt.datetime:
    """Return the UTC datetime of a Unix time in seconds, raising ours if out of range."""
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidInputError(
            f"The Unix time {seconds:g} s is outside the calendar; check the time column."
        ) from exc


def gravity_level(acc: FloatArray, rate_hz: float) -> float:
    """The median, over whole seconds, of the length of the mean acceleration vector.

    Movement averages out over a second of walking (a stride), gravity does not, so this is
    gravity in any recording with gravity in it (27 bundled recordings, lower back, wrist and
    phones in six places: 0.95-1.04 g), and small in one with gravity taken out (a "linear"
    or "user" acceleration: 0.06-0.74 m/s^2 in the bundled walks with gravity filtered out),
    however large the movement makes its median magnitude. The phone reader measures it the
    same way (:mod:`backstride.io.phone_oxford`). Rows that are all zero (exports fill gaps
    with them) are left out; at most :data:`MAX_LEVEL_SECONDS` seconds spread over the
    recording are measured. NaN if no second holds a number.

    Parameters
    ----------
    acc
        ``(n, 3)`` acceleration on a uniform grid, any unit.
    rate_hz
        Its sample rate, Hz.

    Returns
    -------
    float
        The level, in the unit of ``acc``.
    """
    per_second = max(1, round(rate_hz))
    n_windows = max(1, acc.shape[0] // per_second)
    windows = acc[: n_windows * per_second].reshape(n_windows, -1, 3)
    windows = windows[:: max(1, n_windows // MAX_LEVEL_SECONDS)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a second that is all NaN
        windows = np.where(np.all(windows == 0, axis=2, keepdims=True), np.nan, windows)
        means = np.nanmean(windows, axis=1)
        return float(np.nanmedian(np.linalg.norm(means, axis=1)))


def acc_to_mps2(
    acc: FloatArray, unit: str | None, rate_hz: float | None = None
) -> tuple[FloatArray, str | None]:
    """Convert acceleration to m/s^2, detecting the unit if ``unit`` is ``None``.

    Detection uses the median magnitude of the acceleration vector, which is about 1 g for any
    recording of a person: between 0.6 and 1.6 it is read as g, between 6 and 16 as m/s^2.

    With ``rate_hz`` a detected unit must then hold gravity (:func:`gravity_level`): at least
    :data:`GRAVITY_LEVEL_FLOOR_G`, or :data:`DETECTED_G_GRAVITY_FLOOR_G` when it was detected
    as g. The median magnitude cannot tell a linear acceleration from gravity: a lower-back
    walk with gravity taken out has a median magnitude of 0.8 m/s^2, which detection took
    for g and analysed (132 steps where the raw signal gives 95), and a phone in a trouser
    pocket 5.1 m/s^2; without gravity there is no "up". A unit given is taken as given (the
    analysis still refuses a median magnitude outside 0.5-2 g).

    Parameters
    ----------
    acc
        ``(n, 3)`` acceleration in the file's unit.
    unit
        ``"g"`` or ``"mps2"`` (aliases ``"m/s^2"``, ``"m/s2"``, ``"ms2"``), or ``None``.
    rate_hz
        Sample rate of ``acc`` (a uniform grid), Hz, for the gravity check of a detected unit;
        no check without.

    Returns
    -------
    tuple
        Acceleration in m/s^2 and a note on how the unit was detected (``None`` if given).
    """
    if unit is not None:
        key = ACC_UNITS.get(unit.strip().lower())
        if key is None:
            raise InvalidInputError(
                f"The acceleration unit {shorten(unit)} is not known; use g or mps2."
            )
        with np.errstate(over="ignore"):
            return (acc * STANDARD_GRAVITY if key == "g" else acc), None
    empty = [
        axis
        for axis, column in zip("xyz", acc.T, strict=False)
        if acc.shape[0] and np.isnan(column).all()
    ]
    if empty and len(empty) < acc.shape[1]:
        which = f"{' and '.join(empty)} column{'s hold' if len(empty) > 1 else ' holds'}"
        raise InvalidInputError(
            f"The acceleration's {which} no numbers (empty or not numeric); BackStride needs "
            "all three axes, so check the file."
        )
    with np.errstate(over="ignore", invalid="ignore"):
        magnitude = np.sqrt(np.sum(acc * acc, axis=1))
    magnitude = magnitude[np.isfinite(magnitude)]
    if magnitude.size == 0:
        if np.isinf(acc).any():
            raise InvalidInputError(
                "The acceleration columns hold an infinite value ('inf') on every row that has "
                "numbers; check that the file holds accelerometer data."
            )
        values = acc[np.isfinite(acc)]
        if values.size:  # numbers, but so large that their magnitude overflows
            raise InvalidInputError(
                f"The acceleration values reach {float(np.abs(values).max()):.3g}, far beyond "
                "any accelerometer's range; check that the columns hold acceleration."
            )
        raise InvalidInputError(
            "The acceleration columns hold no numeric values; check that the file holds "
            "accelerometer data."
        )
    median = float(np.median(magnitude))
    if G_MAGNITUDE_RANGE[0] <= median <= G_MAGNITUDE_RANGE[1]:
        with np.errstate(over="ignore"):
            scaled = acc * STANDARD_GRAVITY
        if rate_hz is not None:
            _require_gravity(acc, rate_hz, 1.0, DETECTED_G_GRAVITY_FLOOR_G)
        return (
            scaled,
            f"acceleration unit detected as g from a median magnitude of {median:.2f}",
        )
    if MPS2_MAGNITUDE_RANGE[0] <= median <= MPS2_MAGNITUDE_RANGE[1]:
        if rate_hz is not None:
            _require_gravity(acc, rate_hz, STANDARD_GRAVITY)
        return acc, f"acceleration unit detected as m/s^2 from a median magnitude of {median:.2f}"
    if rate_hz is not None:  # in no unit: gravity may have been taken out, rather than scaled
        # with gravity in it the level is the median magnitude (within J0 of a swing), in
        # whatever unit; a pocketed phone's linear acceleration measures a tenth of it
        _require_gravity(acc, rate_hz, median)
    raise InvalidInputError(
        f"The median acceleration magnitude is {median:.3g}, which is neither about 1 g nor "
        "about 9.81 m/s^2; pass --acc-unit g or --acc-unit mps2 and check the columns."
    )


def _require_gravity(
    acc: FloatArray, rate_hz: float, one_g: float, floor_g: float = GRAVITY_LEVEL_FLOOR_G
) -> None:
    """Refuse acceleration without gravity in it (see :func:`acc_to_mps2`).

    ``acc`` is in the file's unit, in which 1 g measures ``one_g``; the level is told in
    that unit, since the unit may be what is wrong.
    """
    level = gravity_level(acc, rate_hz)
    if not np.isfinite(level) or level >= floor_g * one_g:
        return
    given = ""
    if level >= GRAVITY_LEVEL_FLOOR_G * one_g:  # below only the floor of a unit detected as g
        given = (
            ", or, if it is in g with gravity in it (a phone swung in the hand reads down to "
            f"{GRAVITY_LEVEL_FLOOR_G:g} g), pass --acc-unit g"
        )
    raise InvalidInputError(
        f"Averaged over each second, the acceleration measures {level:.2g} in the file's unit "
        "where gravity alone gives 1 g (9.81 m/s^2), so gravity was taken out of it (a linear "
        "or user acceleration) or the columns do not hold acceleration; export the "
        f"accelerometer with gravity in it (in phyphox, 'Acceleration with g'){given}."
    )


def gyr_to_dps(
    gyr: FloatArray,
    unit: str | None,
    acc: FloatArray | None = None,
    fs: float | None = None,
) -> tuple[FloatArray | None, str | None]:
    """Convert angular velocity to deg/s, detecting the unit if ``unit`` is ``None``.

    Detection, in order:

    1. *How gravity turns in the sensor's axes* (with ``acc`` and ``fs``): gravity is fixed
       in the world, so the sensor's tilt changes as ``-omega x up``; read as rad/s, the
       readings of a rad/s file predict that turning with a gain near 1 and those of a deg/s
       file with a gain near pi/180 (:func:`backstride.gait.orientation.gravity_turning_gain`).
       Used when the two agree with a correlation of at least
       :data:`GYR_TURNING_MIN_CORRELATION` (a sit-to-stand or a bend is enough; a short
       straight walk tilts the trunk too little); the unit is the one whose gain is nearer
       1 on a log scale. Runs of missing samples are bridged first, as the analysis bridges
       them, where at least :data:`~backstride.recording.MIN_FINITE_SHARE` of them are numbers.
    2. *Size*: if the 99th percentile of |angular velocity| over all axes is at most
       :data:`GYR_RADS_MAX_P99` (10) the unit is rad/s, else deg/s. Any walk in deg/s
       exceeds 10, but a day that is almost entirely still may not: there step 1 decides.

    Parameters
    ----------
    gyr
        ``(n, 3)`` angular velocity in the file's unit.
    unit
        ``"dps"`` or ``"rads"`` (aliases ``"deg/s"``, ``"rad/s"``), or ``None``.
    acc
        ``(n, 3)`` acceleration of the same samples, any unit, for step 1.
    fs
        Sample rate, Hz, for step 1.

    Returns
    -------
    tuple
        Angular velocity in deg/s (``None`` if the columns are empty) and a note.
    """
    if unit is not None:
        key = GYR_UNITS.get(unit.strip().lower())
        if key is None:
            raise InvalidInputError(
                f"The gyroscope unit {shorten(unit)} is not known; use dps or rads."
            )
        return (np.degrees(gyr) if key == "rads" else gyr), None
    finite = np.abs(gyr[np.isfinite(gyr)])
    if finite.size == 0:
        return None, "the gyroscope columns are empty and were ignored"
    if (
        acc is not None
        and fs is not None
        and min(finite_share(acc), finite_share(gyr)) >= MIN_FINITE_SHARE
    ):
        # gaps the analysis would bridge are bridged here too: a few dropped samples must
        # not leave the unit to the size rule
        gain, corr = gravity_turning_gain(bridge_gaps(acc), bridge_gaps(gyr), fs)
        if abs(corr) >= GYR_TURNING_MIN_CORRELATION and np.isfinite(gain) and gain != 0:
            in_rads = abs(gain) > np.sqrt(np.pi / 180)  # the geometric middle of 1 and pi/180
            return (
                np.degrees(gyr) if in_rads else gyr,
                f"gyroscope unit detected as {'rad/s' if in_rads else 'deg/s'}: only in that "
                f"unit do the readings match how the sensor's tilt changed (gain "
                f"{abs(gain) * (1 if in_rads else 180 / np.pi):.2f}, correlation {abs(corr):.2f})",
            )
    p99 = float(np.percentile(finite, 99))
    if p99 <= GYR_RADS_MAX_P99:
        return (
            np.degrees(gyr),
            f"gyroscope unit detected as rad/s because the 99th percentile of |rate| is "
            f"{p99:.2f} (at most {GYR_RADS_MAX_P99:g})",
        )
    return (
        gyr,
        f"gyroscope unit detected as deg/s because the 99th percentile of |rate| is {p99:.1f} "
        f"(above {GYR_RADS_MAX_P99:g})",
    )


def height_in_m(value: object) -> float | None:
    """Return a body or sensor height in metres from metres or centimetres, or ``None``.

    Values above 3 are taken as centimetres. Anything that is not a number between 0.2 and
    2.8 m after conversion gives ``None``, so bad metadata never stops a file from loading.
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not np.isfinite(number) or number <= 0:
        return None
    if number > 3:
        number /= 100.0
    return round(number, 4) if 0.2 < number < 2.8 else None


def check_rate(rate_hz: float | None, label: str = "--sample-rate-hz") -> float | None:
    """Return a user-given sample rate after checking it is a positive finite number."""
    if rate_hz is None:
        return None
    try:
        rate = float(rate_hz)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"The sample rate {shorten(rate_hz)} is not a number; give {label} in Hz."
        ) from exc
    if not np.isfinite(rate) or rate <= 0:
        raise InvalidInputError(f"The sample rate {rate:g} Hz is not positive; give {label} in Hz.")
    return rate


def parse_zone(time_zone: str | dt.tzinfo | None) -> dt.tzinfo | None:
    """Return a tzinfo for an IANA name or tzinfo, or ``None`` if none is given."""
    if time_zone is None or isinstance(time_zone, dt.tzinfo):
        return time_zone
    try:
        return zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            f"The time zone {time_zone!r} is not known; give an IANA name such as Europe/London."
        ) from exc
