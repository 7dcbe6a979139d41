"""The Walk: the record every source becomes, and the only thing the program reads.

Fields follow DESIGN.md ("The Walk"). A value the source cannot know is ``None``, never a
guess. ``source_hash`` identifies the data a walk came from, so the same data imported twice
(or the same workout exported by two apps) is counted once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from backstride.exceptions import InvalidInputError

#: Gait bouts from one raw recording are joined into one walk when less than this apart.
#: Five minutes: a walker who stops at a crossing, to talk or to rest on a bench is still on
#: the same walk, while bouts half an hour apart are separate outings (WHO 2020 counts every
#: bout of activity; the program counts sessions and active days, so only the split between
#: outings matters, and a few minutes separates them well from within-walk pauses).
SESSION_GAP_S = 300.0


@dataclass(frozen=True)
class Walk:
    """One walking session, whatever measured it.

    Times are time-zone aware. Durations in seconds, distances in metres, cadence in
    steps/min, speed in m/s, angles in degrees, acceleration in m/s^2, effort and pain on
    0-10 scales. ``None`` means unknown.
    """

    start: dt.datetime
    end: dt.datetime
    source: str
    source_hash: str
    person: str | None = None
    duration_s: float | None = None
    walking_s: float | None = None
    steps: int | None = None
    distance_m: float | None = None
    cadence_spm: float | None = None
    moderate_s: float | None = None
    vigorous_s: float | None = None
    brisk_intervals: int | None = None
    elevation_gain_m: float | None = None
    elevation_loss_m: float | None = None
    mean_grade_pct: float | None = None
    speed_mps: float | None = None
    stride_length_m: float | None = None
    step_regularity: float | None = None
    stride_regularity: float | None = None
    symmetry: float | None = None
    #: One foot's median step time over the other's, the longer on top (1 = even steps; a
    #: limp raises it), from a lower-back sensor's contacts and feet.
    step_time_ratio: float | None = None
    trunk_rom_deg: dict[str, float | None] | None = None
    trunk_lean_deg: float | None = None
    impact_mps2: float | None = None
    effort_0_10: float | None = None
    pain_before: float | None = None
    pain_after: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, dt.datetime) or value.tzinfo is None:
                raise InvalidInputError(
                    f"The walk's {name} time must be a time-zone aware datetime."
                )
        if self.end < self.start:
            raise InvalidInputError("A walk cannot end before it starts; check the dates.")
        for name in ("duration_s", "walking_s", "distance_m", "moderate_s", "vigorous_s"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidInputError(f"The walk's {name} cannot be negative ({value:g}).")
        if self.steps is not None and self.steps < 0:
            raise InvalidInputError(f"The walk's step count cannot be negative ({self.steps}).")
        if self.step_time_ratio is not None and not self.step_time_ratio >= 1:
            raise InvalidInputError(
                "The walk's step-time ratio puts the longer foot's steps on top, so it is at "
                f"least 1; got {self.step_time_ratio:g}."
            )
        for name in ("effort_0_10", "pain_before", "pain_after"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 10:
                raise InvalidInputError(
                    f"The {name.replace('_', ' ')} must be between 0 and 10; got {value:g}."
                )

    def with_person(self, person: str) -> Walk:
        """A copy assigned to ``person``."""
        return replace(self, person=person)


def manual_walk_hash(person: str, start: dt.datetime, minutes: float) -> str:
    """Content hash of a walk logged by hand (same person, start and length = same walk)."""
    text = f"manual|{person}|{start.isoformat()}|{minutes:.3f}"
    return hashlib.sha256(text.encode()).hexdigest()
