"""Turn the gait analysis of a raw recording into Walks (sessions of joined bouts)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from backstride.exceptions import InvalidInputError
from backstride.gait.pipeline import WalkingAnalysis
from backstride.walks.walk import SESSION_GAP_S, Walk


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _weighted(bouts: pd.DataFrame, column: str) -> float | None:
    """Mean of a per-bout value weighted by bout duration, ignoring unknown values."""
    values = bouts[column].to_numpy(dtype=float)
    weights = bouts["duration_s"].to_numpy(dtype=float)
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return None
    return float(np.average(values[ok], weights=weights[ok]))


def walks_from_analysis(
    analysis: WalkingAnalysis,
    start: dt.datetime,
    source: str,
    source_hash: str,
    *,
    gap_s: float = SESSION_GAP_S,
) -> list[Walk]:
    """Join a recording's bouts into walking sessions.

    Parameters
    ----------
    analysis
        Result of :func:`backstride.analyze`.
    start
        Time-zone aware time of the recording's first sample.
    source
        Device or file description.
    source_hash
        Hash of the recording's content; each walk's hash adds its start offset, so
        re-importing the same recording gives the same walks.
    gap_s
        Bouts less than this apart belong to the same walk (:data:`SESSION_GAP_S`).
    """
    if start.tzinfo is None:
        raise InvalidInputError("The recording's start time must be time-zone aware to make walks.")
    bouts = analysis.bouts
    if len(bouts) == 0:
        return []
    gaps = bouts["start_s"].to_numpy()[1:] - bouts["end_s"].to_numpy()[:-1]
    session = np.concatenate([[0], np.cumsum(gaps > gap_s)])
    # elapsed time is added in UTC: on a zone's datetime, Python adds to the wall clock, which
    # moved walks across a daylight-saving change by an hour (or made them end before they
    # started); each walk is then shown in the recording's own zone
    zone = start.tzinfo
    start_utc = start.astimezone(dt.UTC)

    def at(offset_s: float) -> dt.datetime:
        return (start_utc + dt.timedelta(seconds=offset_s)).astimezone(zone)

    walks = []
    for _, group in bouts.groupby(session):
        t0 = float(group["start_s"].iloc[0])
        t1 = float(group["end_s"].iloc[-1])
        rom = {
            plane: _weighted(group, f"trunk_rom_{plane}_deg")
            for plane in ("sagittal", "frontal", "transverse")
        }
        walks.append(
            Walk(
                start=at(t0),
                end=at(t1),
                source=source,
                source_hash=f"{source_hash}:{t0:.2f}",
                duration_s=t1 - t0,
                walking_s=float(group["duration_s"].sum()),
                steps=int(group["n_steps"].sum()),
                distance_m=_distance(group),
                cadence_spm=_weighted(group, "cadence_spm"),
                moderate_s=float(group["moderate_s"].sum()),
                vigorous_s=float(group["vigorous_s"].sum()),
                brisk_intervals=int(group["brisk_intervals"].sum()),
                speed_mps=_weighted(group, "walking_speed_mps"),
                stride_length_m=_weighted(group, "stride_length_m"),
                step_regularity=_weighted(group, "step_regularity"),
                stride_regularity=_weighted(group, "stride_regularity"),
                symmetry=_weighted(group, "step_symmetry"),
                step_time_ratio=_weighted(group, "step_time_ratio"),
                trunk_rom_deg=rom if any(v is not None for v in rom.values()) else None,
                trunk_lean_deg=_weighted(group, "forward_lean_deg"),
                impact_mps2=_weighted(group, "impact_mps2"),
                extra={"bouts": len(group)},
            )
        )
    return walks


def _distance(bouts: pd.DataFrame) -> float | None:
    speed = bouts["walking_speed_mps"].to_numpy(dtype=float)
    dur = bouts["duration_s"].to_numpy(dtype=float)
    if not np.isfinite(speed).all():
        return None  # a partial sum would undercount the walk
    return _num(float((speed * dur).sum()))
