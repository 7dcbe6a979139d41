"""Body frame of a lower-back sensor, found from the signal rather than assumed.

Method
------
1. Gravity: the accelerometer low-passed at 0.25 Hz (2nd-order Butterworth, zero phase) is the
   gravity vector ``g(t)``; its direction is "up" at each sample, so a sensor mounted in any
   orientation, and a trunk that tilts while sitting down, are handled. Vertical acceleration is
   the projection of the acceleration on ``g(t)`` minus ``|g(t)|`` (Moe-Nilssen 1998, "A new
   method for evaluating motor control in gait under real-life environmental conditions",
   Clin Biomech 13:320-327: tilt correction of trunk accelerometry by the gravity direction).
2. Horizontal plane: the sensor is fixed to the trunk, so the horizontal axes are taken
   orthogonal to the mean "up" while walking (the trunk tilts only a few degrees within a
   stride), built from the sensor axis least aligned with gravity.
3. Anterior-posterior vs medio-lateral: the trunk surges forward once per *step* but sways
   sideways once per *stride* (left, then right) (Moe-Nilssen and Helbostad 2004, J Biomech
   37:121-126), so AP is the horizontal direction whose acceleration (band-passed 0.5-4 Hz)
   correlates most with itself one step later, found as a generalised eigenvector; ML is
   perpendicular to it.
4. Forward sign: at initial contact the leading leg's collision with the ground both stops
   the body's fall and brakes it (Zijlstra and Hof 2003, Gait Posture 18:1-10: forward
   acceleration peaks at heel strike and falls sharply after it). So the AP acceleration
   *falls fastest* while the vertical acceleration peaks with the loading: the axis is signed
   so that the rate of change of AP acceleration correlates negatively with the vertical
   acceleration over the walking samples (both low-passed at 8 Hz). The rule needs no
   contact times. The previous rule compared the mean AP acceleration 80 ms before the
   detected contacts with the 100 ms after; where the forward peak sits right at the
   contact, that difference is a few hundredths of the signal's spread and its sign
   followed the contacts' timing. It chose the walker's backward direction in 1 of the 34
   IPOL trials at 100 Hz, and in 4 at 50 Hz and 22 at 25 Hz (the same trials resampled);
   this rule points forward in all 34 at all three rates (the sensor's -z, as mounted), and
   in the 5 Mobilise-D trials (+z) (docs/validation.md).
5. Left: ML is signed to point to the walker's left, ``up x forward`` (sensors measure in
   right-handed axes, so this holds whatever the mounting). Before, its sign fell out of the
   eigenvector and the sideways lean's sign meant nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import linalg, signal

from backstride.recording import FloatArray

GRAVITY_CUTOFF_HZ = 0.25


@dataclass(frozen=True)
class BodyFrameSignals:
    """Acceleration in body axes, m/s^2.

    Attributes
    ----------
    vertical
        Dynamic vertical acceleration (gravity removed), positive up.
    ap
        Anterior-posterior acceleration, positive forward (sign from the gait pattern).
    ml
        Medio-lateral acceleration, positive to the walker's left (``up x forward``).
    mean_up
        ``(3,)`` mean "up" while walking, sensor axes.
    ap_unit
        ``(3,)`` unit vector of the anterior-posterior axis (forward), sensor axes.
    ml_unit
        ``(3,)`` unit vector of the medio-lateral axis (left), sensor axes.
    """

    vertical: FloatArray
    ap: FloatArray
    ml: FloatArray
    mean_up: FloatArray
    ap_unit: FloatArray
    ml_unit: FloatArray


def lowpass(x: FloatArray, cutoff_hz: float, fs: float, order: int = 2) -> FloatArray:
    """Zero-phase Butterworth low-pass along axis 0."""
    sos = signal.butter(order, cutoff_hz / (fs / 2), output="sos")
    if x.shape[0] <= 3 * (2 * order + 1):
        return x.copy()
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=np.float64)


def highpass(x: FloatArray, cutoff_hz: float, fs: float, order: int = 4) -> FloatArray:
    """Zero-phase Butterworth high-pass along axis 0."""
    sos = signal.butter(order, cutoff_hz / (fs / 2), btype="high", output="sos")
    if x.shape[0] <= 3 * (2 * order + 1):
        return x - x.mean(axis=0)
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=np.float64)


def bandpass(x: FloatArray, lo_hz: float, hi_hz: float, fs: float, order: int = 2) -> FloatArray:
    """Zero-phase Butterworth band-pass along axis 0."""
    sos = signal.butter(order, [lo_hz / (fs / 2), hi_hz / (fs / 2)], btype="band", output="sos")
    if x.shape[0] <= 3 * (4 * order + 1):
        return x - x.mean(axis=0)
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=np.float64)


def gravity_and_vertical(acc: FloatArray, fs: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Unit gravity vector ("up"), gravity magnitude and dynamic vertical acceleration per sample.

    Filtered one axis at a time so that a day-long recording needs no 3-column temporaries.
    """
    sos = signal.butter(2, GRAVITY_CUTOFF_HZ / (fs / 2), output="sos")
    up = np.empty_like(acc)
    for k in range(3):
        up[:, k] = signal.sosfiltfilt(sos, acc[:, k]) if acc.shape[0] > 15 else acc[:, k]
    g_mag = np.sqrt(np.einsum("ij,ij->i", up, up))
    g_mag[g_mag == 0] = 1.0
    up /= g_mag[:, None]
    vertical = np.einsum("ij,ij->i", acc, up) - g_mag
    return up, g_mag, vertical


def _horizontal_basis(mean_up: FloatArray) -> tuple[FloatArray, FloatArray]:
    ref = np.zeros(3)
    ref[int(np.argmin(np.abs(mean_up)))] = 1.0
    e1 = ref - (ref @ mean_up) * mean_up
    e1 /= np.linalg.norm(e1)
    return e1, np.cross(mean_up, e1)


def _most_step_periodic_direction(h: FloatArray, lag: int) -> FloatArray:
    """Horizontal unit vector whose acceleration correlates most with itself one step later.

    Maximises ``v' C_lag v / v' C_0 v`` (a generalised eigenproblem): forward surge repeats
    every step, sideways sway alternates, so this is the AP direction even when both have
    similar variance, where principal axes would be an arbitrary mix.
    """
    if h.shape[0] <= lag + 2:
        return np.array([1.0, 0.0])
    c0 = h.T @ h
    c_lag = h[:-lag].T @ h[lag:]
    c_lag = (c_lag + c_lag.T) / 2
    try:
        _, vecs = linalg.eigh(c_lag, c0 + 1e-12 * np.trace(c0) * np.eye(2))
    except linalg.LinAlgError:
        return np.array([1.0, 0.0])
    v = vecs[:, -1]
    return np.asarray(v / np.linalg.norm(v))


#: Gravity's direction is known to about 0.25 Hz, so its turning is compared at this rate.
TURNING_RATE_HZ = 10.0


def uncentred_correlation(a: FloatArray, b: FloatArray) -> float:
    """``a . b / (|a| |b|)`` over all elements: the cosine between them, 0 if either is zero.

    Uncentred because a sign is what is asked: whether one signal follows the other or its
    mirror image (:func:`frame_handedness`, :func:`gravity_turning_gain`, and sway against
    rotation in :mod:`backstride.gait.laterality`).
    """
    norm = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    return float(np.sum(a * b)) / norm if norm > 0 else 0.0


def _block_means(x: FloatArray, k: int) -> FloatArray:
    """Means of ``x``'s rows in consecutive blocks of ``k`` (a trailing part block left out).

    Summed by ``einsum``: ``mean(axis=1)`` over the blocks' middle axis makes a strided
    pass that took five times as long on a day's three columns.
    """
    n = (x.shape[0] // k) * k
    return np.asarray(np.einsum("ijk->ik", x[:n].reshape(-1, k, x.shape[1])) / k)


def _gravity_turning(
    up_slow: FloatArray, omega_slow: FloatArray, fs_slow: float
) -> tuple[FloatArray, FloatArray]:
    """``d(up)/dt`` and ``-omega x up`` (``omega`` in the gyroscope's units), both at 0.25 Hz."""
    omega = lowpass(omega_slow, GRAVITY_CUTOFF_HZ, fs_slow)
    return np.gradient(up_slow, axis=0) * fs_slow, -np.cross(omega, up_slow)


def frame_handedness(up: FloatArray, gyr_dps: FloatArray, fs: float) -> float:
    """Whether the sensor axes are right-handed (+1) or a mirror image (-1), as evidence.

    Gravity is fixed in the world, so in the sensor's axes its direction turns against the
    sensor's rotation: ``d(up)/dt = -omega x up`` in right-handed axes, ``+omega x up`` in a
    file whose axes were relabelled into a mirror image (one axis negated in both the
    accelerometer and the gyroscope). Returns the correlation of ``d(up)/dt`` with
    ``-omega x up``, both at the gravity estimate's 0.25-Hz bandwidth: near +1 or -1 where
    the trunk tilts (sitting down, bending, standing up), near 0 where it hardly does (a
    short straight walk), where walking's own acceleration blurs the gravity estimate.

    Parameters
    ----------
    up
        ``(n, 3)`` unit gravity direction ("up") per sample, sensor axes.
    gyr_dps
        ``(n, 3)`` angular velocity, deg/s, the same axes.
    fs
        Sample rate, Hz.
    """
    # both signals are kept at 0.25 Hz, so 10 samples per second are plenty: block means
    # (a day-long window would otherwise filter three full-rate columns once more)
    k = max(1, int(fs // TURNING_RATE_HZ))
    if up.shape[0] // k < 16:
        return 0.0
    turning, expected = _gravity_turning(
        _block_means(up, k), np.radians(_block_means(gyr_dps, k)), fs / k
    )
    return uncentred_correlation(turning, expected)


def gravity_turning_gain(acc: FloatArray, gyr: FloatArray, fs: float) -> tuple[float, float]:
    """How fast gravity turns in the sensor's axes per unit of the gyroscope's reading.

    The same physics as :func:`frame_handedness`, used to tell the gyroscope's unit: with
    ``omega`` read as rad/s, ``|d(up)/dt| = gain * |omega x up|`` has a gain near 1 if the
    file is in rad/s and near pi/180 = 0.017 if it is in deg/s, whatever the wearer did, as
    long as the trunk tilted at all (a sit-to-stand, bending, lying down). Unlike the size of
    the readings, this does not depend on how much the wearer moved. The gyroscope's offset
    (the median reading, which a mostly still day makes its bias) is removed first, or a
    day of stillness would weigh a constant ``bias x up`` against no turning at all.

    Parameters
    ----------
    acc
        ``(n, 3)`` acceleration in any unit (only its direction is used).
    gyr
        ``(n, 3)`` angular velocity in the file's unit, the same axes.
    fs
        Sample rate, Hz.

    Returns
    -------
    tuple of float
        The least-squares gain and the correlation of the turning with ``-omega x up``
        (negative for mirrored axes; the unit is told only where ``|correlation|`` is high).
        ``(nan, 0.0)`` for a recording too short to tell.
    """
    k = max(1, int(fs // TURNING_RATE_HZ))
    if acc.shape[0] // k < 16:
        return float("nan"), 0.0
    up, _, _ = gravity_and_vertical(_block_means(acc, k), fs / k)
    omega = _block_means(gyr, k)
    omega -= np.median(omega, axis=0)
    turning, expected = _gravity_turning(up, omega, fs / k)
    correlation = uncentred_correlation(turning, expected)
    if correlation == 0.0:
        return float("nan"), 0.0
    return float(np.sum(turning * expected) / np.sum(expected * expected)), correlation


def _braking_sign(ap: FloatArray, vertical: FloatArray, fs: float) -> float:
    """+1 if ``ap`` points forward, -1 if backward (see step 4 of the module docstring).

    ``ap`` and ``vertical`` are the walking samples' AP and vertical accelerations.
    """
    if ap.size < 16:
        return 1.0
    cutoff = min(8.0, 0.4 * fs)
    jerk = np.gradient(lowpass(ap, cutoff, fs))
    loading = lowpass(vertical, cutoff, fs)
    return -1.0 if float((jerk - jerk.mean()) @ (loading - loading.mean())) > 0 else 1.0


def body_frame(
    acc: FloatArray,
    fs: float,
    *,
    gravity: tuple[FloatArray, FloatArray, FloatArray] | None = None,
    walking_mask: npt.NDArray[np.bool_] | None = None,
    step_period_s: float = 0.55,
) -> BodyFrameSignals:
    """Resolve a lower-back acceleration signal into vertical, AP and ML components.

    The sensor is fixed to the trunk, so the AP and ML axes are constant in sensor axes; they
    are taken orthogonal to the mean "up" while walking.

    Parameters
    ----------
    acc
        ``(n, 3)`` acceleration, m/s^2, sensor axes.
    fs
        Sample rate, Hz.
    gravity
        ``(up, g_mag, vertical)`` from :func:`gravity_and_vertical` if already computed.
    walking_mask
        Samples known to be walking; the AP/ML axes are estimated from these (all samples
        when ``None`` or empty).
    step_period_s
        Typical step duration of this recording, s, for the step-lag test.

    Returns
    -------
    BodyFrameSignals
    """
    up, g_mag, vertical = gravity if gravity is not None else gravity_and_vertical(acc, fs)
    use_all = walking_mask is None or not walking_mask.any()
    sel = np.flatnonzero(walking_mask) if not use_all and walking_mask is not None else None
    mean_up = (up if sel is None else up[sel]).mean(axis=0)
    mean_up /= np.linalg.norm(mean_up)
    e1, e2 = _horizontal_basis(mean_up)
    basis = np.column_stack([e1, e2])
    # dynamic horizontal acceleration: (acc - g) projected on the constant horizontal basis
    h = acc @ basis
    h -= (up @ basis) * g_mag[:, None]
    # Axes from the walking samples only (band-passed to the gait band), which also bounds
    # the memory the filter needs on a day-long recording with little walking.
    hw = h if sel is None else h[sel]
    hs = bandpass(hw, 0.5, 4.0, fs) if hw.shape[0] > 50 else hw - hw.mean(axis=0)
    ap_vec = _most_step_periodic_direction(hs, max(1, round(step_period_s * fs)))
    del hs
    if _braking_sign(hw @ ap_vec, vertical if sel is None else vertical[sel], fs) < 0:
        ap_vec = -ap_vec
    del hw
    ap = h @ ap_vec
    # (e1, e2, up) is right-handed, so turning forward by +90 degrees about up gives left
    ml_vec = np.array([-ap_vec[1], ap_vec[0]])
    ml = h @ ml_vec
    return BodyFrameSignals(
        vertical=vertical,
        ap=ap,
        ml=ml,
        mean_up=mean_up,
        ap_unit=basis @ ap_vec,
        ml_unit=basis @ ml_vec,
    )
