"""Synthetic lower-back signals whose answers are known, for known-answer tests."""

from __future__ import annotations

import numpy as np

from backstride.recording import STANDARD_GRAVITY, Recording


def rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Rotation matrix from body to sensor axes."""
    y, p, r = np.radians([yaw_deg, pitch_deg, roll_deg])
    rz = np.array([[np.cos(y), -np.sin(y), 0], [np.sin(y), np.cos(y), 0], [0, 0, 1]])
    ry = np.array([[np.cos(p), 0, np.sin(p)], [0, 1, 0], [-np.sin(p), 0, np.cos(p)]])
    rx = np.array([[1, 0, 0], [0, np.cos(r), -np.sin(r)], [0, np.sin(r), np.cos(r)]])
    return rz @ ry @ rx


def walking_signal(
    *,
    fs: float = 100.0,
    step_hz: float = 2.0,
    walk_s: float = 30.0,
    stand_before_s: float = 5.0,
    stand_after_s: float = 5.0,
    excursion_m: float = 0.04,
    rot: np.ndarray | None = None,
    noise: float = 0.05,
    seed: int = 0,
) -> tuple[Recording, np.ndarray]:
    """A walk between two quiet stands; returns the recording and the true contact times.

    Body axes: column 0 vertical (up), 1 medio-lateral, 2 anterior-posterior. The trunk
    falls during single support (a constant downward acceleration) and is pushed up during
    the 120 ms of double support that starts at each contact (a half-sine pulse), the pattern
    of the inverted pendulum with a collision at heel strike (Zijlstra and Hof 2003). The
    pulse is scaled so that the vertical excursion per step is ``excursion_m``. Sideways sway
    is at half the step frequency, forward surge at the step frequency.
    """
    rng = np.random.default_rng(seed)
    n = int((stand_before_s + walk_s + stand_after_s) * fs)
    t = np.arange(n) / fs
    walking = (t >= stand_before_s) & (t < stand_before_s + walk_s)
    tw = t - stand_before_s
    w = 2 * np.pi * step_hz
    vert = np.where(walking, _step_waveform(tw * step_hz % 1.0, step_hz, excursion_m), 0.0)
    contacts = stand_before_s + np.arange(0, walk_s - 1e-9, 1 / step_hz)
    ml = np.where(walking, 0.8 * np.sin(w / 2 * tw), 0.0)
    ap = np.where(walking, 1.0 * np.sin(w * tw + 0.6), 0.0)
    body = np.column_stack([vert + STANDARD_GRAVITY, ml, ap])
    body += noise * rng.standard_normal(body.shape)
    r = rot if rot is not None else np.eye(3)
    acc = body @ r.T
    rec = Recording(acc=acc, sample_rate_hz=fs, sensor_height_m=1.0, name="synthetic")
    return rec, contacts


def _step_waveform(phase: np.ndarray, step_hz: float, excursion_m: float) -> np.ndarray:
    """Vertical acceleration at ``phase`` (0-1 within a step) for a given excursion, m/s^2."""
    grid = np.arange(1024) / 1024
    period = 1 / step_hz
    d = 0.12 / period
    pulse = np.where(grid < d, np.sin(np.pi * np.minimum(grid, d) / d), 0.0)
    pulse -= pulse.mean()
    # periodic double integration: each harmonic k divided by -(2 pi k f)^2
    spec = np.fft.rfft(pulse)
    k = np.arange(spec.size)
    k[0] = 1
    pos = np.fft.irfft(-spec / (2 * np.pi * k * step_hz) ** 2, n=grid.size)
    scale = excursion_m / (pos.max() - pos.min())
    return np.asarray(np.interp(phase, grid, pulse * scale, period=1.0))


def standing_signal(fs: float = 100.0, seconds: float = 60.0, seed: int = 1) -> Recording:
    """Quiet standing: gravity plus sensor noise."""
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    acc = np.tile([STANDARD_GRAVITY, 0.0, 0.0], (n, 1)) + 0.03 * rng.standard_normal((n, 3))
    return Recording(acc=acc, sample_rate_hz=fs, name="standing")
