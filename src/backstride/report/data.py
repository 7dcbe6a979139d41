"""The plain data a progress report is drawn from, filled by the CLI from the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WeekSummary:
    """One program week as the report shows it."""

    week: int
    start: dt.date
    target_minutes: float
    walked_minutes: float
    moderate_minutes: float | None
    active_days: int
    core_sessions_done: int
    core_sessions_planned: int
    decision: str | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class GaitPoint:
    """How one measured walk went, as the gait figure shows it; ``None`` where not measured."""

    day: dt.date
    speed_mps: float | None = None
    stride_length_m: float | None = None
    trunk_lean_deg: float | None = None
    step_time_ratio: float | None = None


@dataclass(frozen=True)
class ProgressData:
    """Everything :func:`~backstride.report.progress_figures` draws.

    Attributes
    ----------
    person
        Display name.
    weeks
        Program weeks in order.
    walk_days
        Minutes walked per local date.
    cadences_spm
        Per-walk median cadences (measured walks only).
    pain
        (local date, 0-10 score) pairs in time order.
    flare_days
        Local dates inside a pain flare.
    baseline_pain
        Pain at screening, for the reference line.
    gait
        Per measured walk, in time order: speed, stride length, forward lean, step-time ratio.
    """

    person: str
    weeks: tuple[WeekSummary, ...]
    walk_days: dict[dt.date, float] = field(default_factory=dict)
    cadences_spm: tuple[float, ...] = ()
    pain: tuple[tuple[dt.date, float], ...] = ()
    flare_days: frozenset[dt.date] = frozenset()
    baseline_pain: float | None = None
    gait: tuple[GaitPoint, ...] = ()
