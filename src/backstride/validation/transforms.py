"""The same walk, slower or limping: a real recording and its reference re-timed.

*Slower* (:func:`slowed_recording`, :func:`slowed_reference`):

The references in ``../shared/data`` are healthy adults at 95-110 steps/min. Walkers with low
back pain, and the clinical cohorts of the validation studies, often walk at 70-90. There is
no reference for them here, so a real walk is slowed by a factor ``k``: every sample is kept
and the sample rate divided by ``k``, so events come ``k`` times later and the cadence falls
by ``k``. For the trunk's path to stay the same, the movement's acceleration (the recording
minus gravity) shrinks by ``k^2`` and the angular velocity by ``k``; gravity, which does not
depend on the pace, is kept. The reference's times stretch by ``k``, its cadence and speed
shrink by ``k``, its stride lengths stay.

A slowed walk is an idealisation: real slow gait also changes its shape (longer double
support, smaller excursions), so this checks that the methods scale with the pace, not that
they fit any one slow walker.

*Limping* (:func:`asymmetric_recording`, :func:`asymmetric_reference`): a walk with pain in
one leg (an antalgic gait) or after an injury takes short steps onto the painful side and
longer ones off it, graded by the ratio of the two (Patterson et al. 2010, Gait Posture
31:241-246). A real walk is re-timed so that, in each of the reference's
bouts, every other step lasts ``2 r / (1 + r)`` times its recorded duration and the others
``2 / (1 + r)`` times: the step-time ratio becomes ``r`` times the walker's own and the
strides keep their duration. The signal is resampled along that piecewise-linear map of
time, its values kept: a shortened step keeps its accelerations, where a real one would
load the trunk harder, so this checks the timing rules (the rhythm of a bout, the search
windows), not the loading. Outside the bouts time only shifts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from backstride.gait.orientation import lowpass
from backstride.recording import Recording
from backstride.validation.references import Reference, ReferenceBout

#: Gravity is what the accelerometer reads below this frequency, Hz (the analysis's own
#: zero-phase low-pass); walking's step frequency is 1.2-2 Hz.
GRAVITY_CUTOFF_HZ = 0.5


def slowed_recording(recording: Recording, k: float) -> Recording:
    """``recording`` with its movement ``k`` times slower (see the module docstring)."""
    if k <= 0:
        raise ValueError(f"the slowing factor must be positive, not {k}")
    fs = recording.sample_rate_hz
    gravity = lowpass(recording.acc, GRAVITY_CUTOFF_HZ, fs)
    acc = gravity + (recording.acc - gravity) / k**2
    gyr = None if recording.gyr is None else recording.gyr / k
    return dataclasses.replace(recording, acc=acc, gyr=gyr, sample_rate_hz=fs / k)


def _retimed_reference(
    reference: Reference,
    at: Callable[[float], float],
    values: Callable[[ReferenceBout], dict[str, Any]],
) -> Reference:
    """``reference`` with every time moved by ``at`` and each bout's values from ``values``.

    Times are the bouts' ends, contacts, untimed runs, strides and turns, the turns outside
    the bouts and the annotated window; ``values`` gives what else changes in a bout (its
    cadence, speed, ...), from the bout as it was.
    """

    def spans(pairs: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        return tuple((at(a), at(b)) for a, b in pairs)

    def moved(bout: ReferenceBout) -> ReferenceBout:
        fields: dict[str, Any] = {
            "start_s": at(bout.start_s),
            "end_s": at(bout.end_s),
            "initial_contacts_s": tuple(at(t) for t in bout.initial_contacts_s),
            "untimed_contacts": tuple(
                g._replace(after_s=at(g.after_s), before_s=at(g.before_s))
                for g in bout.untimed_contacts
            ),
            "strides": tuple((at(a), at(b), length) for a, b, length in bout.strides),
            "turns_s": spans(bout.turns_s),
        }
        return dataclasses.replace(bout, **{**fields, **values(bout)})

    window = reference.window_s
    return dataclasses.replace(
        reference,
        bouts=tuple(moved(b) for b in reference.bouts),
        extra_turns_s=spans(reference.extra_turns_s),
        window_s=None if window is None else (at(window[0]), at(window[1])),
    )


def slowed_reference(reference: Reference, k: float) -> Reference:
    """``reference`` for the recording slowed ``k`` times (see the module docstring)."""
    if k <= 0:
        raise ValueError(f"the slowing factor must be positive, not {k}")

    def per_s(value: float | None) -> float | None:
        return None if value is None else value / k

    return _retimed_reference(
        reference,
        lambda t: t * k,
        lambda b: {
            "cadence_spm": per_s(b.cadence_spm),
            "walking_speed_mps": per_s(b.walking_speed_mps),
        },
    )


def _limp_knots(reference: Reference, ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """The reference's contacts and where they lie after the re-timing (see the docstring)."""
    if not ratio > 0:
        raise ValueError(f"the step-time ratio must be positive, not {ratio}")
    before: list[float] = []
    after: list[float] = []
    shift = 0.0
    for bout in sorted(reference.bouts, key=lambda b: b.start_s):
        contacts = np.asarray(bout.initial_contacts_s, dtype=np.float64)
        if contacts.size == 0:
            continue
        steps = np.diff(contacts)
        factor = np.where(np.arange(steps.size) % 2 == 0, 2 * ratio / (1 + ratio), 2 / (1 + ratio))
        moved = contacts[0] + shift + np.concatenate([[0.0], np.cumsum(steps * factor)])
        before.extend(contacts)
        after.extend(moved)
        shift = float(moved[-1] - contacts[-1])
    return np.asarray(before), np.asarray(after)


def _retime(t: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Times ``t`` on the re-timed clock: the knots' piecewise-linear map, shifted outside."""
    if before.size == 0:
        return np.asarray(t, dtype=np.float64)
    out = np.interp(t, before, after)
    out = np.where(t < before[0], t + (after[0] - before[0]), out)
    return np.where(t > before[-1], t + (after[-1] - before[-1]), out)


def asymmetric_recording(recording: Recording, reference: Reference, ratio: float) -> Recording:
    """``recording`` with every other step of ``reference``'s bouts ``ratio`` times longer."""
    before, after = _limp_knots(reference, ratio)
    fs = recording.sample_rate_hz
    t = np.arange(recording.acc.shape[0]) / fs
    moved = _retime(t, before, after)
    # the recording's time of each sample of the re-timed one (the map only increases)
    source = np.interp(np.arange(int(moved[-1] * fs) + 1) / fs, moved, t)

    def resample(x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.interp(source, t, x[:, k]) for k in range(x.shape[1])])

    gyr = None if recording.gyr is None else resample(recording.gyr)
    return dataclasses.replace(recording, acc=resample(recording.acc), gyr=gyr)


def asymmetric_reference(reference: Reference, ratio: float) -> Reference:
    """``reference`` for :func:`asymmetric_recording`: its times re-timed alike.

    A bout's cadence changes as its duration from first to last contact does (with an odd
    number of steps, one more is lengthened than shortened); speed and stride lengths are
    left out, as the re-timing moves contacts, not feet.
    """
    before, after = _limp_knots(reference, ratio)

    def at(x: float) -> float:
        return float(_retime(np.asarray(x, dtype=np.float64), before, after))

    def cadence(bout: ReferenceBout) -> float | None:
        first, last = bout.initial_contacts_s[0], bout.initial_contacts_s[-1]
        if bout.cadence_spm is None or last <= first:
            return bout.cadence_spm
        return bout.cadence_spm * (last - first) / (at(last) - at(first))

    return _retimed_reference(
        reference,
        at,
        lambda b: {
            "cadence_spm": cadence(b) if b.initial_contacts_s else b.cadence_spm,
            "stride_length_m": None,
            "walking_speed_mps": None,
            "strides": (),
        },
    )
