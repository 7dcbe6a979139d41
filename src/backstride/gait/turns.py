"""Turns while walking, from the trunk's rotation about the vertical.

Method
------
El-Gohary et al. 2014 (Sensors 14:356-369, doi:10.3390/s140100356), with the parameters the
Mobilise-D pipeline uses (mobgap's ``TdElGohary``; Micó-Amigo et al. 2023, J NeuroEng
Rehabil 20:78):

1. The yaw rate is the angular velocity about "up", the mean gravity direction while walking
   (a constant axis in the sensor's frame, since the sensor moves with the trunk); the
   window's median yaw rate, the gyroscope's offset, is taken off first. A positive rate
   is a turn to the left (counter-clockwise seen from above). The rate is a dot product of
   two vectors read in the same axes, so it does not depend on how the sensor was mounted,
   nor on a file whose axes were relabelled into a mirror image (one axis negated in both
   sensors negates that component of both vectors).
2. It is low-passed at 0.5 Hz (4th-order Butterworth, forwards and backwards): the swing of
   the pelvis with each step (1-2 Hz) goes, the turn of the whole body stays.
3. Every peak of at least 15 deg/s is a turn; it runs from where the smoothed rate last rose
   above 5 deg/s before the peak to where it next falls below it. Turns the same way less
   than 0.05 s apart are one turn.
4. A turn's angle is the unsmoothed yaw rate integrated over it. Turns of 0.5-10 s and at
   least 45 degrees are kept.

Mobilise-D's references count the turns within walking bouts, cut to the bout; so does
BackStride: a turn is cut to the bout it overlaps most before step 4's limits apply, and one
that overlaps no bout (turning on the spot while standing) is not a walking turn. The signal
is smoothed whole first, so a bout's edge does not end a turn early.

Validated against the IPOL walks' hand-marked U-turns and the turns of the Mobilise-D
references (``backstride validate``; docs/validation.md).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import signal

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: One row per turn, in time order: its bout, start and end (s), duration (s), angle
#: (degrees, positive to the left), peak angular velocity of the smoothed yaw rate (deg/s,
#: unsigned) and direction (``left`` / ``right``).
TURN_COLUMNS = [
    "bout_id", "start_s", "end_s", "duration_s", "angle_deg", "peak_velocity_dps", "direction",
]  # fmt: skip


@dataclass(frozen=True)
class TurnRules:
    """Parameters of the turn detection (see the module docstring for their source)."""

    cutoff_hz: float = 0.5
    min_peak_dps: float = 15.0
    edge_dps: float = 5.0
    merge_gap_s: float = 0.05
    min_duration_s: float = 0.5
    max_duration_s: float = 10.0
    min_angle_deg: float = 45.0


@dataclass(frozen=True)
class Turns:
    """Turns found in a yaw-rate signal, as sample indices (``end`` exclusive).

    ``bout`` is the index of the bout each turn lies in (:func:`detect_turns` with bouts),
    else -1.
    """

    start: IntArray
    end: IntArray
    angle_deg: FloatArray
    peak_velocity_dps: FloatArray
    bout: IntArray


@functools.lru_cache(maxsize=8)
def _low_pass(cutoff_hz: float, fs: float) -> FloatArray:
    return np.asarray(signal.butter(4, cutoff_hz, fs=fs, output="sos"))


def smooth_rate(rate_dps: FloatArray, fs: float, rules: TurnRules | None = None) -> FloatArray:
    """Step 2 of the method: the rate low-passed (4th-order Butterworth, zero phase).

    Linear, with a gain of 1 at 0 Hz: a constant offset passes unchanged, so stretches of
    one signal with different offsets can share one smoothing.
    """
    rules = rules or TurnRules()
    return np.asarray(signal.sosfiltfilt(_low_pass(rules.cutoff_hz, fs), rate_dps))


def detect_turns(
    yaw_dps: FloatArray,
    fs: float,
    rules: TurnRules | None = None,
    bouts: tuple[IntArray, IntArray] | None = None,
    smoothed_dps: FloatArray | None = None,
) -> Turns:
    """Turns in a yaw-rate signal (deg/s, positive to the left), steps 2-4 of the method.

    Parameters
    ----------
    yaw_dps
        Angular velocity about the vertical, deg/s, offset already removed.
    fs
        Sample rate, Hz.
    rules
        Detection parameters; defaults as documented.
    bouts
        The walking bouts' first and one-past-last samples, sorted. When given, each turn
        is cut to the bout it overlaps most (turns overlapping none are dropped) before its
        angle and duration are measured and the limits applied: as in the Mobilise-D
        references, whose turns lie within their walking bouts, a walk that sets off
        turning counts the part of the turn it walks.
    smoothed_dps
        ``yaw_dps`` already smoothed (:func:`smooth_rate`), where it was done once for
        several stretches of a longer signal; else it is smoothed here.
    """
    rules = rules or TurnRules()
    none = np.zeros(0, dtype=np.int64)
    empty = Turns(none, none, np.zeros(0), np.zeros(0), none)
    n = yaw_dps.size
    if n < 16 or not np.isfinite(yaw_dps).all():
        return empty
    speed = smooth_rate(yaw_dps, fs, rules) if smoothed_dps is None else np.array(smoothed_dps)
    direction_at = np.sign(speed)
    np.abs(speed, out=speed)
    peaks, _ = signal.find_peaks(speed, height=rules.min_peak_dps)
    if peaks.size == 0:
        return empty
    slow = np.flatnonzero(speed < rules.edge_dps)
    # the last slow sample before each peak and the first after it bound the turn; peaks
    # within one stretch above the edge share it and are one turn
    k = np.searchsorted(slow, peaks)
    if slow.size:
        start = np.where(k > 0, slow[np.maximum(k - 1, 0)] + 1, 0)
        end = np.where(k < slow.size, slow[np.minimum(k, slow.size - 1)], n)
    else:
        start, end = np.zeros_like(peaks), np.full_like(peaks, n)
    first = np.r_[True, start[1:] != start[:-1]]
    start, end, direction = start[first], end[first], direction_at[peaks[first]]
    # turns the same way with a short gap between them are one
    gap = round(rules.merge_gap_s * fs)
    merged: list[list[int]] = []
    for s, e, d in zip(start.tolist(), end.tolist(), direction.tolist(), strict=True):
        if merged and d == merged[-1][2] and s - merged[-1][1] <= gap:
            merged[-1][1] = e
        else:
            merged.append([s, e, int(d)])
    arr = np.array(merged, dtype=np.int64).reshape(-1, 3)
    start, end = arr[:, 0], arr[:, 1]
    bout = np.full(start.size, -1, dtype=np.int64)
    if bouts is not None:
        b_start, b_stop = bouts
        if b_start.size == 0:
            return empty
        # the bouts a turn overlaps are consecutive: from the last starting before its end
        # back to the first ending after its start; take the one it overlaps most
        j = np.searchsorted(b_start, end, side="left") - 1
        best = np.full(start.size, -1, dtype=np.int64)
        most = np.zeros(start.size, dtype=np.int64)
        while True:  # bout by bout backwards, while some turn still reaches back that far
            jj = np.maximum(j, 0)
            reaches = (j >= 0) & (b_stop[jj] > start)
            if not reaches.any():
                break
            overlap = np.where(
                reaches, np.minimum(end, b_stop[jj]) - np.maximum(start, b_start[jj]), 0
            )
            better = overlap > most
            best = np.where(better, jj, best)
            most = np.where(better, overlap, most)
            j = j - 1
        inside = best >= 0
        start, end, bout = start[inside], end[inside], best[inside]
        start = np.maximum(start, b_start[bout])
        end = np.minimum(end, b_stop[bout])
    heading = np.r_[0.0, np.cumsum(yaw_dps)] / fs  # heading[i]: the angle turned before sample i
    angle = heading[end] - heading[start]
    duration = (end - start) / fs
    peak = np.array([speed[a:b].max() for a, b in zip(start, end, strict=True)])
    keep = (
        (duration >= rules.min_duration_s)
        & (duration <= rules.max_duration_s)
        & (np.abs(angle) >= rules.min_angle_deg)
    )
    return Turns(start[keep], end[keep], angle[keep], peak[keep].reshape(-1), bout[keep])


def turn_table(turns: Turns, fs: float, offset_s: float = 0.0) -> pd.DataFrame:
    """Turns as one row each (:data:`TURN_COLUMNS`); ``offset_s`` is added to the times."""
    return pd.DataFrame(
        {
            "bout_id": turns.bout,
            "start_s": turns.start / fs + offset_s,
            "end_s": turns.end / fs + offset_s,
            "duration_s": (turns.end - turns.start) / fs,
            "angle_deg": turns.angle_deg,
            "peak_velocity_dps": turns.peak_velocity_dps,
            "direction": np.where(turns.angle_deg > 0, "left", "right"),
        },
        columns=TURN_COLUMNS,
    )
