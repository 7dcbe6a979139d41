"""Weekly walking plans: from what a person can do now to 150 min a week, then quality.

The program is a ladder of levels (:data:`LEVELS`), the same for everyone:

1. **Build** (volume). Weekly minutes from :data:`START_WEEKLY_MINUTES` (3 x 10 min) to
   :data:`TARGET_WEEKLY_MINUTES` (5 x 30 min) in steps of :data:`BUILD_STEP_MINUTES`, plus
   one gentler level below the start that only a step back (a flare, a missed week) reaches.
   Walking days come first (DESIGN.md: short daily walks beat sporadic long ones): a level
   has as many days, from 3 to 5, as it can fill with sessions of at least
   :data:`SEGMENT_MINUTES`; its minutes are shared out evenly. Beginners split each day's
   walking into segments no longer than what they walk in one go now (at least 10 min).
2. **Brisk** (quality). The full dose stays; two walks a week add brisk intervals of 1, then
   2, then 3 minutes (:data:`BRISK_STEPS`).
3. **Terrain**. One, then two walks a week add a gentle incline or varied ground.

A person starts on the highest build level that does not exceed what they walk now (at least
3 x 10 min), so the build takes about 16 weeks for someone who hardly walks and about 8 for
someone who walks 90 min a week. The weekly review moves one level up (PROGRESS), stays
(HOLD) or steps back (REGRESS); one level up never adds more than
:data:`MAX_WEEKLY_INCREASE_MINUTES` to the week or :data:`MAX_SESSION_INCREASE_MINUTES` to a
session (checked when this module is imported, and by property tests).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from backstride.exceptions import InvalidInputError
from backstride.program._common import num, plural
from backstride.program.constants import (
    ACCEPTABLE_WALKING_PAIN,
    BRISK_EASY_MINUTES,
    BRISK_SESSIONS_PER_WEEK,
    BRISK_STEPS,
    BUILD_STEP_MINUTES,
    MAX_SESSION_INCREASE_MINUTES,
    MAX_WEEKLY_INCREASE_MINUTES,
    MIN_DAYS_PER_WEEK,
    MODERATE_CADENCE_SPM,
    SEGMENT_MINUTES,
    START_WEEKLY_MINUTES,
    TARGET_DAYS_PER_WEEK,
    TARGET_SESSION_MINUTES,
    TARGET_WEEKLY_MINUTES,
    TERRAIN_SESSIONS_STEPS,
    VIGOROUS_CADENCE_SPM,
    WARM_UP_MINUTES,
)
from backstride.program.education import EducationTopic, get_topic, topic_for_week
from backstride.program.exercises import (
    LAST_CORE_STAGE,
    CoreExercise,
    core_days,
    core_exercises,
)
from backstride.program.screening import Baseline

#: Walking days (offsets from the week's first day) for 3, 4 and 5 sessions: spread so that
#: there are never more than 2 rest days in a row.
DAY_OFFSETS = {3: (0, 2, 4), 4: (0, 2, 3, 5), 5: (0, 1, 3, 4, 6)}
#: Which sessions (by position in the week) carry brisk intervals and terrain: brisk walks
#: never on consecutive days.
BRISK_SESSION_POSITIONS = (1, 3)
TERRAIN_SESSION_POSITIONS = (4, 2)

MODERATE_CUE = f"moderate: about {MODERATE_CADENCE_SPM} steps/min (you can talk but not sing)"
BRISK_CUE = (
    f"brisk: faster than your moderate pace, up to about {VIGOROUS_CADENCE_SPM} steps/min "
    "(you can speak only in short phrases)"
)
POSTURE_CUE = (
    "Walk tall: trunk upright, shoulders relaxed and down, lower tummy lightly drawn in, arms "
    "swinging, breathing steady."
)
MINDFUL_CUE = (
    "For part of the walk, pay attention to your feet meeting the ground and to your "
    "breathing, and let other thoughts pass."
)
FOOTWEAR_ADVICE = (
    "Wear comfortable, supportive shoes that hold your heel firmly and have some cushioning."
)
PAIN_GUIDANCE = (
    f"Some pain while walking is fine up to {ACCEPTABLE_WALKING_PAIN}/10 if it has settled by "
    "the next morning; if it is higher, or still worse the next day, shorten your next walks "
    "and log your pain."
)
SPREAD_ADVICE = (
    "You may swap days to fit your week, but keep the walks spread out: regular days count "
    "more than one long walk."
)
SAFETY_ADVICE = "If any warning sign from the safety check appears, stop the program and seek care."
INCLINE_SPEC = (
    "Take a route with a gentle slope: walk up at a pace where you can still talk, and come "
    "down with shorter steps."
)
VARIED_TERRAIN_SPEC = (
    "Walk on varied ground: grass, a gravel path or an easy trail, watching your footing."
)


class Phase(StrEnum):
    """Which part of the program a level belongs to."""

    BUILD = "build"
    BRISK = "brisk"
    TERRAIN = "terrain"


@dataclass(frozen=True)
class BriskIntervals:
    """Brisk intervals within one walk.

    Attributes
    ----------
    repeats
        Number of brisk intervals.
    brisk_minutes
        Length of each.
    easy_minutes
        Easy walking between them.
    warm_up_minutes
        Easy walking before the first.
    """

    repeats: int
    brisk_minutes: int
    easy_minutes: int = BRISK_EASY_MINUTES
    warm_up_minutes: int = WARM_UP_MINUTES

    @property
    def block_minutes(self) -> int:
        """Warm-up plus intervals plus the easy walking between them."""
        return (
            self.warm_up_minutes
            + self.repeats * self.brisk_minutes
            + (self.repeats - 1) * self.easy_minutes
        )

    @property
    def short(self) -> str:
        """``3 x 1 min brisk``."""
        return f"{self.repeats} x {self.brisk_minutes} min brisk"

    def instruction(self) -> str:
        """What to do, in plain words."""
        return (
            f"After {self.warm_up_minutes} min of easy walking, walk briskly for "
            f"{self.brisk_minutes} min, then easily for {self.easy_minutes} min; do the brisk "
            f"part {self.repeats} times, then finish the walk at your moderate pace. "
            f"Brisk means {BRISK_CUE}."
        )


@dataclass(frozen=True)
class Level:
    """One rung of the program ladder.

    Attributes
    ----------
    index
        Position in :data:`LEVELS`.
    phase
        Build, brisk or terrain.
    weekly_minutes
        Planned walking minutes in the week.
    days
        Walking days in the week.
    brisk
        Brisk intervals of the brisk walks, if any.
    brisk_sessions
        Walks a week with brisk intervals.
    terrain_sessions
        Walks a week with an incline or varied ground.
    """

    index: int
    phase: Phase
    weekly_minutes: int
    days: int
    brisk: BriskIntervals | None = None
    brisk_sessions: int = 0
    terrain_sessions: int = 0

    @property
    def session_minutes(self) -> tuple[int, ...]:
        """Minutes of each session, longest first (shared out as evenly as whole minutes go)."""
        base, extra = divmod(self.weekly_minutes, self.days)
        return tuple(base + 1 if i < extra else base for i in range(self.days))

    def describe(self) -> str:
        """The level in words: ``5 walks, 150 min a week, 2 with 3 x 1 min brisk``."""
        minutes = self.session_minutes
        span = (
            f"{minutes[0]} min" if minutes[0] == minutes[-1] else f"{minutes[-1]}-{minutes[0]} min"
        )
        text = f"{self.days} walks of {span} ({self.weekly_minutes} min a week)"
        if self.brisk is not None:
            text += f", {self.brisk_sessions} with {self.brisk.short}"
        if self.terrain_sessions:
            text += f" and {self.terrain_sessions} with a gentle incline or varied ground"
        return text


def _days_for(weekly_minutes: int) -> int:
    return min(TARGET_DAYS_PER_WEEK, max(MIN_DAYS_PER_WEEK, weekly_minutes // SEGMENT_MINUTES))


def _build_levels() -> tuple[Level, ...]:
    weekly = [START_WEEKLY_MINUTES - BUILD_STEP_MINUTES]
    minutes = START_WEEKLY_MINUTES
    while minutes < TARGET_WEEKLY_MINUTES:
        weekly.append(minutes)
        minutes += BUILD_STEP_MINUTES
    weekly.append(TARGET_WEEKLY_MINUTES)
    levels = [Level(i, Phase.BUILD, w, _days_for(w)) for i, w in enumerate(weekly)]
    full = levels[-1]
    for repeats, brisk_minutes in BRISK_STEPS:
        levels.append(
            Level(
                len(levels),
                Phase.BRISK,
                full.weekly_minutes,
                full.days,
                BriskIntervals(repeats, brisk_minutes),
                BRISK_SESSIONS_PER_WEEK,
            )
        )
    last_brisk = levels[-1].brisk
    for terrain in TERRAIN_SESSIONS_STEPS:
        levels.append(
            Level(
                len(levels),
                Phase.TERRAIN,
                full.weekly_minutes,
                full.days,
                last_brisk,
                BRISK_SESSIONS_PER_WEEK,
                terrain,
            )
        )
    _check_levels(levels)
    return tuple(levels)


def _check_levels(levels: Sequence[Level]) -> None:
    """Refuse constants that would break the program's own limits (a guard for edits)."""
    for lower, upper in itertools.pairwise(levels):
        if (
            upper.weekly_minutes - lower.weekly_minutes > MAX_WEEKLY_INCREASE_MINUTES
            or upper.session_minutes[0] - lower.session_minutes[0] > MAX_SESSION_INCREASE_MINUTES
        ):
            raise RuntimeError(f"Program levels {lower.index} -> {upper.index} rise too fast.")
    for level in levels:
        if level.brisk is not None and level.brisk.block_minutes > level.session_minutes[-1]:
            raise RuntimeError(f"The brisk intervals of level {level.index} do not fit a walk.")
        if level.brisk_sessions + level.terrain_sessions > level.days:
            raise RuntimeError(f"Level {level.index} has more special walks than walks.")


#: The program ladder (see the module docstring).
LEVELS: tuple[Level, ...] = _build_levels()
#: Index of the 3 x 10 min level, the lowest a plan starts on.
START_LEVEL = 1
#: Index of the first level at the full dose (the end of the build).
FULL_DOSE_LEVEL = next(level.index for level in LEVELS if level.phase is Phase.BRISK) - 1
TOP_LEVEL = len(LEVELS) - 1


@dataclass(frozen=True)
class Session:
    """One day's walking.

    Attributes
    ----------
    day_offset
        Days from the week's first day (0-6).
    date
        The local date.
    minutes
        Walking minutes that day (all segments together).
    segments_min
        How the minutes may be split (``(10, 10, 10)`` for a beginner); one entry = one walk.
    intensity
        The pace cue.
    brisk
        Brisk intervals in this walk, if any.
    terrain
        Incline or terrain instruction, if any.
    instructions
        What to do, in plain words (segments, intervals, posture and mindful-walking cues).
    """

    day_offset: int
    date: dt.date
    minutes: int
    segments_min: tuple[int, ...]
    intensity: str
    brisk: BriskIntervals | None
    terrain: str | None
    instructions: tuple[str, ...]


@dataclass(frozen=True)
class WeekPlan:
    """One week of the program.

    Attributes
    ----------
    week
        Program week, from 1.
    start_date
        Local date of the week's first day (the program start plus whole weeks).
    level
        Index into :data:`LEVELS`.
    phase
        Build, brisk or terrain.
    sessions
        The walks, in date order.
    core_stage
        Stage of the core exercises (0 to :data:`~backstride.program.exercises.LAST_CORE_STAGE`).
    core_days
        Day offsets of the core sessions.
    core_exercises
        The exercises with dose, instructions and progression.
    education
        The week's education topic.
    instructions
        General advice for the week (pace, posture, footwear, pain, spreading the walks).
    notes
        Why this plan, in plain sentences.
    """

    week: int
    start_date: dt.date
    level: int
    phase: Phase
    sessions: tuple[Session, ...]
    core_stage: int
    core_days: tuple[int, ...]
    core_exercises: tuple[CoreExercise, ...]
    education: EducationTopic
    instructions: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def end_date(self) -> dt.date:
        """Local date of the week's last day."""
        return self.start_date + dt.timedelta(days=6)

    @property
    def program_start(self) -> dt.date:
        """Local date of the program's first day."""
        return self.start_date - dt.timedelta(weeks=self.week - 1)

    @property
    def total_minutes(self) -> int:
        """Planned walking minutes in the week."""
        return sum(session.minutes for session in self.sessions)

    @property
    def days(self) -> int:
        """Planned walking days."""
        return len(self.sessions)

    @property
    def longest_session_minutes(self) -> int:
        """Minutes of the longest planned session."""
        return max(session.minutes for session in self.sessions)

    @property
    def shortest_session_minutes(self) -> int:
        """Minutes of the shortest planned session."""
        return min(session.minutes for session in self.sessions)

    @property
    def summary(self) -> str:
        """The week in one sentence."""
        return f"Week {self.week}: {LEVELS[self.level].describe()}."


def start_level(baseline: Baseline) -> int:
    """The level a new plan starts on.

    The highest build level not above what the person walks now, and never below
    :data:`START_LEVEL` (3 x 10 min).
    """
    start = START_LEVEL
    for level in LEVELS[: FULL_DOSE_LEVEL + 1]:
        if level.weekly_minutes <= baseline.weekly_minutes:
            start = max(start, level.index)
    return start


def segment_minutes(baseline: Baseline) -> int:
    """Longest segment a beginner's day is split into.

    What they walk in one go now, at least :data:`SEGMENT_MINUTES` (DESIGN.md: e.g. 3 x 10 min).
    """
    return max(SEGMENT_MINUTES, int(baseline.minutes_per_day))


def _split(minutes: int, longest: int) -> tuple[int, ...]:
    parts = max(1, math.ceil(minutes / longest))
    base, extra = divmod(minutes, parts)
    return tuple(base + 1 if i < extra else base for i in range(parts))


def _session(level: Level, position: int, week_start: dt.date, segment: int) -> Session:
    offset = DAY_OFFSETS[level.days][position]
    minutes = level.session_minutes[position]
    brisk = level.brisk if position in BRISK_SESSION_POSITIONS[: level.brisk_sessions] else None
    terrain_positions = TERRAIN_SESSION_POSITIONS[: level.terrain_sessions]
    terrain = None
    if position in terrain_positions:
        terrain = INCLINE_SPEC if terrain_positions.index(position) == 0 else VARIED_TERRAIN_SPEC
    # Segments belong to the build: from the brisk phase on, a day's walk is one walk.
    segments = _split(minutes, segment) if level.phase is Phase.BUILD else (minutes,)
    steps: list[str] = []
    if len(segments) > 1:
        parts = " + ".join(str(part) for part in segments)
        steps.append(
            f"Walk {minutes} min today in {len(segments)} parts ({parts} min) spread over the "
            "day; walk it in one go instead if that feels fine."
        )
    else:
        steps.append(f"Walk {minutes} min today in one go.")
    if brisk is not None:
        steps.append(brisk.instruction())
    if terrain is not None:
        steps.append(terrain)
    steps.extend((POSTURE_CUE, MINDFUL_CUE))
    return Session(
        day_offset=offset,
        date=week_start + dt.timedelta(days=offset),
        minutes=minutes,
        segments_min=segments,
        intensity=MODERATE_CUE,
        brisk=brisk,
        terrain=terrain,
        instructions=tuple(steps),
    )


def plan_for_week(
    baseline: Baseline,
    start_date: dt.date,
    week: int,
    level: int,
    *,
    core_stage: int = 0,
    topic_id: str | None = None,
    notes: Sequence[str] = (),
) -> WeekPlan:
    """The plan of program week ``week`` at ``level``.

    Parameters
    ----------
    baseline
        The person's baseline (sets how beginners' walks are split).
    start_date
        Local date of the program's first day; week ``n`` starts ``n - 1`` weeks later.
    week
        Program week, from 1.
    level
        Index into :data:`LEVELS`.
    core_stage
        Core exercise stage.
    topic_id
        Education topic to use instead of the week's regular one (after a flare, say).
    notes
        Sentences explaining the plan, placed after its one-line summary.

    Returns
    -------
    WeekPlan
        Sessions, core exercises, instructions and the education topic.

    Raises
    ------
    InvalidInputError
        Week below 1, unknown level, core stage or topic, or a start that is not a date.
    """
    if isinstance(start_date, dt.datetime) or not isinstance(start_date, dt.date):
        raise InvalidInputError("The program start must be a calendar date, not a time.")
    if week < 1:
        raise InvalidInputError(f"Program weeks start at 1; got week {week}.")
    if not 0 <= level <= TOP_LEVEL:
        raise InvalidInputError(f"Program levels go from 0 to {TOP_LEVEL}; got {level}.")
    if not 0 <= core_stage <= LAST_CORE_STAGE:
        raise InvalidInputError(f"Core stages go from 0 to {LAST_CORE_STAGE}; got {core_stage}.")
    rung = LEVELS[level]
    week_start = start_date + dt.timedelta(weeks=week - 1)
    segment = segment_minutes(baseline)
    sessions = tuple(_session(rung, i, week_start, segment) for i in range(rung.days))
    plan_notes = [f"This week: {rung.describe()}."]
    plan_notes.extend(notes)
    if rung.phase is Phase.BUILD:
        to_go = FULL_DOSE_LEVEL - level
        if to_go > 0:
            plan_notes.append(
                f"Each step up adds about {BUILD_STEP_MINUTES} minutes a week; at that pace "
                f"you reach {TARGET_WEEKLY_MINUTES} minutes a week in week {week + to_go}."
            )
        else:
            plan_notes.append(
                f"This is the full dose: {TARGET_SESSION_MINUTES} minutes on "
                f"{TARGET_DAYS_PER_WEEK} days. Next come brisk intervals, not more time."
            )
    education = get_topic(topic_id) if topic_id is not None else topic_for_week(week)
    return WeekPlan(
        week=week,
        start_date=week_start,
        level=level,
        phase=rung.phase,
        sessions=sessions,
        core_stage=core_stage,
        core_days=core_days(core_stage),
        core_exercises=core_exercises(core_stage),
        education=education,
        instructions=(
            f"Pace: {MODERATE_CUE}.",
            POSTURE_CUE,
            MINDFUL_CUE,
            FOOTWEAR_ADVICE,
            PAIN_GUIDANCE,
            SPREAD_ADVICE,
            SAFETY_ADVICE,
        ),
        notes=tuple(plan_notes),
    )


def initial_plan(baseline: Baseline, start_date: dt.date) -> WeekPlan:
    """The first week's plan, starting from what the person walks now.

    Parameters
    ----------
    baseline
        From :func:`~backstride.program.screening.screen`.
    start_date
        Local date of the program's first day.

    Returns
    -------
    WeekPlan
        Week 1 at :func:`start_level`, core stage 0.
    """
    level = start_level(baseline)
    how = "as measured" if baseline.walking_source == "measured" else "as you told us"
    now = baseline.weekly_minutes
    if level == START_LEVEL and now < LEVELS[START_LEVEL].weekly_minutes:
        why = (
            f"You walk about {num(now, 0)} minutes a week now ({how}), so the plan starts "
            f"gently with {plural(LEVELS[level].days, 'short walk')} a week."
        )
    elif level == FULL_DOSE_LEVEL:
        why = (
            f"You already walk about {num(now, 0)} minutes a week ({how}): the plan keeps "
            f"the full dose and will add brisk intervals and gentle hills."
        )
    else:
        why = (
            f"The plan starts from what you do now: about {num(now, 0)} minutes a week "
            f"({how}), spread over {plural(LEVELS[level].days, 'day')}"
            + (
                ", because regular days count more than long walks."
                if LEVELS[level].days > baseline.days_per_week
                else "."
            )
        )
    return plan_for_week(baseline, start_date, 1, level, notes=(why,))


def increase_within_bounds(previous: WeekPlan, following: WeekPlan) -> bool:
    """Whether ``following`` rises from ``previous`` by no more than the program allows.

    At most :data:`MAX_WEEKLY_INCREASE_MINUTES` more minutes in the week and
    :data:`MAX_SESSION_INCREASE_MINUTES` more in the longest session (ACSM, unconfirmed).
    """
    return (
        following.total_minutes - previous.total_minutes <= MAX_WEEKLY_INCREASE_MINUTES
        and following.longest_session_minutes - previous.longest_session_minutes
        <= MAX_SESSION_INCREASE_MINUTES
    )
