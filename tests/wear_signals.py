"""Recordings with hours off the body, for the wear rule's tests.

The walking is real (the Mobilise-D daily-life trial, tiled: walks, turns, standing,
sitting); the rest on a table is gravity in a tilted sensor plus 3 mg of white noise, an
accelerometer's noise floor at rest (the AX3's and GENEActiv's datasheets give a few mg).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from backstride.recording import STANDARD_GRAVITY

WALK_CSV = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "mobilised-lab"
    / "HA-001"
    / ("Test11-Trial1.imu.csv")
)
FS = 100.0
HOUR = 3600.0
#: An accelerometer's noise at rest, g.
NOISE_G = 0.003


def walking(seconds: float) -> np.ndarray:
    """The real daily-life trial, repeated for ``seconds`` at 100 Hz, m/s^2."""
    frame = pd.read_csv(WALK_CSV)
    acc = frame[["acc_x", "acc_y", "acc_z"]].to_numpy(dtype=float) * STANDARD_GRAVITY
    return np.resize(acc, (round(seconds * FS), 3))


def on_a_table(seconds: float, seed: int = 0) -> np.ndarray:
    """A sensor lying tilted on a surface for ``seconds`` at 100 Hz: gravity and noise, m/s^2."""
    n = round(seconds * FS)
    tilt = np.array([0.1, 0.97, 0.2]) / np.linalg.norm([0.1, 0.97, 0.2])
    noise = np.random.default_rng(seed).normal(0.0, NOISE_G, (n, 3))
    return (tilt + noise) * STANDARD_GRAVITY


def write_csv(path: Path, acc: np.ndarray) -> Path:
    """``acc`` (m/s^2, 100 Hz) as a generic CSV in g with a ``time_s`` column."""
    frame = pd.DataFrame(acc / STANDARD_GRAVITY, columns=["acc_x", "acc_y", "acc_z"])
    frame.insert(0, "time_s", np.arange(acc.shape[0]) / FS)
    frame.to_csv(path, index=False, float_format="%.5f")
    return path
