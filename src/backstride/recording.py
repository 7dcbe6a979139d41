"""The Recording: the one data contract between the readers (`io`) and the algorithms (`gait`).

Readers convert every device's units and axes to this contract at the boundary and nowhere
else (see ``docs/data-contract.md``):

- ``acc`` is an ``(n, 3)`` float array in m/s^2, ``gyr`` an optional ``(n, 3)`` array in deg/s.
- Columns keep the *sensor's* axis order; which axis is vertical is found from gravity by
  :func:`backstride.gait.orientation.body_frame`, not assumed, so any mounting works.
- ``time_s`` is seconds from the first sample (uniform sampling at ``sample_rate_hz`` after the
  reader has resampled irregular input).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from backstride.exceptions import InvalidInputError

FloatArray = npt.NDArray[np.float64]

#: Below this rate a walking rhythm of up to ~3 steps/s cannot be resolved with margin.
MIN_SAMPLE_RATE_HZ = 20.0
#: Body-worn accelerometers sample at up to a few kHz (Axivity AX3: 3200 Hz); a rate above
#: this is a time column in the wrong unit, and its smoothing kernels would take minutes.
MAX_SAMPLE_RATE_HZ = 10_000.0
#: A recording must be at least this long to hold a single bout of 4 strides at a slow pace.
MIN_DURATION_S = 3.0
STANDARD_GRAVITY = 9.80665
#: A raw accelerometer's median magnitude is gravity, 1 g, whatever the wearer does (walking
#: and running stay well within these bounds); outside them the signal is in another unit
#: or has had gravity removed, and "up" cannot be found.
GRAVITY_MEDIAN_RANGE_MPS2 = (0.5 * STANDARD_GRAVITY, 2.0 * STANDARD_GRAVITY)
#: The share of samples that must be numbers: runs of NaN up to the rest are bridged
#: (:func:`bridge_gaps`); more means the file is broken rather than briefly interrupted.
MIN_FINITE_SHARE = 0.9
#: No body-worn accelerometer measures beyond +-200 g (the widest, for impact, e.g. the
#: ADXL375), nor a MEMS gyroscope beyond +-4000 deg/s (the limit leaves a margin for a
#: saturated, rescaled reading); a sample beyond these is a glitch of
#: the file, not motion (see :func:`without_impossible_samples`).
ACC_LIMIT_MPS2 = 200 * STANDARD_GRAVITY
GYR_LIMIT_DPS = 5000.0


def require_step_rate(rate_hz: float) -> None:
    """Refuse a rate outside :data:`MIN_SAMPLE_RATE_HZ`..:data:`MAX_SAMPLE_RATE_HZ`, or NaN.

    Readers call it before any filtering (the gyroscope unit check low-passes the signal,
    which fails for a rate under twice its cut-off), :class:`Recording` again on creation.
    """
    if not np.isfinite(rate_hz) or rate_hz < MIN_SAMPLE_RATE_HZ:
        raise InvalidInputError(
            f"The sample rate is {rate_hz:g} Hz; BackStride needs at least "
            f"{MIN_SAMPLE_RATE_HZ:g} Hz to resolve steps, so record at a higher rate."
        )
    if rate_hz > MAX_SAMPLE_RATE_HZ:
        raise InvalidInputError(
            f"The sample rate is {rate_hz:g} Hz, above any body-worn accelerometer's (at most "
            f"a few kHz); check the time column's unit or --sample-rate-hz."
        )


#: How to say where a sensor was worn, for the placement names the readers set. Any other
#: name (a device's own wear-location text, cleaned) is said as "at the <name>".
PLACEMENT_WORDS = {
    "lower_back": "at the lower back",
    "hip": "at the hip",
    "chest": "on the chest",
    "wrist": "on the wrist",
    "ankle": "at the ankle",
    "thigh": "on the thigh",
    "hand": "in the hand",
    "frontpocket": "in a front trouser pocket",
    "backpocket": "in a back trouser pocket",
    "bag": "in a bag",
    "neckpouch": "in a pouch around the neck",
    "armband": "in an armband",
    "unknown": "in a carry position that is not known",
}


def placement_words(placement: str) -> str:
    """Where a sensor was worn, as words for a sentence: ``"in a front trouser pocket"``."""
    return PLACEMENT_WORDS.get(placement, f"at the {placement.replace('_', ' ')}")


@dataclass(frozen=True)
class Recording:
    """One continuous recording from one body-worn sensor.

    Parameters
    ----------
    acc
        Acceleration, ``(n, 3)``, m/s^2, sensor axes.
    sample_rate_hz
        Sampling rate of ``acc`` and ``gyr``, Hz.
    gyr
        Angular velocity, ``(n, 3)``, deg/s, sensor axes; ``None`` without a gyroscope.
    start
        Time-zone aware start of the first sample, if known.
    device
        Device or format name, e.g. ``"Mobilise-D MM+"``.
    placement
        Where it was worn: ``"lower_back"``, ``"hand"``, ``"pocket"``, ...
    height_m
        Wearer's body height, m, if known.
    sensor_height_m
        Height of the sensor above the ground when standing, m, if known.
    name
        A short label for reports (trial name or file stem).
    notes
        What the reader detected or assumed (units, time base), shown to the user.
    """

    acc: FloatArray
    sample_rate_hz: float
    gyr: FloatArray | None = None
    start: dt.datetime | None = None
    device: str = "unknown"
    placement: str = "lower_back"
    height_m: float | None = None
    sensor_height_m: float | None = None
    name: str = "recording"
    notes: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        acc = np.asarray(self.acc, dtype=np.float64)
        if acc.ndim != 2 or acc.shape[1] != 3:
            raise InvalidInputError(
                f"Acceleration must have three columns (x, y, z); got shape {acc.shape}."
            )
        object.__setattr__(self, "acc", acc)
        if self.gyr is not None:
            gyr = np.asarray(self.gyr, dtype=np.float64)
            if gyr.shape != acc.shape:
                raise InvalidInputError(
                    "Gyroscope and accelerometer must have the same number of samples; "
                    f"got {gyr.shape[0]} and {acc.shape[0]}."
                )
            object.__setattr__(self, "gyr", gyr)
        require_step_rate(self.sample_rate_hz)
        if self.start is not None and self.start.tzinfo is None:
            raise InvalidInputError("The recording start time must be time-zone aware.")
        check_heights(self.height_m, self.sensor_height_m)

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.acc.shape[0])

    @property
    def duration_s(self) -> float:
        """Duration, s."""
        return self.n_samples / self.sample_rate_hz

    @property
    def time_s(self) -> FloatArray:
        """Seconds from the first sample, one per sample."""
        return np.arange(self.n_samples, dtype=np.float64) / self.sample_rate_hz

    @property
    def has_gyr(self) -> bool:
        """Whether angular velocity is available."""
        return self.gyr is not None


def finite_share(x: FloatArray) -> float:
    """The share of ``x``'s rows (samples) whose every column is a number; 0 for none."""
    if not x.shape[0]:
        return 0.0
    finite = np.isfinite(x)
    if finite.all():  # the common case; the reduction over rows is ten times slower
        return 1.0
    return float(finite.all(axis=1).mean())


def bridge_gaps(x: FloatArray) -> FloatArray:
    """``x`` (``(n, k)``) with each column's NaN and infinite samples linearly interpolated.

    Returns ``x`` itself, not a copy, when every sample is a number (a day at 100 Hz is
    200 MB per 3-axis signal). A column without a single number is left as it is.
    """
    bad = ~np.isfinite(x)
    if not bad.any():
        return x
    out = x.copy()
    idx = np.arange(out.shape[0])
    for k in range(out.shape[1]):
        good = ~bad[:, k]
        if good.any():
            out[bad[:, k], k] = np.interp(idx[bad[:, k]], idx[good], out[good, k])
    return out


#: Plausible body heights, m (the shortest walking child to the tallest adult recorded), and
#: heights of a sensor on the trunk above the floor (the lower back of a 2.7-m adult is at
#: about 1.5 m).
BODY_HEIGHT_RANGE_M = (0.5, 2.8)
SENSOR_HEIGHT_RANGE_M = (0.2, 1.6)
#: A sensor on the trunk sits below the shoulders, at about 0.82 of body height (Winter,
#: Biomechanics and Motor Control of Human Movement, 4th ed., 2009, segment proportions); the
#: lower back is at about 0.6 (gait.parameters.SENSOR_HEIGHT_PER_HEIGHT) and the sternum at
#: about 0.72.
TRUNK_TOP_PER_HEIGHT = 0.8


def check_heights(height_m: float | None, sensor_height_m: float | None) -> None:
    """Refuse a body or sensor height no person has, or a sensor above the wearer's trunk.

    A stride length from a sensor height of 2.5 m, or of 1.5 m on a 1-m walker, is not a
    measurement; the values were swapped, or given in the wrong unit.
    """
    for label, value, (low, high) in (
        ("height", height_m, BODY_HEIGHT_RANGE_M),
        ("sensor height", sensor_height_m, SENSOR_HEIGHT_RANGE_M),
    ):
        if value is not None and not (low < value < high):
            raise InvalidInputError(
                f"The {label} {value:g} m is not a plausible human value; give it in metres."
            )
    if (
        height_m is not None
        and sensor_height_m is not None
        and sensor_height_m > TRUNK_TOP_PER_HEIGHT * height_m
    ):
        raise InvalidInputError(
            f"The sensor height {sensor_height_m:g} m is above the trunk of a {height_m:g}-m "
            f"person (at most {TRUNK_TOP_PER_HEIGHT:g} of body height, about the shoulders); "
            "check that the two values are not swapped or mistyped."
        )


#: Rows a check over the whole signal takes at a time: its boolean temporaries then stay at
#: a few MB, where a week at 100 Hz (60 million rows) needed 540 MB of them at once.
CHECK_CHUNK_ROWS = 1 << 20


def _row_chunks(x: FloatArray) -> Iterator[FloatArray]:
    """Consecutive row blocks of ``x`` (views: writing to one writes to ``x``)."""
    for start in range(0, x.shape[0], CHECK_CHUNK_ROWS):
        yield x[start : start + CHECK_CHUNK_ROWS]


def _beyond(x: FloatArray, limit: float) -> npt.NDArray[np.bool_]:
    """Where ``|x| > limit`` (NaN is not beyond)."""
    with np.errstate(invalid="ignore"):
        return (x > limit) | (x < -limit)


def _all_within(x: FloatArray, limit: float) -> bool:
    """Whether every sample of ``x`` is a number within ``+-limit`` (NaN is not)."""
    return all(bool((np.abs(c) <= limit).all()) for c in _row_chunks(x))


#: An accelerometer's range is at least +-2 g; an extreme below this is not its limit.
MIN_SATURATION_MPS2 = 1.5 * STANDARD_GRAVITY


def saturated_samples(acc: FloatArray) -> npt.NDArray[np.bool_]:
    """Rows where some axis sits at the limit of the accelerometer's range (clipped).

    An accelerometer reads no more than its range (+-2 to +-16 g): a peak beyond it is
    written as the limit, the same value each time. So an axis whose greatest (least) value
    is at least 1.5 g from zero and stands on two samples or more is taken to have reached
    its limit there (a true peak is not met again to the last digit). The limit need not be
    known, and need not be a round number once a file's calibration is applied (a GENEActiv
    reaches 8.1 g).
    """
    clipped = np.zeros(acc.shape[0], dtype=bool)
    for axis in range(acc.shape[1]):
        x = acc[:, axis]
        finite = x[np.isfinite(x)]
        if not finite.size:
            continue
        for extreme in (float(finite.max()), float(finite.min())):
            if abs(extreme) < MIN_SATURATION_MPS2:
                continue
            at = np.abs(x - extreme) <= 1e-9 * abs(extreme)
            if int(at.sum()) >= 2:
                clipped |= at
    return clipped


def without_impossible_samples(recording: Recording) -> Recording:
    """The recording with samples beyond any sensor's range marked missing, and notes.

    One sample of 1e300 m/s^2 ended the analysis in an internal error, and one of 1e20 hid
    a whole walk (the smoothing spread it over seconds); such a value is a glitch of the
    file. Each axis's value beyond :data:`ACC_LIMIT_MPS2` (:data:`GYR_LIMIT_DPS`) becomes NaN,
    which the analysis bridges like any short gap (:func:`bridge_gaps`); samples already
    missing are counted in a note too. Returns the recording itself when every sample is a
    number within range.
    """
    if all(
        _all_within(x, limit)
        for x, limit in ((recording.acc, ACC_LIMIT_MPS2), (recording.gyr, GYR_LIMIT_DPS))
        if x is not None
    ):
        return recording  # the common case, in one pass over each signal
    changes: dict[str, Any] = {}
    notes = []
    # what is already missing (an empty cell, 'nan', 'inf') is bridged too: say how much
    for label, x in (("acceleration", recording.acc), ("angular velocity", recording.gyr)):
        if x is None:
            continue
        missing = sum(int((~np.isfinite(c)).any(axis=1).sum()) for c in _row_chunks(x))
        if missing:
            notes.append(
                f"{missing} {label} sample{'' if missing == 1 else 's'} missing or not a "
                f"number {'was' if missing == 1 else 'were'} bridged by straight lines"
            )
    for name, limit, words in (
        ("acc", ACC_LIMIT_MPS2, "acceleration sample{s} beyond +-200 g"),
        ("gyr", GYR_LIMIT_DPS, f"angular velocity sample{{s}} beyond +-{GYR_LIMIT_DPS:g} deg/s"),
    ):
        x = getattr(recording, name)
        if x is None:
            continue
        n = sum(int(_beyond(c, limit).any(axis=1).sum()) for c in _row_chunks(x))
        if n:
            marked = x.copy()
            for c in _row_chunks(marked):
                c[_beyond(c, limit)] = np.nan
            changes[name] = marked
            one = n == 1
            notes.append(
                f"{n} {words.format(s='' if one else 's')}, outside any body-worn sensor's "
                f"range, {'was' if one else 'were'} treated as missing and bridged"
            )
    if not notes:
        return recording
    return replace(recording, **changes, notes=recording.notes + tuple(notes))


def validate_signal(recording: Recording) -> None:
    """Raise :class:`InvalidInputError` if the recording cannot be analysed at all.

    NaN runs are tolerated up to ``1 - MIN_FINITE_SHARE`` (10%) of the samples; the pipeline
    bridges them (:func:`bridge_gaps`).
    """
    if recording.duration_s < MIN_DURATION_S:
        raise InvalidInputError(
            f"The recording lasts {recording.duration_s:.1f} s; at least {MIN_DURATION_S:g} s "
            "are needed to find a walking bout."
        )
    finite = finite_share(recording.acc)
    if finite < MIN_FINITE_SHARE:
        raise InvalidInputError(
            f"{100 * (1 - finite):.0f}% of the acceleration samples are missing or not "
            "numbers; check that the file holds the accelerometer data."
        )
    # every k-th sample: a day-long recording's median needs no copy of the whole signal.
    # Exact zeros are left out: no accelerometer at rest reads them, but exports fill gaps
    # and switched-off stretches with them.
    every = max(1, recording.acc.shape[0] // 200_000)
    sample = recording.acc[::every]
    magnitude = np.linalg.norm(sample[np.isfinite(sample).all(axis=1)], axis=1)
    magnitude = magnitude[magnitude > 0]
    if magnitude.size == 0:
        raise InvalidInputError(
            "The acceleration is zero throughout; check that the file holds the accelerometer "
            "data and that the sensor was switched on."
        )
    median = float(np.median(magnitude))
    low, high = GRAVITY_MEDIAN_RANGE_MPS2
    if not low <= median <= high:
        raise InvalidInputError(
            f"The median acceleration magnitude is {median:.3g} m/s^2 where gravity alone gives "
            f"{STANDARD_GRAVITY:.2f}, so this is not a raw accelerometer signal in m/s^2; check "
            "the unit (--acc-unit) and give the accelerometer with gravity in it, not a linear "
            "or user acceleration."
        )
    if recording.gyr is not None:
        finite = finite_share(recording.gyr)
        if finite < MIN_FINITE_SHARE:
            raise InvalidInputError(
                f"{100 * (1 - finite):.0f}% of the angular velocity samples are missing "
                "or not numbers; check the file's gyroscope columns, or remove them to analyse "
                "the acceleration alone."
            )
