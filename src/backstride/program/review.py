"""The weekly review: what was prescribed and done, pain, flares, and what happens next.

:func:`review_week` looks at one program week (the person's local week: walks and logs are
bucketed by their local date in ``tz``) and decides, in this order:

1. **STOP** when the safety questions, re-asked at the review, find a red flag. No next plan.
2. **REGRESS** on a flare. A flare is either

   - *sustained*: daily pain (the mean of that day's pain logs) at least
     :data:`FLARE_RISE_POINTS` above the personal baseline on at least :data:`FLARE_MIN_DAYS`
     consecutive calendar days, at least one of them in the week (the day before the week
     counts too, so a flare across the weekend is not split in two); or
   - *after a walk*: a walk whose ``pain_after`` is at least :data:`FLARE_RISE_POINTS` above
     its ``pain_before`` (or above the personal baseline when ``pain_before`` is unknown), and
     pain on the next day (that day's logs, else the ``pain_before`` of its first walk) is
     still that high: the walk left pain clearly worse the next day.

   The personal baseline is the lower of the screening pain and the mean pain of the most
   recent reviewed week without a flare, so a person whose pain has improved is protected
   from a return to their old level too. The plan steps back :data:`FLARE_REGRESS_LEVELS`
   level, or :data:`REPEATED_FLARE_REGRESS_LEVELS` when this is at least the
   :data:`REPEATED_FLARES`-th flare in :data:`REPEATED_FLARE_WINDOW_WEEKS` weeks, which also
   adds the advice to see a clinician. A flare never progresses the plan.
3. **REGRESS** on a missed week (less than :data:`MISSED_WEEK_SHARE` of the planned minutes):
   the plan restarts at the level of the last week whose goal was met (at most one below the
   missed one; one below the program's first level if none was met), one more level lower for
   each further missed week in a row.
4. **HOLD** when pain during or after a walk went above :data:`ACCEPTABLE_WALKING_PAIN`, or
   the goal was not met. The goal is met when the minutes done reach :data:`GOAL_MET_SHARE`
   of the plan and the planned number of walking days each had a walk of at least
   :data:`GOAL_MET_SHARE` of the shortest planned session: one long walk never makes up for
   missed days.
5. **PROGRESS** one level otherwise (HOLD at the top level: the full program continues).

Only a week that has ended is judged: given ``today``, :func:`review_week` refuses a week
until :func:`first_review_date` (the day after its last day), because days that have not
happened yet would otherwise count as days without a walk and cut the next plan.

The consistency score (0-1) is the share of planned walking days that were active (at least
:data:`ACTIVE_DAY_MIN_MINUTES`, or the shortest planned session if shorter) times a spread
factor that falls from 1 by a fifth for each rest day in a row beyond
:data:`MAX_REST_GAP_DAYS`: five spread walking days score 1, one long walk about 0.16.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backstride.exceptions import InvalidInputError
from backstride.program._common import (
    day_name,
    local_date,
    minutes_walked,
    num,
    plural,
    unique_walks,
)
from backstride.program.constants import (
    ACCEPTABLE_WALKING_PAIN,
    ACTIVE_DAY_MIN_MINUTES,
    FLARE_MIN_DAYS,
    FLARE_REGRESS_LEVELS,
    FLARE_RISE_POINTS,
    GOAL_MET_SHARE,
    MAX_REST_GAP_DAYS,
    MISSED_WEEK_SHARE,
    MODERATE_CADENCE_SPM,
    REPEATED_FLARE_REGRESS_LEVELS,
    REPEATED_FLARE_WINDOW_WEEKS,
    REPEATED_FLARES,
)
from backstride.program.exercises import CORE_EXERCISE_NAMES, LAST_CORE_STAGE
from backstride.program.instruments import Instrument
from backstride.program.prescription import (
    LEVELS,
    TOP_LEVEL,
    WeekPlan,
    plan_for_week,
)
from backstride.program.screening import Baseline, check_red_flags
from backstride.walks import Walk

DAYS_IN_WEEK = 7
FLARE_TOPIC = "flare_first_aid"
FLARE_TOPIC_AGAIN = "pacing"
RESTART_TOPIC = "getting_back_on_track"
SEE_CLINICIAN = (
    "Please see a clinician (a physiotherapist or your GP) to look at your back and your plan."
)
SAFETY_NOT_ASKED = (
    "The safety questions were not answered at this review; please answer them every week."
)


class Decision(StrEnum):
    """What the review decides for next week."""

    PROGRESS = "progress"
    HOLD = "hold"
    REGRESS = "regress"
    STOP = "stop"


def _check_score(score: Any) -> float:
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 10:
        raise InvalidInputError(f"Pain must be a number from 0 to 10; got {score!r}.")
    return float(score)


def _check_when(when: Any) -> None:
    if isinstance(when, dt.datetime) and when.tzinfo is None:
        raise InvalidInputError("A logged time must be time-zone aware; add the time zone.")
    if not isinstance(when, dt.date):
        raise InvalidInputError(f"A log needs a date or a time-zone aware time; got {when!r}.")


@dataclass(frozen=True)
class PainLog:
    """Pain the person logged (0-10) on a local date or at a time-zone aware time."""

    when: dt.date | dt.datetime
    score: float
    note: str | None = None

    def __post_init__(self) -> None:
        _check_when(self.when)
        _check_score(self.score)


def _exercise_key(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name.strip().casefold())


_EXERCISES = {_exercise_key(name): name for name in CORE_EXERCISE_NAMES}


@dataclass(frozen=True)
class CoreLog:
    """A core exercise the person logged.

    Attributes
    ----------
    when
        Local date or time-zone aware time.
    exercise
        One of :data:`~backstride.program.exercises.CORE_EXERCISE_NAMES` (spelling of spaces,
        hyphens, underscores and case is free: ``side_plank`` is ``side plank``).
    sets, reps, seconds
        What was done; ``reps`` or ``seconds`` may be unknown.
    """

    when: dt.date | dt.datetime
    exercise: str
    sets: int = 1
    reps: int | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        _check_when(self.when)
        if not isinstance(self.exercise, str) or _exercise_key(self.exercise) not in _EXERCISES:
            raise InvalidInputError(
                f"Unknown core exercise {self.exercise!r}; expected one of "
                f"{', '.join(CORE_EXERCISE_NAMES)}."
            )
        object.__setattr__(self, "exercise", _EXERCISES[_exercise_key(self.exercise)])
        if isinstance(self.sets, bool) or not isinstance(self.sets, int) or self.sets < 1:
            raise InvalidInputError(f"Sets must be a whole number of at least 1; got {self.sets}.")
        if self.reps is not None and (
            isinstance(self.reps, bool) or not isinstance(self.reps, int) or self.reps < 0
        ):
            raise InvalidInputError(
                f"Repetitions must be a whole number of 0 or more; got {self.reps}."
            )
        if self.seconds is not None and (
            isinstance(self.seconds, bool)
            or not isinstance(self.seconds, int | float)
            or not 0 <= self.seconds < 3600
        ):
            raise InvalidInputError(f"Seconds must be between 0 and 3600; got {self.seconds}.")


@dataclass(frozen=True)
class Flare:
    """A detected pain flare.

    Attributes
    ----------
    kind
        ``"sustained"`` (a rise lasting days) or ``"after_walk"`` (a walk left pain worse the
        next day).
    days
        The local dates involved.
    description
        What was seen, in plain words.
    """

    kind: str
    days: tuple[dt.date, ...]
    description: str


@dataclass(frozen=True)
class PainSummary:
    """Pain during the week.

    Attributes
    ----------
    days_logged
        Days of the week with a pain log.
    mean
        Mean of the daily pain (None when nothing was logged).
    baseline
        Pain at screening.
    personal_baseline
        The level flares are measured against (see the module docstring).
    change_vs_baseline
        ``mean`` minus the screening pain.
    slope_per_week
        Least-squares trend of daily pain over the week, points per week (None under 2 days).
    highest_after_walk
        Highest ``pain_after`` of the week's walks.
    """

    days_logged: int
    mean: float | None
    baseline: float
    personal_baseline: float
    change_vs_baseline: float | None
    slope_per_week: float | None
    highest_after_walk: float | None


@dataclass(frozen=True)
class WeekReview:
    """The review of one program week.

    Attributes
    ----------
    week, start_date, end_date
        Which week (local dates, inclusive).
    plan
        The plan that was reviewed.
    prescribed_minutes, done_minutes
        Planned and walked minutes.
    prescribed_sessions, sessions_done
        Planned walking days, and days with a walk of at least :data:`GOAL_MET_SHARE` of the
        shortest planned session.
    walks
        Walks recorded in the week (segments count separately).
    active_days
        Days with at least :data:`ACTIVE_DAY_MIN_MINUTES` of walking (or the shortest
        planned session, if shorter).
    moderate_minutes, measured_minutes
        Minutes at moderate pace or faster (cadence at least 100 steps/min) and the minutes of
        the walks where that was measured; None when no walk measured it.
    consistency
        0-1 (see the module docstring).
    longest_rest_gap_days
        The most days in a row without an active day.
    pain
        The week's pain.
    flares
        Flares found (empty when none).
    recent_flares
        Weeks with a flare among the last :data:`REPEATED_FLARE_WINDOW_WEEKS` (this included).
    missed, goal_met
        Whether the week counts as missed, and whether its goal was met.
    core_days_planned, core_days_done
        Core sessions planned and days with any core exercise logged.
    red_flags
        Safety items answered "yes" at this review.
    decision
        PROGRESS, HOLD, REGRESS or STOP.
    reasons
        Why, in plain sentences (never empty); the decision first, then the facts.
    advice
        Advice beyond the plan (seek care, see a clinician).
    next_plan
        Next week's plan (None on STOP).
    """

    week: int
    start_date: dt.date
    end_date: dt.date
    plan: WeekPlan
    prescribed_minutes: int
    done_minutes: float
    prescribed_sessions: int
    sessions_done: int
    walks: int
    active_days: int
    moderate_minutes: float | None
    measured_minutes: float | None
    consistency: float
    longest_rest_gap_days: int
    pain: PainSummary
    flares: tuple[Flare, ...]
    recent_flares: int
    missed: bool
    goal_met: bool
    core_days_planned: int
    core_days_done: int
    red_flags: tuple[str, ...]
    decision: Decision
    reasons: tuple[str, ...]
    advice: tuple[str, ...]
    next_plan: WeekPlan | None

    @property
    def flare(self) -> bool:
        """Whether a flare was found this week."""
        return bool(self.flares)


# -- Pieces of the review -------------------------------------------------------------------


def _longest_gap(active: Sequence[bool]) -> int:
    longest = run = 0
    for is_active in active:
        run = 0 if is_active else run + 1
        longest = max(longest, run)
    return longest


def consistency_score(active: Sequence[bool], planned_days: int) -> tuple[float, int]:
    """Consistency of a week (0-1) and its longest run of rest days.

    Parameters
    ----------
    active
        For each day of the week in order, whether it was an active walking day.
    planned_days
        Walking days the plan asked for.

    Returns
    -------
    tuple
        ``(score, longest_gap)``: the share of planned days that were active (capped at 1)
        times ``1 - max(0, longest_gap - MAX_REST_GAP_DAYS) / (7 - MAX_REST_GAP_DAYS)``.
    """
    gap = _longest_gap(active)
    days_share = min(sum(active), planned_days) / planned_days if planned_days else 0.0
    spread = 1.0 - max(0, gap - MAX_REST_GAP_DAYS) / (len(active) - MAX_REST_GAP_DAYS)
    return round(days_share * max(0.0, spread), 2), gap


def _daily_pain(logs: Sequence[PainLog], tz: dt.tzinfo) -> dict[dt.date, float]:
    by_day: dict[dt.date, list[float]] = {}
    for log in logs:
        if not isinstance(log, PainLog):
            raise InvalidInputError(f"Expected PainLog records; got {type(log).__name__}.")
        by_day.setdefault(local_date(log.when, tz), []).append(log.score)
    return {day: sum(values) / len(values) for day, values in by_day.items()}


def _slope_per_week(points: Sequence[tuple[int, float]]) -> float | None:
    if len(points) < 2:
        return None
    xs = [float(x) for x, _ in points]
    ys = [y for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return round(cov / var * DAYS_IN_WEEK, 2)


def _personal_baseline(baseline: Baseline, history: Sequence[WeekReview]) -> float:
    for past in reversed(history):
        if not past.flares and past.pain.mean is not None:
            return min(baseline.pain_0_10, past.pain.mean)
    return baseline.pain_0_10


def _sustained_flares(
    daily: Mapping[dt.date, float], days: Sequence[dt.date], personal: float
) -> list[Flare]:
    threshold = personal + FLARE_RISE_POINTS
    window = [days[0] - dt.timedelta(days=1), *days]
    flares, run = [], []
    for day in [*window, None]:  # None closes the last run
        if day is not None and daily.get(day, -1.0) >= threshold:
            run.append(day)
            continue
        if len(run) >= FLARE_MIN_DAYS and any(d in days for d in run):
            values = ", ".join(f"{day_name(d)}: {num(daily[d])}" for d in run)
            flares.append(
                Flare(
                    kind="sustained",
                    days=tuple(run),
                    description=(
                        f"Your pain was {FLARE_RISE_POINTS} or more points above your usual "
                        f"level ({num(personal)}/10) on {len(run)} days in a row ({values})."
                    ),
                )
            )
        run = []
    return flares


def _next_day_pain(
    day: dt.date, daily: Mapping[dt.date, float], walks_by_day: Mapping[dt.date, list[Walk]]
) -> float | None:
    following = day + dt.timedelta(days=1)
    if following in daily:
        return daily[following]
    for walk in walks_by_day.get(following, []):
        if walk.pain_before is not None:
            return walk.pain_before
    return None


def _walk_flares(
    walks: Sequence[Walk],
    daily: Mapping[dt.date, float],
    walks_by_day: Mapping[dt.date, list[Walk]],
    personal: float,
    tz: dt.tzinfo,
) -> tuple[list[Flare], list[dt.date]]:
    """Flares after walks, and days of worse-after walks whose next day is unknown."""
    flares, unknown = [], []
    for walk in walks:
        if walk.pain_after is None:
            continue
        reference = walk.pain_before if walk.pain_before is not None else personal
        if walk.pain_after < reference + FLARE_RISE_POINTS:
            continue
        day = local_date(walk.start, tz)
        following = _next_day_pain(day, daily, walks_by_day)
        if following is None:
            unknown.append(day)
            continue
        if following < reference + FLARE_RISE_POINTS:
            continue
        before = "before the walk" if walk.pain_before is not None else "your usual level"
        flares.append(
            Flare(
                kind="after_walk",
                days=(day, day + dt.timedelta(days=1)),
                description=(
                    f"Your walk on {day_name(day)} left your pain at {num(walk.pain_after)}/10, "
                    f"{num(walk.pain_after - reference)} points above {before}, and it was "
                    f"still {num(following)}/10 the next day."
                ),
            )
        )
    return flares, unknown


def _restart_level(plan: WeekPlan, history: Sequence[WeekReview]) -> int:
    consecutive = 1
    for past in reversed(history):
        if past.week == plan.week - consecutive and past.missed:
            consecutive += 1
        else:
            break
    met = [past.plan.level for past in history if past.goal_met]
    first_level = history[0].plan.level if history else plan.level
    managed = met[-1] if met else first_level - 1
    return max(0, min(plan.level - 1, managed) - (consecutive - 1))


# -- The review -----------------------------------------------------------------------------


def _weekday_date(day: dt.date) -> str:
    """``Mon 2024-05-20``: the weekday for the person, the ISO date for no doubt."""
    return f"{day_name(day).split()[0]} {day.isoformat()}"


def first_review_date(plan: WeekPlan) -> dt.date:
    """The first local date on which ``plan``'s week can be reviewed: the day after its end."""
    return plan.end_date + dt.timedelta(days=1)


def check_week_ended(plan: WeekPlan, today: dt.date) -> None:
    """Refuse, in one sentence, to review ``plan``'s week before it has ended.

    A review judges the whole week: on or before its last day, the days still to come would
    count as days without a walk (a missed week, a long rest gap) and cut the next plan.

    Parameters
    ----------
    plan
        The week's plan.
    today
        The person's local date.

    Raises
    ------
    InvalidInputError
        ``today`` is not a date, or it is not after the week's last day; the message names
        the first date the week can be reviewed.
    """
    if isinstance(today, dt.datetime) or not isinstance(today, dt.date):
        raise InvalidInputError(f"The review needs today's local date (a date); got {today!r}.")
    first = first_review_date(plan)
    if today < first:
        raise InvalidInputError(
            f"Week {plan.week} has not ended yet (it runs until {_weekday_date(plan.end_date)}); "
            f"it can be reviewed from {_weekday_date(first)}."
        )


def review_week(
    plan: WeekPlan,
    walks: Sequence[Walk],
    pain_logs: Sequence[PainLog],
    core_logs: Sequence[CoreLog],
    baseline: Baseline,
    history: Sequence[WeekReview],
    red_flag_answers: Mapping[str, Any] | None = None,
    *,
    tz: dt.tzinfo,
    instruments: Mapping[str, Instrument] | None = None,
    today: dt.date | None = None,
) -> WeekReview:
    """Review one program week and plan the next.

    Parameters
    ----------
    plan
        The week's plan.
    walks
        The person's walks (any range: only those starting in the week's local dates count;
        a repeated ``source_hash`` counts once).
    pain_logs
        Pain logs (any range: the week, the day before it and the day after it are used).
    core_logs
        Core exercise logs (any range: only the week's count).
    baseline
        The person's baseline from screening.
    history
        Reviews of earlier weeks, oldest first (used for repeated flares, the personal pain
        baseline and restarts).
    red_flag_answers
        The safety questions, re-asked (``{item id: true/false}``); None if not asked.
    tz
        The person's time zone: the week is their local week.
    instruments
        Loaded instruments for the safety questions (default: the shipped ones).
    today
        The person's local date when the review is made: a week is reviewed only after its
        last day (see :func:`check_week_ended`). Give it for every new review; None skips
        the check, for replaying reviews stored when they were made.

    Returns
    -------
    WeekReview
        Prescribed vs done, consistency, pain, flares, the decision with reasons, advice and
        next week's plan.

    Raises
    ------
    InvalidInputError
        Wrong types, a history that is not of earlier weeks, a history that already stopped
        the program, invalid safety answers, or a week that has not ended by ``today``.
    """
    if not isinstance(plan, WeekPlan):
        raise InvalidInputError("The review needs the week's plan (a WeekPlan).")
    if not isinstance(baseline, Baseline):
        raise InvalidInputError("The review needs the person's baseline (a Baseline).")
    if not isinstance(tz, dt.tzinfo):
        raise InvalidInputError("The review needs the person's time zone (a tzinfo).")
    history = sorted(history, key=lambda past: past.week)
    stopped = next((past for past in history if past.decision is Decision.STOP), None)
    if stopped is not None:
        raise InvalidInputError(
            f"The program stopped for safety at week {stopped.week}; it restarts only with a "
            "new screening after a clinician has checked you."
        )
    if any(past.week >= plan.week for past in history):
        raise InvalidInputError(
            f"The history of week {plan.week}'s review must hold earlier weeks only."
        )
    if today is not None:
        check_week_ended(plan, today)

    days = [plan.start_date + dt.timedelta(days=i) for i in range(DAYS_IN_WEEK)]
    walks_by_day: dict[dt.date, list[Walk]] = {}
    for walk in unique_walks(walks):
        walks_by_day.setdefault(local_date(walk.start, tz), []).append(walk)
    week_walks = [w for day in days for w in walks_by_day.get(day, [])]
    for day_walks in walks_by_day.values():
        day_walks.sort(key=lambda walk: walk.start)
    minutes_by_day = {day: minutes_walked(walks_by_day.get(day, [])) for day in days}
    done = sum(minutes_by_day.values())

    # -- prescribed vs done
    active_threshold = min(ACTIVE_DAY_MIN_MINUTES, plan.shortest_session_minutes)
    active = [minutes_by_day[day] >= active_threshold for day in days]
    session_threshold = GOAL_MET_SHARE * plan.shortest_session_minutes
    sessions_done = sum(minutes_by_day[day] >= session_threshold for day in days)
    measured = [w for w in week_walks if w.moderate_s is not None]
    moderate = sum(w.moderate_s or 0.0 for w in measured) / 60 if measured else None
    measured_minutes = minutes_walked(measured) if measured else None
    consistency, gap = consistency_score(active, plan.days)
    missed = done < MISSED_WEEK_SHARE * plan.total_minutes
    goal_met = done >= GOAL_MET_SHARE * plan.total_minutes and sessions_done >= plan.days

    # -- pain and flares
    daily = _daily_pain(pain_logs, tz)
    personal = _personal_baseline(baseline, history)
    week_pain = [(i, daily[day]) for i, day in enumerate(days) if day in daily]
    mean_pain = sum(v for _, v in week_pain) / len(week_pain) if week_pain else None
    after = [w.pain_after for w in week_walks if w.pain_after is not None]
    pain = PainSummary(
        days_logged=len(week_pain),
        mean=None if mean_pain is None else round(mean_pain, 2),
        baseline=baseline.pain_0_10,
        personal_baseline=personal,
        change_vs_baseline=None if mean_pain is None else round(mean_pain - baseline.pain_0_10, 2),
        slope_per_week=_slope_per_week(week_pain),
        highest_after_walk=max(after) if after else None,
    )
    walk_flares, unknown_next_day = _walk_flares(week_walks, daily, walks_by_day, personal, tz)
    flares = tuple(_sustained_flares(daily, days, personal) + walk_flares)
    window_start = plan.week - REPEATED_FLARE_WINDOW_WEEKS
    recent = (1 if flares else 0) + sum(
        1 for past in history if past.week > window_start and past.flares
    )
    repeated = bool(flares) and recent >= REPEATED_FLARES
    painful_walk = pain.highest_after_walk is not None and (
        pain.highest_after_walk > ACCEPTABLE_WALKING_PAIN
    )

    # -- core exercises
    if not all(isinstance(log, CoreLog) for log in core_logs):
        raise InvalidInputError("Core exercise logs must be CoreLog records.")
    core_done = len({local_date(log.when, tz) for log in core_logs} & set(days))
    core_planned = len(plan.core_days)

    facts = _facts(plan, done, sessions_done, consistency, gap, moderate, measured_minutes, pain)
    base: dict[str, Any] = {
        "week": plan.week,
        "start_date": days[0],
        "end_date": days[-1],
        "plan": plan,
        "prescribed_minutes": plan.total_minutes,
        "done_minutes": round(done, 1),
        "prescribed_sessions": plan.days,
        "sessions_done": sessions_done,
        "walks": len(week_walks),
        "active_days": sum(active),
        "moderate_minutes": None if moderate is None else round(moderate, 1),
        "measured_minutes": None if measured_minutes is None else round(measured_minutes, 1),
        "consistency": consistency,
        "longest_rest_gap_days": gap,
        "pain": pain,
        "flares": flares,
        "recent_flares": recent,
        "missed": missed,
        "goal_met": goal_met,
        "core_days_planned": core_planned,
        "core_days_done": core_done,
    }

    # -- 1. safety
    if red_flag_answers is not None:
        safety = check_red_flags(red_flag_answers, instruments)
        if safety.stop:
            return WeekReview(
                **base,
                red_flags=safety.red_flags,
                decision=Decision.STOP,
                reasons=(
                    f"You answered yes to {_safety_questions(len(safety.labels))} ("
                    + "; ".join(safety.labels)
                    + "), so the walking program stops here.",
                    "It can restart only after a clinician has checked you and you have been "
                    "screened again.",
                    *facts,
                ),
                advice=(safety.advice,),
                next_plan=None,
            )
    advice: list[str] = [] if red_flag_answers is not None else [SAFETY_NOT_ASKED]

    # -- 2-5. flare, missed week, pain while walking, goal
    reasons: list[str] = []
    topic: str | None = None
    plan_note = ""
    level = plan.level
    if flares:
        steps = REPEATED_FLARE_REGRESS_LEVELS if repeated else FLARE_REGRESS_LEVELS
        level = max(0, plan.level - steps)
        reasons.extend(flare.description for flare in flares)
        reasons.append(
            "That is a flare, so next week's plan steps back to let your back settle; the plan "
            "never moves up during a flare."
        )
        if repeated:
            reasons.append(
                f"This is flare number {recent} in the last {REPEATED_FLARE_WINDOW_WEEKS} weeks, "
                f"so the plan steps back {plural(steps, 'level')} instead of one."
            )
            advice.append(
                f"You have had {recent} flares in the last {REPEATED_FLARE_WINDOW_WEEKS} weeks. "
                + SEE_CLINICIAN
            )
        plan_note = (
            "A step back from last week so that a flare can settle; the plan moves up again "
            "after a week that goes well."
        )
        topic = FLARE_TOPIC_AGAIN if plan.education.id == FLARE_TOPIC else FLARE_TOPIC
    if missed:
        restart = _restart_level(plan, history)
        if not flares:
            topic = RESTART_TOPIC
        reasons.append(
            f"You walked {num(done, 0)} of {plan.total_minutes} planned minutes, less than "
            f"{_share(MISSED_WEEK_SHARE)} of the plan, so it restarts gently at a level you "
            "managed before."
        )
        level = min(level, restart)
        if not flares:
            plan_note = "A gentle restart, at a level you managed before, after a quiet week."
    if flares or missed:
        decision = Decision.REGRESS
        if level == plan.level:
            reasons.append(
                "This is already the gentlest level, so the walks stay this short: do what is "
                "comfortable."
            )
    elif painful_walk:
        decision = Decision.HOLD
        reasons.append(
            f"Your pain during or after a walk went above {ACCEPTABLE_WALKING_PAIN}/10 (highest "
            f"{num(pain.highest_after_walk or 0)}/10), so next week keeps the same plan instead "
            "of moving up."
        )
        plan_note = (
            f"The same as last week, because pain while walking went above "
            f"{ACCEPTABLE_WALKING_PAIN}/10."
        )
    elif goal_met and plan.level < TOP_LEVEL:
        decision = Decision.PROGRESS
        level = plan.level + 1
        reasons.append(
            "You did this week's plan and your pain stayed settled, so next week moves up one step."
        )
        plan_note = (
            "One step up from last week: you did last week's plan and your pain was settled."
        )
    elif goal_met:
        decision = Decision.HOLD
        reasons.append(
            "You did this week's plan, which is the full program: keep it going as it is."
        )
        plan_note = "The full program continues as it is."
    else:
        decision = Decision.HOLD
        plan_note = "The same as last week, so that you can do all of it before moving up."
        if sessions_done < plan.days:
            reasons.append(
                f"You did {sessions_done} of the {plan.days} planned walks (a walking day "
                "counts when its walk is close to the planned length; regular days matter "
                "more than total minutes), so next week keeps the same plan."
            )
        else:
            reasons.append(
                f"You walked {num(done, 0)} of {plan.total_minutes} planned minutes: close, but "
                "not quite the plan, so next week keeps the same plan."
            )
    for day in unknown_next_day:
        reasons.append(
            f"Your pain after the walk on {day_name(day)} was clearly higher than before; log "
            "your pain the next morning so the plan can tell whether it settled."
        )

    # -- core stage: down on a flare, up one stage when every session was done and all is well
    core_stage = plan.core_stage
    if flares:
        core_stage = max(0, core_stage - 1)
    elif core_done >= core_planned and not missed and not painful_walk:
        core_stage = min(LAST_CORE_STAGE, core_stage + 1)
    if core_stage > plan.core_stage:
        reasons.append(f"You did your core exercises on {core_done} days, so they move up a stage.")
    elif core_stage < plan.core_stage:
        reasons.append("The core exercises step back a stage while the flare settles.")
    elif core_done < core_planned:
        reasons.append(
            f"You did your core exercises on {core_done} of {core_planned} planned days; they "
            "stay at the same stage."
        )

    next_plan = plan_for_week(
        baseline,
        plan.program_start,
        plan.week + 1,
        level,
        core_stage=core_stage,
        topic_id=topic,
        notes=(plan_note,),
    )
    reasons.append(f"Next week: {LEVELS[level].describe()}.")
    return WeekReview(
        **base,
        red_flags=(),
        decision=decision,
        reasons=(*reasons, *facts),
        advice=tuple(advice),
        next_plan=next_plan,
    )


def _safety_questions(count: int) -> str:
    return "a safety question" if count == 1 else f"{count} safety questions"


def _share(share: float) -> str:
    return {0.5: "half"}.get(share, f"{share:.0%}")


def _facts(
    plan: WeekPlan,
    done: float,
    sessions_done: int,
    consistency: float,
    gap: int,
    moderate: float | None,
    measured: float | None,
    pain: PainSummary,
) -> list[str]:
    facts = [
        f"This week you walked {num(done, 0)} of {plan.total_minutes} planned minutes and did "
        f"{sessions_done} of {plan.days} planned walks (consistency {consistency:.2f} of 1"
        + (f"; {gap} days in a row without a walk)." if gap > MAX_REST_GAP_DAYS else ").")
    ]
    if moderate is not None and measured is not None:
        facts.append(
            f"Of {num(measured, 0)} measured minutes, {num(moderate, 0)} were at a moderate pace "
            f"or faster (at least {MODERATE_CADENCE_SPM} steps/min)."
        )
    if pain.mean is None:
        facts.append("No pain was logged this week; a daily log lets the plan spot flares early.")
    else:
        facts.append(
            f"Your pain averaged {num(pain.mean)}/10 on {plural(pain.days_logged, 'day')} "
            f"logged (your usual level: {num(pain.personal_baseline)}/10; at the start: "
            f"{num(pain.baseline)}/10)."
        )
    return facts
