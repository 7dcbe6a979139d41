"""The same walk, slower: a real recording and its reference slowed down in time.

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
"""

from __future__ import annotations

import dataclasses

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


def _times(spans: tuple[tuple[float, float], ...], k: float) -> tuple[tuple[float, float], ...]:
    return tuple((a * k, b * k) for a, b in spans)


def _slowed_bout(bout: ReferenceBout, k: float) -> ReferenceBout:
    def per_s(value: float | None) -> float | None:
        return None if value is None else value / k

    return dataclasses.replace(
        bout,
        start_s=bout.start_s * k,
        end_s=bout.end_s * k,
        initial_contacts_s=tuple(t * k for t in bout.initial_contacts_s),
        cadence_spm=per_s(bout.cadence_spm),
        walking_speed_mps=per_s(bout.walking_speed_mps),
        untimed_contacts=tuple(
            g._replace(after_s=g.after_s * k, before_s=g.before_s * k)
            for g in bout.untimed_contacts
        ),
        strides=tuple((a * k, b * k, length) for a, b, length in bout.strides),
        turns_s=_times(bout.turns_s, k),
    )


def slowed_reference(reference: Reference, k: float) -> Reference:
    """``reference`` for the recording slowed ``k`` times (see the module docstring)."""
    if k <= 0:
        raise ValueError(f"the slowing factor must be positive, not {k}")
    window = reference.window_s
    return dataclasses.replace(
        reference,
        bouts=tuple(_slowed_bout(b, k) for b in reference.bouts),
        extra_turns_s=_times(reference.extra_turns_s, k),
        window_s=None if window is None else (window[0] * k, window[1] * k),
    )
