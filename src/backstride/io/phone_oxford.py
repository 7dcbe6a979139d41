"""Reader for the Oxford step-counter phone logs (Samsung S6, CC BY 4.0).

Headerless CSV, one row per accelerometer event::

    1012471532132,0.48243165,2.4528596,4.9643774,0,0,0

Columns: timestamp (ns since boot), acceleration x, y, z (m/s^2), then three cumulative step
counts: the authors' algorithm, the ground-truth device and the phone's hardware counter.
A log whose clock ticks in microseconds or milliseconds instead is recognised by its sampling
interval (see :func:`_ticks_per_second`), one in g by the size of gravity (see
:func:`~backstride.io._common.gravity_level`), and a header row over the columns is passed
over.
Sampling is irregular (about 100 Hz in this set; phones log at 16-500 Hz), so the signal is
resampled onto a uniform grid at the log's own median rate (a 100-Hz grid for a 50-Hz log
would hold twice the samples, and a short gap would then read as a gap longer than the data);
leading rows whose acceleration is all zero (the sensor starting up) and rows whose timestamp
does not advance are dropped first; a clock that goes back by more than a second (the phone
restarted) is refused, since where the second part belongs in time is unknown. The file name
``<user>_<position>_<unix ms>.csv`` gives the placement and the start time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from backstride.exceptions import InvalidInputError
from backstride.io._common import (
    DETECTED_G_GRAVITY_FLOOR_G,
    GRAVITY_LEVEL_FLOOR_G,
    IntArray,
    PathLike,
    clock_ticks_per_second,
    existing_file,
    gravity_level,
    numeric_column,
    read_table,
    read_text_lines,
    resample_uniform,
    snap_rate,
    time_steps,
    unix_to_datetime,
)
from backstride.recording import STANDARD_GRAVITY, FloatArray, Recording

DEVICE = "Samsung S6 (Oxford step-counter set)"
N_COLUMNS = 7
#: File-name words of the placements in the data set, matched as whole words ("handbag" is
#: not "hand").
PLACEMENTS = ("frontpocket", "backpocket", "neckpouch", "armband", "hand", "bag")
_START_RE = re.compile(r"(?:^|_)(\d{12,13})(?:$|[_.])")
_USER_RE = re.compile(r"^(user\d+)", re.IGNORECASE)


#: Most a running step count may rise between two rows: a log row every 1-20 ms holds at
#: most one new step; ten allows for rows a counter batched.
MAX_STEPS_PER_ROW = 10
#: Fastest stepping, steps/s (sprinters reach 4-5): a count that rises by more than 10 between
#: two rows but by no more than this over the time between them was counting while the phone's
#: sensor paused, not damaged.
MAX_STEPS_PER_S = 5.0
#: A clock that goes back by more than this, s, was restarted (a phone's clock counts from
#: boot); repeated or swapped rows go back by a few sampling intervals at most.
MAX_CLOCK_STEP_BACK_S = 1.0
#: Gravity as :func:`~backstride.io._common.gravity_level` measures it, in g, in any log of a
#: person: 1 within a phone's calibration (a few %) and the phone's turning within a second
#: (the six bundled logs: 0.99-1.02). A file whose level lies from the floor of a unit told
#: as g (:data:`~backstride.io._common.DETECTED_G_GRAVITY_FLOOR_G`, 0.8) to this is in g;
#: linear acceleration in m/s^2 reads 0.4-0.6, so the wider range by which other readers tell
#: g from the median magnitude (0.6-1.6) would take it for g. A log in m/s^2 must reach
#: :data:`~backstride.io._common.GRAVITY_LEVEL_FLOOR_G` (0.5 g: a phone swung in the hand)
#: up to this.
MAX_GRAVITY_LEVEL_G = 1.25
#: Rows without a timestamp are dropped (with a note) while at least this share of rows has
#: one; more missing times mean the column is not the clock, which is refused by its line.
MIN_TIMED_SHARE = 0.99
#: Units a phone log's clock may tick in, as ticks per second: the set's logs count
#: nanoseconds since boot, but the README of its older logs says microseconds, and Android's
#: own clocks are also read in milliseconds.
TICK_NAMES = {1e9: "nanoseconds", 1e6: "microseconds", 1e3: "milliseconds"}


def _refuse_a_restarted_clock(stamps: FloatArray, name: str, line_of: IntArray) -> None:
    """Refuse a clock that goes back by more than :data:`MAX_CLOCK_STEP_BACK_S`.

    Dropping the rows after it as "not advancing" kept only the part before the restart (half
    the walk, with no word but a note); a log mostly in reverse order is named by the caller.
    One row whose clock alone is low (cut short mid-number), with the next row back above the
    one before it, is no restart: it is dropped with the rows that do not advance.
    """
    steps = np.diff(stamps)
    if steps.size == 0 or np.mean(steps > 0) < 0.5:
        return
    per_second = _ticks_per_second(stamps, name)
    for back in np.flatnonzero(steps < -MAX_CLOCK_STEP_BACK_S * per_second):
        if back + 2 < stamps.size and stamps[back + 2] > stamps[back]:
            continue
        back_s = -steps[back] / per_second
        raise InvalidInputError(
            f"The timestamps in {name} go back by {back_s:.1f} s on line "
            f"{int(line_of[back + 1])}, as when the phone restarts and its clock starts again "
            "from zero; split the file at that line and analyse the parts separately."
        )


def _ticks_per_second(stamps: FloatArray, name: str) -> float:
    """The clock's unit, from the typical interval between samples.

    A phone's accelerometer samples at 1-1000 Hz, so the median interval lies between 1 ms
    and 1 s; the units are 1000 times apart, so only one of them puts it there.
    """
    steps = np.diff(stamps[np.isfinite(stamps)])
    median = float(np.median(steps[steps > 0])) if np.any(steps > 0) else float("nan")
    per_second = clock_ticks_per_second(median, TICK_NAMES)
    if per_second is not None:
        return per_second
    raise InvalidInputError(
        f"The timestamps in {name} advance by a median of {median:g} per row, which is no "
        "sampling interval between 1 ms and 1 s in nanoseconds, microseconds or "
        "milliseconds; check the first column."
    )


def _first_line_passed_over(p: Path) -> str | None:
    """The note for a first line that is not data (a header, no cell a number, or blank)."""
    lines = read_text_lines(p, 1)
    if not lines:
        return None
    if not lines[0].strip():  # pandas takes the column count from the first line: skip it
        return "the first line, blank, was passed over"
    for cell in lines[0].split(","):
        try:
            float(cell)
        except ValueError:
            continue
        return None
    return "the first line, a header, was passed over"


def read_oxford_phone_csv(path: PathLike) -> Recording:
    """Read one Oxford step-counter phone log.

    Parameters
    ----------
    path
        The 7-column CSV (a header row, if there is one, is passed over).

    Returns
    -------
    Recording
        Acceleration in m/s^2 (converted from g when gravity measures about 1) on a uniform
        grid at the log's median rate, ``placement`` from the file name (``hand``,
        ``frontpocket``, ``backpocket``, ``bag``, ``neckpouch``, ``armband`` or ``unknown``)
        and the step totals in ``meta``
        (``reference_steps`` from the ground-truth device, ``hardware_steps`` and
        ``algorithm_steps``).

    Raises
    ------
    InputNotFoundError
        No file at ``path``.
    InvalidInputError
        Fewer than 7 columns, non-numeric values, no non-zero acceleration, a clock that
        restarts, or acceleration without gravity in it.
    """
    p = existing_file(path)
    passed_over = _first_line_passed_over(p)
    skipped = 1 if passed_over else 0
    frame = read_table(p, header=None, skip_blank_lines=False, skiprows=skipped)
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
    line_of: IntArray = frame.index.to_numpy(dtype=np.int64) + 1 + skipped
    labels = ("timestamp", "x acceleration", "y acceleration", "z acceleration")
    columns = [
        numeric_column(frame.iloc[:, k], labels[k] if k < 4 else f"column {k + 1}", line_of)
        for k in range(N_COLUMNS)
    ]
    data: FloatArray = np.column_stack(columns)
    notes: list[str] = [passed_over] if passed_over else []
    if data.shape[0] > 1 and np.any(np.isnan(data[-1]) & ~np.isnan(data[-2])):
        # a log copied while the phone was still writing it; its clock may be cut to a
        # smaller number, which would read as the clock restarting
        notes.append(f"the last line ({line_of[-1]}), cut short, was left out")
        data, line_of = data[:-1], line_of[:-1]

    nonzero = np.flatnonzero(np.any(data[:, 1:4] != 0, axis=1))
    if nonzero.size == 0:
        raise InvalidInputError(
            f"The acceleration in {p.name} is zero throughout; check that the phone logged "
            "its accelerometer."
        )
    if nonzero[0] > 0:
        notes.append(f"{nonzero[0]} leading rows with zero acceleration were dropped")
        data, line_of = data[nonzero[0] :], line_of[nonzero[0] :]
    finite = np.isfinite(data[:, 0])
    if not finite.all() and finite.mean() >= MIN_TIMED_SHARE:
        # a few rows without a time (a logger's hiccup): their samples cannot be placed
        notes.append(f"{int((~finite).sum())} rows without a timestamp were dropped")
        data, line_of = data[finite], line_of[finite]
        finite = finite[finite]
    stamps = data[:, 0]
    if finite.all():
        _refuse_a_restarted_clock(stamps, p.name, line_of)
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
    gravity = gravity_level(acc, rate_hz)
    high = MAX_GRAVITY_LEVEL_G
    if DETECTED_G_GRAVITY_FLOOR_G <= gravity <= high:
        acc = acc * STANDARD_GRAVITY
        notes.append(f"acceleration read as g: gravity measures {gravity:.2f} in the file's unit")
    elif np.isfinite(gravity) and not GRAVITY_LEVEL_FLOOR_G <= gravity / STANDARD_GRAVITY <= high:
        raise InvalidInputError(
            f"Averaged over each second, the acceleration in {p.name} measures {gravity:.2g} "
            "where gravity alone gives 9.81 m/s^2 (or 1 g), so gravity was taken out of it (a "
            "linear acceleration) or the columns are not acceleration; log the phone's raw "
            "accelerometer."
        )
    notes.append(
        f"irregular phone sampling (median {steps.measured_rate_hz:.1f} Hz, steps "
        f"{1000 * steps.min_s:.3g} to {1000 * steps.max_s:.3g} ms) resampled onto a uniform "
        f"{rate_hz:g} Hz grid by linear interpolation"
    )

    meta: dict[str, Any] = {"format": "oxford_phone", "source_path": str(p)}
    for key, column in (("algorithm_steps", 4), ("reference_steps", 5), ("hardware_steps", 6)):
        counted = np.isfinite(data[:, column])
        counts = data[:, column][counted]
        rises = np.diff(counts)
        if counts.size and np.all(rises >= 0) and not np.any(rises > MAX_STEPS_PER_ROW):
            meta[key] = int(np.rint(counts[-1] - counts[0]))
        elif counts.size and np.any(rises < 0):  # a cumulative count that goes down
            meta[f"{key}_problem"] = (
                f"its step count (column {column + 1}) decreases, so it is not a running total"
            )
        elif counts.size:
            leap = int(np.argmax(rises))
            paused_s = float(np.diff(time_s[counted])[leap])
            if rises[leap] <= MAX_STEPS_PER_S * paused_s:  # counted on while the phone paused
                line = int(line_of[np.flatnonzero(counted)[leap + 1]])
                meta[f"{key}_problem"] = (
                    f"its step count (column {column + 1}) rose by {rises[leap]:.6g} while the "
                    f"phone logged nothing for {paused_s:.3g} s (before line {line}), so the "
                    "totals cannot be compared; split the log at the pause"
                )
                continue
            # a count that leaps between two rows a few ms apart
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
    words = set(re.split(r"[^a-z]+", p.stem.lower()))
    placement = next((word for word in PLACEMENTS if word in words), "unknown")
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
