"""The walking analysis: from a Recording to bouts, steps and their measures.

Stages (each in its own module, each citing its method):

1. :mod:`~backstride.gait.orientation` finds "up" from gravity and the vertical acceleration.
2. :mod:`~backstride.gait.initial_contacts` finds step candidates in it.
3. :mod:`~backstride.gait.bouts` keeps candidates in a walking rhythm and assembles bouts.
4. :mod:`~backstride.gait.orientation` resolves AP and ML axes from the walking samples.
5. :mod:`~backstride.gait.parameters` computes per-step and per-stride measures.
6. This module aggregates them per bout, per second (cadence, intensity) and in total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.ndimage import maximum_filter1d

from backstride.gait.bouts import BoutRules, assemble_bouts
from backstride.gait.initial_contacts import detect_contact_candidates
from backstride.gait.orientation import BodyFrameSignals, body_frame, gravity_and_vertical
from backstride.gait.parameters import (
    LEG_LENGTH_PER_HEIGHT,
    angle_range_per_stride,
    autocorrelation_regularity,
    harmonic_ratio,
    step_lengths_zijlstra,
    vertical_displacement,
)
from backstride.recording import FloatArray, Recording, validate_signal

IntArray = npt.NDArray[np.int64]

#: Cadence thresholds for absolute intensity (Tudor-Locke et al. 2018, CADENCE-Adults):
#: about 100 steps/min is moderate (3 METs), about 130 steps/min vigorous (6 METs).
MODERATE_SPM = 100.0
VIGOROUS_SPM = 130.0
#: A brisk interval: at least 30 s whose 10-s median cadence is at least 8% above the walk's
#: usual pace (its 25th cadence percentile) and at least moderate. The program prescribes
#: 1-3 min intervals; 30 s catches a shortened one without counting a hurried few steps.
BRISK_MIN_S = 30.0
BRISK_ABOVE_BASE = 1.08
#: Quiet standing: at least 3 s with the vector magnitude's standard deviation below 0.15 m/s^2
#: and the sensor's "up" within 30 degrees of its mean walking "up".
STANDING_MIN_S = 3.0
STANDING_MAX_SD_MPS2 = 0.15
#: ... and within 10 s of the start or end of a walking bout.
STANDING_NEAR_WALK_S = 10.0

BOUT_COLUMNS = [
    "bout_id", "start_s", "end_s", "duration_s", "n_steps", "n_strides", "cadence_spm",
    "step_duration_s", "stride_duration_s", "stride_length_m", "walking_speed_mps",
    "step_regularity", "stride_regularity", "step_symmetry", "harmonic_ratio_v",
    "harmonic_ratio_ap", "harmonic_ratio_ml", "trunk_rom_sagittal_deg",
    "trunk_rom_frontal_deg", "trunk_rom_transverse_deg", "moderate_s", "vigorous_s",
    "brisk_intervals", "brisk_s", "impact_mps2", "forward_lean_deg", "sideways_lean_deg",
    "alternation",
]  # fmt: skip
STEP_COLUMNS = [
    "bout_id", "ic_s", "step_duration_s", "step_length_m", "cadence_spm", "impact_mps2", "side",
]  # fmt: skip


@dataclass(frozen=True)
class AnalysisParameters:
    """Everything that changes the result, recorded in ``info.json``."""

    height_m: float | None = None
    sensor_height_m: float | None = None
    bout_rules: BoutRules = field(default_factory=BoutRules)


@dataclass
class WalkingAnalysis:
    """Result of :func:`analyze`.

    Attributes
    ----------
    recording
        Metadata of the analysed recording (name, device, sample rate, duration, notes).
    bouts
        One row per walking bout (columns :data:`BOUT_COLUMNS`, units in the names).
    steps
        One row per initial contact inside a bout (columns :data:`STEP_COLUMNS`).
    per_second
        Cadence for each whole second inside a bout (``second``, ``cadence_spm``).
    summary
        Totals: walking time, steps, moderate and vigorous time, bouts, posture reference.
    """

    recording: dict[str, Any]
    bouts: pd.DataFrame
    steps: pd.DataFrame
    per_second: pd.DataFrame
    summary: dict[str, Any]

    @property
    def initial_contacts_s(self) -> list[float]:
        """Times of all initial contacts inside bouts, s."""
        return [float(x) for x in self.steps["ic_s"]]


def _interp_nans(acc: FloatArray) -> FloatArray:
    out = acc.copy()
    bad = ~np.isfinite(out)
    if bad.any():
        idx = np.arange(out.shape[0])
        for k in range(out.shape[1]):
            good = ~bad[:, k]
            out[bad[:, k], k] = np.interp(idx[bad[:, k]], idx[good], out[good, k])
    return out


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _leg_length(rec: Recording, params: AnalysisParameters) -> tuple[float | None, str]:
    sensor_h = params.sensor_height_m or rec.sensor_height_m
    if sensor_h:
        return sensor_h, f"sensor height {sensor_h:.2f} m"
    height = params.height_m or rec.height_m
    if height:
        return (
            LEG_LENGTH_PER_HEIGHT * height,
            f"{LEG_LENGTH_PER_HEIGHT} x body height {height:.2f} m",
        )
    return None, "no body or sensor height given: stride length and speed are not computed"


def _runs_at_least(flags: npt.NDArray[np.bool_], length: int) -> npt.NDArray[np.bool_]:
    """Mark the elements of runs of ``True`` that are at least ``length`` long."""
    padded = np.concatenate([[False], flags, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    out = np.zeros(flags.size, dtype=bool)
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start >= length:
            out[start:stop] = True
    return out


def _standing_reference(
    acc: FloatArray, up: FloatArray, fs: float, walking: npt.NDArray[np.bool_]
) -> FloatArray | None:
    """Mean "up" vector over quiet standing next to walking, or None if there is none.

    Quiet standing is still (the vector magnitude's standard deviation below 0.15 m/s^2 in
    1-s windows, for at least 3 s), upright (within 30 degrees of the mean "up" while
    walking) and within ``STANDING_NEAR_WALK_S`` of a bout: the stand just before setting off
    or just after stopping is the wearer's own upright posture, while a still, fairly upright
    trunk far from any walk may be sitting (which tilts the pelvis back by 20-30 degrees).
    """
    if not walking.any():
        return None
    win = max(1, round(fs))
    n_win = acc.shape[0] // win
    if n_win == 0:
        return None
    walk_up = up[walking].mean(axis=0)
    walk_up /= np.linalg.norm(walk_up)
    mag = np.linalg.norm(acc[: n_win * win], axis=1).reshape(n_win, win)
    still = mag.std(axis=1) < STANDING_MAX_SD_MPS2
    win_up = up[: n_win * win].reshape(n_win, win, 3).mean(axis=1)
    win_up /= np.linalg.norm(win_up, axis=1, keepdims=True)
    upright = win_up @ walk_up > math.cos(math.radians(30))
    walk_win = walking[: n_win * win].reshape(n_win, win).any(axis=1)
    reach = round(STANDING_NEAR_WALK_S)
    near = maximum_filter1d(walk_win.astype(np.uint8), size=2 * reach + 1) > 0
    quiet = _runs_at_least(still & upright & ~walk_win, round(STANDING_MIN_S))
    chosen = quiet & near
    if not chosen.any():
        return None
    ref = win_up[chosen].mean(axis=0)
    return np.asarray(ref / np.linalg.norm(ref))


def _lean_deg(stand_up: FloatArray, walk_up: FloatArray, axis: FloatArray) -> float:
    """Tilt of the trunk towards ``axis`` while walking relative to standing, degrees.

    Leaning forward rotates the sensor so that gravity's "up", seen from the sensor, moves
    backwards: the lean is minus the component of the walking "up" along the axis (taken
    orthogonal to the standing "up").
    """
    ax = axis - (axis @ stand_up) * stand_up
    norm = np.linalg.norm(ax)
    if norm == 0:
        return float("nan")
    ax /= norm
    return float(np.degrees(np.arcsin(np.clip(-(walk_up @ ax), -1, 1))))


def _per_second_cadence(ic_s: FloatArray, bout_ids: IntArray, n_bouts: int) -> pd.DataFrame:
    """Cadence for every whole second inside a bout, from the step durations covering it."""
    seconds: list[int] = []
    values: list[float] = []
    bout_of: list[int] = []
    for b in range(n_bouts):
        t = ic_s[bout_ids == b]
        if t.size < 2:
            continue
        mid = (t[:-1] + t[1:]) / 2
        cad = 60.0 / np.diff(t)
        secs = np.arange(math.ceil(t[0]), math.floor(t[-1]) + 1)
        if secs.size == 0:
            continue
        seconds.extend(int(s) for s in secs)
        values.extend(np.interp(secs, mid, cad).tolist())
        bout_of.extend([b] * secs.size)
    return pd.DataFrame({"bout_id": bout_of, "second": seconds, "cadence_spm": values})


def _brisk_intervals(cadence: FloatArray) -> list[tuple[int, int]]:
    """Find runs of clearly faster walking in a per-second cadence series: (start, length), s."""
    if cadence.size < BRISK_MIN_S:
        return []
    smooth = pd.Series(cadence).rolling(10, center=True, min_periods=1).median().to_numpy()
    base = float(np.percentile(cadence, 25))
    fast = (smooth >= BRISK_ABOVE_BASE * base) & (smooth >= MODERATE_SPM)
    runs = []
    i = 0
    while i < fast.size:
        if fast[i]:
            j = i
            while j + 1 < fast.size and fast[j + 1]:
                j += 1
            if j - i + 1 >= BRISK_MIN_S:
                runs.append((i, j - i + 1))
            i = j + 1
        else:
            i += 1
    return runs


@dataclass(frozen=True)
class _Signals:
    """Whole-recording signals every bout's measures are taken from."""

    fs: float
    up: FloatArray
    frame: BodyFrameSignals
    position: FloatArray | None
    leg_length_m: float | None
    gyr_body: FloatArray | None
    stand_up: FloatArray | None


def _contact_features(
    frame: BodyFrameSignals, ics: IntArray, fs: float
) -> tuple[FloatArray, npt.NDArray[np.str_]]:
    """Impact (peak vertical acceleration in the 150 ms after contact) and side label per contact.

    The trunk shifts towards the stance leg after contact, so the sign of the mean ML
    acceleration in the next 100 ms alternates with the feet. Which sign is "left" needs the
    ML axis direction, which acceleration alone cannot give, so sides are labelled A and B.
    """
    if ics.size == 0:
        return np.zeros(0), np.zeros(0, dtype="<U1")
    n = frame.vertical.size
    post = np.arange(max(1, round(0.15 * fs)))
    impact = frame.vertical[np.clip(ics[:, None] + post[None, :], 0, n - 1)].max(axis=1)
    shift = np.arange(max(1, round(0.10 * fs)))
    ml_after = frame.ml[np.clip(ics[:, None] + shift[None, :], 0, n - 1)].mean(axis=1)
    return impact, np.where(ml_after >= 0, "A", "B")


def _measure_bout(
    b: int,
    idx: IntArray,
    sig: _Signals,
    cadence_per_second: FloatArray,
    impact: FloatArray,
    sides: npt.NDArray[np.str_],
) -> tuple[dict[str, Any], pd.DataFrame]:
    """One bout's row of :data:`BOUT_COLUMNS` and its rows of :data:`STEP_COLUMNS`."""
    fs, frame = sig.fs, sig.frame
    t = idx / fs
    steps_d = np.diff(t)
    strides_d = t[2:] - t[:-2]
    nan = float("nan")
    lengths = (
        step_lengths_zijlstra(sig.position, idx, sig.leg_length_m)
        if sig.position is not None and sig.leg_length_m
        else None
    )
    stride_length = speed = nan
    if lengths is not None and lengths.size >= 2:
        stride_len = lengths[:-1] + lengths[1:]
        stride_length = float(np.mean(stride_len))
        speed = float(np.mean(stride_len / strides_d))
    seg = slice(int(idx[0]), int(idx[-1]) + 1)
    step_reg, stride_reg = autocorrelation_regularity(
        frame.vertical[seg], fs, float(np.median(steps_d))
    )
    s0, s1 = idx[:-2], idx[2:]
    rom = [nan, nan, nan]
    if sig.gyr_body is not None:
        rom = [
            float(np.median(angle_range_per_stride(sig.gyr_body[:, k], fs, s0, s1)))
            for k in range(3)
        ]
    brisk = _brisk_intervals(cadence_per_second)
    fwd = side = nan
    if sig.stand_up is not None:
        walk_up = sig.up[seg].mean(axis=0)
        walk_up /= np.linalg.norm(walk_up)
        fwd = _lean_deg(sig.stand_up, walk_up, frame.ap_unit[seg].mean(axis=0))
        side = _lean_deg(sig.stand_up, walk_up, frame.ml_unit[seg].mean(axis=0))
    row = {
        "bout_id": b,
        "start_s": float(t[0]),
        "end_s": float(t[-1]),
        "duration_s": float(t[-1] - t[0]),
        "n_steps": int(idx.size),
        "n_strides": int(idx.size - 2),
        # the INDIP reference's definition: mean over strides of 120 / stride duration
        "cadence_spm": float(np.mean(120.0 / strides_d)),
        "step_duration_s": float(np.median(steps_d)),
        "stride_duration_s": float(np.median(strides_d)),
        "stride_length_m": stride_length,
        "walking_speed_mps": speed,
        "step_regularity": step_reg,
        "stride_regularity": stride_reg,
        "step_symmetry": step_reg / stride_reg if stride_reg > 0 else nan,
        "harmonic_ratio_v": float(np.nanmedian(harmonic_ratio(frame.vertical, s0, s1, False))),
        "harmonic_ratio_ap": float(np.nanmedian(harmonic_ratio(frame.ap, s0, s1, False))),
        "harmonic_ratio_ml": float(np.nanmedian(harmonic_ratio(frame.ml, s0, s1, True))),
        "trunk_rom_sagittal_deg": rom[0],
        "trunk_rom_frontal_deg": rom[1],
        "trunk_rom_transverse_deg": rom[2],
        "moderate_s": float((cadence_per_second >= MODERATE_SPM).sum()),
        "vigorous_s": float((cadence_per_second >= VIGOROUS_SPM).sum()),
        "brisk_intervals": len(brisk),
        "brisk_s": float(sum(length for _, length in brisk)),
        "impact_mps2": float(np.median(impact)),
        "forward_lean_deg": fwd,
        "sideways_lean_deg": side,
        "alternation": float(np.mean(sides[1:] != sides[:-1])) if sides.size > 1 else nan,
    }
    steps = pd.DataFrame(
        {
            "bout_id": b,
            "ic_s": t,
            "step_duration_s": np.append(steps_d, nan),
            "step_length_m": np.append(lengths, nan) if lengths is not None else nan,
            "cadence_spm": np.append(60.0 / steps_d, nan),
            "impact_mps2": impact,
            "side": sides,
        }
    )
    return row, steps


def analyze(recording: Recording, params: AnalysisParameters | None = None) -> WalkingAnalysis:
    """Analyse one recording from a lower-back (or body-worn) sensor.

    Parameters
    ----------
    recording
        The recording; units and axes as in :class:`~backstride.recording.Recording`.
    params
        Wearer heights and bout rules; the recording's own heights are used when not given.

    Returns
    -------
    WalkingAnalysis
        A recording without walking gives zero bouts, not an error.
    """
    params = params or AnalysisParameters()
    validate_signal(recording)
    fs = recording.sample_rate_hz
    acc = _interp_nans(recording.acc)
    up, vertical = gravity_and_vertical(acc, fs)

    cand = detect_contact_candidates(vertical, fs)
    order = np.argsort(cand.index, kind="stable")
    cand_idx = cand.index[order]
    members = assemble_bouts(cand_idx / fs, params.bout_rules, cand.prominence_mps2[order])
    bout_contacts = [cand_idx[m] for m in members]
    ics = np.concatenate(bout_contacts) if bout_contacts else np.zeros(0, dtype=np.int64)
    ic_bout = np.repeat(np.arange(len(bout_contacts)), [c.size for c in bout_contacts])
    walking = np.zeros(acc.shape[0], dtype=bool)
    for c in bout_contacts:
        walking[c[0] : c[-1] + 1] = True
    median_step_s = (
        float(np.median(np.concatenate([np.diff(c) for c in bout_contacts]))) / fs
        if bout_contacts
        else 0.55  # a typical adult step; only used to tell AP from ML when nothing is walking
    )

    frame = body_frame(acc, fs, walking_mask=walking, step_period_s=median_step_s, contacts=ics)
    leg, leg_note = _leg_length(recording, params)
    gyr_body = None
    if recording.gyr is not None:
        gyr = _interp_nans(recording.gyr)
        # rotation about ML = sagittal plane, about AP = frontal, about vertical = transverse
        gyr_body = np.column_stack(
            [
                np.einsum("ij,ij->i", gyr, u)
                for u in (frame.ml_unit, frame.ap_unit, frame.gravity_unit)
            ]
        )
    sig = _Signals(
        fs=fs,
        up=up,
        frame=frame,
        position=vertical_displacement(frame.vertical, fs) if leg and ics.size else None,
        leg_length_m=leg,
        gyr_body=gyr_body,
        stand_up=_standing_reference(acc, up, fs, walking),
    )
    impact, sides = _contact_features(frame, ics, fs)
    per_second = _per_second_cadence(ics / fs, ic_bout, len(bout_contacts))

    bout_rows: list[dict[str, Any]] = []
    step_rows: list[pd.DataFrame] = []
    for b, idx in enumerate(bout_contacts):
        sel = ic_bout == b
        cadence_s = per_second.loc[per_second["bout_id"] == b, "cadence_spm"].to_numpy()
        row, steps = _measure_bout(b, idx, sig, cadence_s, impact[sel], sides[sel])
        bout_rows.append(row)
        step_rows.append(steps)
    bouts = pd.DataFrame(bout_rows, columns=BOUT_COLUMNS)
    steps = (
        pd.concat(step_rows, ignore_index=True) if step_rows else pd.DataFrame(columns=STEP_COLUMNS)
    )
    summary = {
        "n_bouts": len(bouts),
        "walking_s": float(bouts["duration_s"].sum()),
        "steps": int(bouts["n_steps"].sum()),
        "cadence_spm": (
            _nan_to_none(float(np.median(per_second["cadence_spm"]))) if len(per_second) else None
        ),
        "moderate_s": float(bouts["moderate_s"].sum()),
        "vigorous_s": float(bouts["vigorous_s"].sum()),
        "brisk_intervals": int(bouts["brisk_intervals"].sum()),
        "posture_reference": (
            "quiet standing found in the recording"
            if sig.stand_up is not None
            else "no quiet standing found: trunk lean not computed"
        ),
        "stride_length_basis": leg_note,
    }
    rec_meta = {
        "name": recording.name,
        "device": recording.device,
        "placement": recording.placement,
        "sample_rate_hz": fs,
        "n_samples": recording.n_samples,
        "duration_s": recording.duration_s,
        "start": recording.start.isoformat() if recording.start else None,
        "has_gyroscope": recording.has_gyr,
        "notes": list(recording.notes),
    }
    return WalkingAnalysis(rec_meta, bouts, steps, per_second, summary)
