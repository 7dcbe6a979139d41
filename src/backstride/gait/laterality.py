"""Which foot made each initial contact, from the trunk's rotation and sideways sway.

Method
------
Two signals tell the feet apart, and each fails for some walkers, so BackStride adds them:

1. *Rotation* (McCamley et al. 2012, Gait Posture 36:316-318; Ullrich et al. 2021, IEEE EMBC,
   doi:10.1109/EMBC46164.2021.9630653; mobgap's ``LrcMcCamley``): the pelvis turns one way
   about the vertical during the left step and the other way during the right, and drops to
   the swing side about the forward axis half a step later. ``yaw - roll``, band-passed at
   0.5-2 Hz, is negative at a left contact. This needs a gyroscope.
2. *Sway*: in single support the body's centre of mass lies medial to the stance foot. The
   leg therefore accelerates it away from that foot, towards the other side (an inverted
   pendulum in the frontal plane). The mean sideways acceleration over the step after a left
   contact points to the right.

At each contact each signal is taken relative to the mean of the two neighbouring contacts,
which belong to the other foot. A turn or a lean adds an offset that changes little from
one step to the next, and this cancels it. Each signal is then scaled by its root mean
square over the recording. Sway's sign is taken from its agreement with rotation over the
recording, or where they hardly correlate, from the handedness of the sensor axes (see
below and :func:`_sway_sign`); a contact is left when their sum is zero or negative.

Measured against the foot-worn references (``backstride validate``; docs/validation.md),
share of matched contacts given the reference's foot:

| signal | IPOL, 34 trials | Mobilise-D, INDIP | Mobilise-D, motion capture |
| --- | --- | --- | --- |
| rotation only | 0.930 | 0.755 | 0.784 |
| sway only | 0.837 | 0.955 | 0.977 |
| both | 0.924 | 0.909 | 0.920 |

Rotation fails in HA-001's daily-life trial, where turning swamps it. Sway fails for one
IPOL walker, whose trunk moved the other way. Two IPOL trials (4-1, 4-2) disagree with the
reference on every contact by rotation and nearly every one by sway. They look like foot
sensors swapped between feet; without them, both signals together give 0.982 on IPOL.

"Up" comes from gravity and "forward" from the gait pattern (see
:mod:`backstride.gait.orientation`), so the result does not depend on how the sensor is
mounted. Rotation (the angular velocity projected on those two axes) names the foot even
in a file whose axes were relabelled into a mirror image, since the angular velocity and
the axes are both in the same sensor axes. Sway's "left", ``up x forward``, assumes
right-handed axes, and a mirror reverses it. So does a walker whose trunk sways the other
way. That is why sway's sign comes from rotation, and where rotation says too little (daily
life, where turning swamps it), from the axes' handedness, which gravity and the gyroscope
reveal together (:func:`backstride.gait.orientation.frame_handedness`). The rotation is
band-passed in one pass over the recording. Without a gyroscope, sway alone has named
a whole walker's feet the wrong way round. Contacts are then only grouped into alternating
sides: ``A``, which sway calls left, and ``B``. No foot is named. A gyroscope that reads
only zeros (switched off, or zero-filled by an export) counts as none.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import signal

from backstride.gait.orientation import uncentred_correlation
from backstride.recording import FloatArray

IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

#: Band of the rotation signal, Hz: the step-to-step rotation repeats every stride (0.7-1.1 Hz
#: at 85-130 steps/min); turning is slower and impacts are faster.
BAND_HZ = (0.5, 2.0)
#: A correlation this far from zero is taken as evidence of a sign (see :func:`_sway_sign`).
EVIDENCE = 0.2


def foot_sides(
    lateral: FloatArray,
    gyr_dps: FloatArray | None,
    up: FloatArray,
    forward: FloatArray,
    contacts: IntArray,
    contact_bout: IntArray,
    fs: float,
    handedness: float = 0.0,
) -> StrArray:
    """Label each contact ``"L"``/``"R"`` (with a gyroscope) or ``"A"``/``"B"`` (without).

    Parameters
    ----------
    lateral
        Dynamic sideways acceleration, m/s^2, positive to the left (``up x forward``).
    gyr_dps
        ``(n, 3)`` angular velocity, deg/s, sensor axes, or ``None``.
    up, forward
        ``(3,)`` unit vectors of "up" and of the forward direction, sensor axes.
    contacts
        Sample index of each contact, sorted.
    contact_bout
        Bout of each contact (each bout's contacts consecutive); neighbours are taken
        within a bout.
    fs
        Sample rate, Hz.
    handedness
        Evidence that the sensor axes are right-handed (+1) or mirrored (-1), from
        :func:`backstride.gait.orientation.frame_handedness`; 0 when unknown.
    """
    if contacts.size == 0:
        return np.zeros(0, dtype="<U1")
    bouts = _bout_bounds(contact_bout)
    # both are negative at a left contact: rotation by its sign convention, sway because the
    # body is pushed to the right
    sway = _relative_to_neighbours(_step_means(lateral, contacts, bouts), bouts)
    if gyr_dps is None:
        return np.where(sway <= 0, "A", "B")
    rotation = _relative_to_neighbours(
        _rotation_at_contacts(gyr_dps @ (up - forward), contacts, fs), bouts
    )
    if not np.any(rotation):  # a gyroscope that reads nothing (switched off, zero-filled)
        return np.where(sway <= 0, "A", "B")
    score = _unit_rms(rotation) + _sway_sign(rotation, sway, handedness) * _unit_rms(sway)
    return np.where(score <= 0, "L", "R")


def _sway_sign(rotation: FloatArray, sway: FloatArray, handedness: float) -> float:
    """+1 if sway, signed by ``up x forward``, is to be read as it is; -1 to reverse it.

    Rotation names the foot in any frame, mirrored or not (the angular velocity and the
    axes it is projected on come from the same sensor axes). Sway's sign rests on "left"
    being ``up x forward``, which a mirrored file, or a walker whose trunk sways the other
    way, reverses. Where rotation and sway clearly agree or disagree (a correlation of at
    least ``EVIDENCE`` either way), that settles it. Where they do not, as in daily life
    when turning swamps the rotation (HA-001's daily-life trial: 0.02), the sign of their
    product was a coin toss that could differ between the windows of one long recording;
    the sensor axes' handedness decides there instead (``frame_handedness``: 0.91 on that
    trial), else the usual right-handed axes are assumed.
    """
    agreement = uncentred_correlation(rotation, sway)
    if abs(agreement) >= EVIDENCE:
        return 1.0 if agreement > 0 else -1.0
    if abs(handedness) >= EVIDENCE:
        return 1.0 if handedness > 0 else -1.0
    return 1.0


def _bout_bounds(contact_bout: IntArray) -> list[tuple[int, int]]:
    """``(first, stop)`` contact index of each bout, for slicing."""
    edges = np.flatnonzero(np.r_[True, contact_bout[1:] != contact_bout[:-1], True])
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def _step_means(x: FloatArray, contacts: IntArray, bouts: list[tuple[int, int]]) -> FloatArray:
    """Mean of ``x`` over the step after each contact (a bout's last: its median step).

    All bouts at once: a day holds thousands of them, and a median per bout in a loop took
    a twentieth of the day's analysis.
    """
    csum = np.r_[0.0, np.cumsum(x)]
    first = np.array([a for a, _ in bouts], dtype=np.int64)
    stop = np.array([b for _, b in bouts], dtype=np.int64)
    bout_of = np.repeat(np.arange(first.size), stop - first)
    ends = np.empty_like(contacts)
    ends[:-1] = contacts[1:]
    within = np.zeros(contacts.size, dtype=bool)
    within[:-1] = bout_of[1:] == bout_of[:-1]
    # a bout's median step in whole samples (one sample for a bout of one contact)
    median_step = np.ones(first.size, dtype=np.int64)
    steps = pd.Series(ends[within] - contacts[within]).groupby(bout_of[within]).median()
    median_step[steps.index.to_numpy()] = steps.to_numpy().astype(np.int64)
    last = stop - 1
    ends[last] = contacts[last] + median_step
    ends = np.minimum(ends, x.size)
    return np.asarray((csum[ends] - csum[contacts]) / np.maximum(ends - contacts, 1))


def _rotation_at_contacts(rate: FloatArray, contacts: IntArray, fs: float) -> FloatArray:
    """The band-passed rotation rate at each contact.

    The signal is filtered in one pass. Filtering each bout with a few seconds of signal
    either side gave the same feet on every validation recording (0.924, 0.909 and 0.920)
    but took a third of a day-long analysis: SciPy sets up the filter's initial state anew
    on every call, and a day holds thousands of bouts.
    """
    sos = signal.butter(4, [BAND_HZ[0] / (fs / 2), BAND_HZ[1] / (fs / 2)], "band", output="sos")
    if rate.size <= 3 * (2 * sos.shape[0] + 1):  # too short to filter: McCamley's mean removal
        return np.asarray((rate - rate.mean())[contacts])
    return np.asarray(signal.sosfiltfilt(sos, rate)[contacts])


def _relative_to_neighbours(v: FloatArray, bouts: list[tuple[int, int]]) -> FloatArray:
    """Each value minus the mean of its neighbours in the same bout (one at a bout's ends)."""
    out = np.zeros_like(v)
    for first, stop in bouts:
        w = v[first:stop]
        if w.size < 2:
            continue
        nb = np.empty_like(w)
        nb[1:-1] = (w[:-2] + w[2:]) / 2
        nb[0], nb[-1] = w[1], w[-2]
        out[first:stop] = w - nb
    return out


def _unit_rms(v: FloatArray) -> FloatArray:
    rms = float(np.sqrt(np.mean(v * v)))
    return v / rms if rms > 0 else v
