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
    lean_deg: float = 0.0,
    sagittal_rom_deg: float | None = None,
    frontal_rom_deg: float = 6.0,
    cadence_profile: np.ndarray | None = None,
    tilt_before_deg: float = 0.0,
    side_lean_deg: float = 0.0,
    turns: tuple[tuple[float, float, float], ...] = (),
) -> tuple[Recording, np.ndarray]:
    """A walk between two quiet stands; returns the recording and the true contact times.

    Body axes: column 0 vertical (up), 1 medio-lateral, 2 anterior-posterior. The trunk
    falls during single support (a constant downward acceleration) and is pushed up during
    the 120 ms of double support that starts at each contact (a half-sine pulse), the pattern
    of the inverted pendulum with a collision at heel strike (Zijlstra and Hof 2003). The
    pulse is scaled so that the vertical excursion per step is ``excursion_m``. Sideways sway
    is at half the step frequency, forward surge at the step frequency (forward before each
    contact, backward after it).

    ``lean_deg`` pitches the trunk forward while walking (relative to the stands);
    ``sagittal_rom_deg`` adds a gyroscope whose pitch oscillates once per step and whose roll
    (``frontal_rom_deg``) once per stride, with those peak-to-peak ranges.
    ``cadence_profile`` (steps/s, one value per second of walking) replaces ``step_hz`` with a
    rhythm that changes over the walk. ``tilt_before_deg`` pitches the trunk during the first
    stand (negative is backwards, as the pelvis tilts when sitting). ``side_lean_deg`` tilts
    the trunk while walking towards body axis 1, which is the walker's right: with body axes
    (up, 1, forward) right-handed, left is ``up x forward`` = minus axis 1.
    ``turns`` adds, per ``(start s, duration s, angle deg)`` (start from the recording's
    first sample), a turn about the vertical, its rate a raised cosine (positive: to the
    left, counter-clockwise seen from above); it adds a gyroscope where there is none. Only
    the gyroscope turns: the acceleration stays in the body's frame, as the trunk's does.
    """
    rng = np.random.default_rng(seed)
    n = int((stand_before_s + walk_s + stand_after_s) * fs)
    t = np.arange(n) / fs
    walking = (t >= stand_before_s) & (t < stand_before_s + walk_s)
    tw = t - stand_before_s
    if cadence_profile is None:
        steps_done = np.clip(tw, 0, None) * step_hz  # cumulative steps (the gait phase)
    else:
        rate = np.interp(tw, np.arange(cadence_profile.size) + 0.5, cadence_profile)
        steps_done = np.cumsum(np.where(walking, rate, 0.0)) / fs
    w_phase = 2 * np.pi * steps_done
    vert = np.where(walking, _step_waveform(steps_done % 1.0, step_hz, excursion_m), 0.0)
    n_steps = int(np.floor(steps_done[walking][-1])) + 1
    contacts = np.interp(np.arange(n_steps), steps_done[walking], t[walking])
    ml = np.where(walking, 0.8 * np.sin(w_phase / 2), 0.0)
    ap = np.where(walking, -1.0 * np.sin(w_phase), 0.0)
    lean = np.radians(lean_deg) * walking + np.radians(tilt_before_deg) * (t < stand_before_s)
    # World-frame acceleration seen from a trunk pitched forward by `lean`: the trunk's up
    # axis is (cos, 0, sin) and its AP axis (-sin, 0, cos) in world (up, ML, AP) components,
    # so gravity seen from the trunk tilts towards -AP.
    up_world = vert + STANDARD_GRAVITY
    body = np.column_stack(
        [
            up_world * np.cos(lean) + ap * np.sin(lean),
            ml,
            -up_world * np.sin(lean) + ap * np.cos(lean),
        ]
    )
    # then tilted towards body axis 1 by `side`: gravity seen from the trunk tilts towards -1
    side = np.radians(side_lean_deg) * walking
    body = np.column_stack(
        [
            body[:, 0] * np.cos(side) + body[:, 1] * np.sin(side),
            -body[:, 0] * np.sin(side) + body[:, 1] * np.cos(side),
            body[:, 2],
        ]
    )
    body += noise * rng.standard_normal(body.shape)
    r = rot if rot is not None else np.eye(3)
    acc = body @ r.T
    gyr = None
    if sagittal_rom_deg is not None:
        w = 2 * np.pi * step_hz
        pitch_rate = sagittal_rom_deg / 2 * w * np.cos(w_phase)
        roll_rate = frontal_rom_deg / 2 * (w / 2) * np.cos(w_phase / 2)
        gyr_body = np.column_stack([np.zeros(n), pitch_rate, roll_rate]) * walking[:, None]
        gyr = gyr_body @ r.T
    if turns:
        yaw = np.zeros(n)
        for start, duration, angle in turns:
            inside = (t >= start) & (t < start + duration)
            u = (t[inside] - start) / duration
            yaw[inside] += angle / duration * (1 - np.cos(2 * np.pi * u))
        turning = np.column_stack([yaw, np.zeros(n), np.zeros(n)]) @ r.T
        gyr = turning if gyr is None else gyr + turning
    rec = Recording(acc=acc, gyr=gyr, sample_rate_hz=fs, sensor_height_m=1.0, name="synthetic")
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
