"""Reader for the Oxford step-counter phone logs (Samsung S6, CC BY 4.0).

Headerless CSV, one row per accelerometer event::

    1012471532132,0.48243165,2.4528596,4.9643774,0,0,0

Columns: timestamp (ns since boot), acceleration x, y, z (m/s^2), then three cumulative step
counts: the authors' algorithm, the ground-truth device and the phone's hardware counter.
A log whose clock ticks in microseconds or milliseconds instead is recognised by its sampling
interval (see :func:`_ticks_per_second`).
Sampling is irregular (about 100 Hz in this set; phones log at 16-500 Hz), so the signal is
resampled onto a uniform grid at the log's own median rate (a 100-Hz grid for a 50-Hz log
would hold twice the samples, and a short gap would then read as a gap longer than the data);
leading rows whose acceleration is all zero (the sensor starting up) and rows whose timestamp
does not advance are dropped first. The file name ``<user>_<position>_<unix ms>.csv`` gives
the placement and the start time.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    IntArray,
    PathLike,
    existing_file,
    numeric_column,
    read_table,
    resample_uniform,
    snap_rate,
    time_steps,
    unix_to_datetime,
)
from backstride.recording import FloatArray, Recording

DEVICE = "Samsung S6 (Oxford step-counter set)"
N_COLUMNS = 7
#: File-name tokens of the placements in the data set, matched in this order.
PLACEMENTS = ("frontpocket", "backpocket", "neckpouch", "armband", "hand", "bag")
_START_RE = re.compile(r"(?:^|_)(\d{12,13})(?:$|[_.])")
_USER_RE = re.compile(r"^(user\d+)", re.IGNORECASE)


#: Most a running step count may rise between two rows: a log row every 1-20 ms holds at
#: most one new step; ten allows for rows a counter batched.
MAX_STEPS_PER_ROW = 10
#: Units a phone log's clock may tick in, as ticks per second: the set's logs count
#: nanoseconds since boot, but the README of its older logs says microseconds, and Android's
#: own clocks are also read in milliseconds.
TICK_NAMES = {1e9: "nanoseconds", 1e6: "microseconds", 1e3: "milliseconds"}


def _ticks_per_second(stamps: FloatArray, name: str) -> float:
    """The clock's unit, from the typical interval between samples.

    A phone's accelerometer samples at 1-1000 Hz, so the median interval lies between 1 ms
    and 1 s; the units are 1000 times apart, so only one of them puts it there.
    """
    steps = np.diff(stamps[np.isfinite(stamps)])
    median = float(np.median(steps[steps > 0])) if np.any(steps > 0) else float("nan")
    for per_second in TICK_NAMES:
        if 1e-3 <= median / per_second < 1.0:
            return per_second
    raise InvalidInputError(
        f"The timestamps in {name} advance by a median of {median:g} per row, which is no "
        "sampling interval between 1 ms and 1 s in nanoseconds, microseconds or "
        "milliseconds; check the first column."
    )


def read_oxford_phone_csv(path: PathLike) -> Recording:
    """Read one Oxford step-counter phone log.

    Parameters
    ----------
    path
        The headerless 7-column CSV.

    Returns
    -------
    Recording
        Acceleration in m/s^2 on a uniform grid at the log's median rate, ``placement``
        from the file name (``hand``, ``frontpocket``, ``backpocket``, ``bag``,
        ``neckpouch``, ``armband`` or ``unknown``) and the step totals in ``meta``
        (``reference_steps`` from the ground-truth device, ``hardware_steps`` and
        ``algorithm_steps``).

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        Fewer than 7 columns, non-numeric values or no non-zero acceleration.
    """
    p = existing_file(path)
    frame = read_table(p, header=None, skip_blank_lines=False)
    if frame.shape[1] < N_COLUMNS:
        raise InvalidInputError(
            f"The file {p.name} has {frame.shape[1]} columns where an Oxford step-counter log "
            "has 7 (timestamp, x, y, z and three step counts); check the file."
        )
    frame = frame.dropna(how="all")
    if frame.empty:
        raise InvalidInputError(
            f"The file {p.name} holds no data rows; check that the log was copied completely."
        )
    line_of: IntArray = frame.index.to_numpy(dtype=np.int64) + 1
    labels = ("timestamp", "x acceleration", "y acceleration", "z acceleration")
    columns = [
        numeric_column(frame.iloc[:, k], labels[k] if k < 4 else f"column {k + 1}", line_of)
        for k in range(N_COLUMNS)
    ]
    data: FloatArray = np.column_stack(columns)

    nonzero = np.flatnonzero(np.any(data[:, 1:4] != 0, axis=1))
    if nonzero.size == 0:
        raise InvalidInputError(
            f"The acceleration in {p.name} is zero throughout; check that the phone logged "
            "its accelerometer."
        )
    notes: list[str] = []
    if nonzero[0] > 0:
        notes.append(f"{nonzero[0]} leading rows with zero acceleration were dropped")
        data, line_of = data[nonzero[0] :], line_of[nonzero[0] :]
    stamps = data[:, 0]
    finite = np.isfinite(stamps)
    if finite.all():
        previous_max = np.maximum.accumulate(stamps)
        keep = np.concatenate([[True], stamps[1:] > previous_max[:-1]])
        if keep.mean() < 0.5:  # not a few repeated rows: the order itself is wrong
            raise InvalidInputError(
                f"The timestamps in {p.name} mostly go backwards or repeat; sort the rows by "
                "the first column (a phone log lists them in time order)."
            )
        if not keep.all():
            notes.append(f"{int((~keep).sum())} rows whose timestamp did not advance were dropped")
            data, line_of = data[keep], line_of[keep]
    per_second = _ticks_per_second(data[:, 0], p.name)
    if per_second != 1e9:
        notes.append(f"timestamps read as {TICK_NAMES[per_second]}, not nanoseconds")
    time_s = (data[:, 0] - data[0, 0]) / per_second
    steps = time_steps(time_s, "timestamp", line_of)
    rate_hz = snap_rate(steps.measured_rate_hz)
    acc, _ = resample_uniform(time_s, data[:, 1:4], rate_hz, steps, "timestamp", line_of)
    notes.append(
        f"irregular phone sampling (median {steps.measured_rate_hz:.1f} Hz, steps "
        f"{1000 * steps.min_s:.3g} to {1000 * steps.max_s:.3g} ms) resampled onto a uniform "
        f"{rate_hz:g} Hz grid by linear interpolation"
    )

    meta: dict[str, Any] = {"format": "oxford_phone", "source_path": str(p)}
    for key, column in (("algorithm_steps", 4), ("reference_steps", 5), ("hardware_steps", 6)):
        counts = data[:, column][np.isfinite(data[:, column])]
        rises = np.diff(counts)
        if counts.size and np.all(rises >= 0) and not np.any(rises > MAX_STEPS_PER_ROW):
            meta[key] = int(np.rint(counts[-1] - counts[0]))
        elif counts.size and np.any(rises < 0):  # a cumulative count that goes down
            meta[f"{key}_problem"] = (
                f"its step count (column {column + 1}) decreases, so it is not a running total"
            )
        elif counts.size:  # a count that leaps between two rows a few ms apart
            meta[f"{key}_problem"] = (
                f"its step count (column {column + 1}) jumps by {rises.max():.6g} between two "
                f"rows, more than {MAX_STEPS_PER_ROW} steps, so the count is damaged"
            )
    user = _USER_RE.match(p.stem)
    if user:
        meta["participant_id"] = user.group(1).lower()
    start = None
    start_match = _START_RE.search(p.stem)
    if start_match:
        start = unix_to_datetime(int(start_match.group(1)) / 1000.0)
        notes.append("start time from the Unix milliseconds in the file name")
    lowered = p.stem.lower()
    placement = next((token for token in PLACEMENTS if token in lowered), "unknown")
    return Recording(
        acc=acc,
        sample_rate_hz=rate_hz,
        start=start,
        device=DEVICE,
        placement=placement,
        name=p.stem,
        notes=tuple(notes),
        meta=meta,
    )
