"""Body frame of a lower-back sensor, found from the signal rather than assumed.

Method
------
1. Gravity: the accelerometer low-passed at 0.25 Hz (2nd-order Butterworth, zero phase) is the
   gravity vector ``g(t)``; its direction is "up" at each sample, so a sensor mounted in any
   orientation, and a trunk that tilts while sitting down, are handled. Vertical acceleration is
   the projection of the acceleration on ``g(t)`` minus ``|g(t)|`` (Moe-Nilssen 1998, "A new
   method for evaluating motor control in gait under real-life environmental conditions",
   Clin Biomech 13:320-327: tilt correction of trunk accelerometry by the gravity direction).
2. Horizontal plane: two unit vectors orthogonal to ``g(t)`` are built from the sensor axis
   least aligned with gravity, so the basis turns with the trunk.
3. Anterior-posterior vs medio-lateral: the principal axes of the horizontal acceleration
   (band-passed 0.5-4 Hz) are computed; the trunk moves forward and back once per *step* but
   sideways once per *stride* (left, then right), so the axis whose autocorrelation at the step
   lag is positive is anterior-posterior and the one where it is negative is medio-lateral
   (Moe-Nilssen and Helbostad 2004, J Biomech 37:121-126, describe this step/stride structure).
4. Forward sign: just before initial contact the trunk accelerates forward and just after it
   decelerates (Zijlstra and Hof 2003, Gait Posture 18:1-10), so the axis is signed to make the
   mean AP acceleration in the 80 ms before contacts larger than in the 100 ms after.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

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
        Medio-lateral acceleration (sign not determined).
    gravity_unit
        ``(n, 3)`` unit vector of gravity ("up") in sensor axes.
    ap_unit
        ``(n, 3)`` unit vector of the anterior-posterior axis in sensor axes.
    ml_unit
        ``(n, 3)`` unit vector of the medio-lateral axis in sensor axes.
    """

    vertical: FloatArray
    ap: FloatArray
    ml: FloatArray
    gravity_unit: FloatArray
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


def gravity_and_vertical(acc: FloatArray, fs: float) -> tuple[FloatArray, FloatArray]:
    """Return the unit gravity vector per sample and the dynamic vertical acceleration."""
    g = lowpass(acc, GRAVITY_CUTOFF_HZ, fs)
    norm = np.linalg.norm(g, axis=1, keepdims=True)
    norm[norm == 0] = 1.0
    unit = g / norm
    vertical = np.einsum("ij,ij->i", acc, unit) - norm[:, 0]
    return unit, vertical


def _horizontal_basis(up: FloatArray) -> tuple[FloatArray, FloatArray]:
    mean_up = up.mean(axis=0)
    ref = np.zeros(3)
    ref[int(np.argmin(np.abs(mean_up)))] = 1.0
    e1 = ref[None, :] - np.einsum("ij,j->i", up, ref)[:, None] * up
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(up, e1)
    return e1, e2


def _lag_correlation(x: FloatArray, lag: int) -> float:
    if lag <= 0 or lag >= x.size:
        return 0.0
    a, b = x[:-lag], x[lag:]
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def body_frame(
    acc: FloatArray,
    fs: float,
    *,
    walking_mask: np.ndarray | None = None,
    step_period_s: float = 0.55,
    contacts: np.ndarray | None = None,
) -> BodyFrameSignals:
    """Resolve a lower-back acceleration signal into vertical, AP and ML components.

    Parameters
    ----------
    acc
        ``(n, 3)`` acceleration, m/s^2, sensor axes.
    fs
        Sample rate, Hz.
    walking_mask
        Samples known to be walking; the AP/ML axes are estimated from these (all samples
        when ``None`` or empty).
    step_period_s
        Typical step duration of this recording, s, for the step-lag test.
    contacts
        Initial-contact sample indices, for the forward sign.

    Returns
    -------
    BodyFrameSignals
    """
    up, vertical = gravity_and_vertical(acc, fs)
    g_mag = np.linalg.norm(lowpass(acc, GRAVITY_CUTOFF_HZ, fs), axis=1)
    dyn = acc - up * g_mag[:, None]
    e1, e2 = _horizontal_basis(up)
    h = np.column_stack([np.einsum("ij,ij->i", dyn, e1), np.einsum("ij,ij->i", dyn, e2)])
    sel = walking_mask if walking_mask is not None and walking_mask.any() else slice(None)
    hb = bandpass(h, 0.5, 4.0, fs) if h.shape[0] > 50 else h - h.mean(axis=0)
    hs = hb[sel]
    cov = hs.T @ hs if hs.size else np.eye(2)
    _, vecs = np.linalg.eigh(cov)
    lag = max(1, round(step_period_s * fs))
    axes = [vecs[:, 0], vecs[:, 1]]
    step_corr = [_lag_correlation(hs @ v, lag) for v in axes]
    ap_vec, ml_vec = (axes[0], axes[1]) if step_corr[0] >= step_corr[1] else (axes[1], axes[0])
    ap = h @ ap_vec
    ml = h @ ml_vec
    if contacts is not None and len(contacts) > 2:
        pre = max(1, round(0.08 * fs))
        post = max(1, round(0.10 * fs))
        idx = np.asarray(contacts)
        idx = idx[(idx - pre >= 0) & (idx + post < ap.size)]
        if idx.size:
            ap_lp = lowpass(ap, 5.0, fs)
            before = np.mean([ap_lp[i - pre : i].mean() for i in idx])
            after = np.mean([ap_lp[i : i + post].mean() for i in idx])
            if before < after:
                ap_vec = -ap_vec
                ap = -ap
    ap_unit = ap_vec[0] * e1 + ap_vec[1] * e2
    ml_unit = ml_vec[0] * e1 + ml_vec[1] * e2
    return BodyFrameSignals(vertical, ap, ml, up, ap_unit, ml_unit)
