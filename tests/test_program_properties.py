"""Hypothesis properties of the walking program: bounded increases, no progress in a flare,
determinism, plans within the target and reasons always given."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backstride.exceptions import InvalidInputError
from backstride.program import (
    LEVELS,
    START_LEVEL,
    TOP_LEVEL,
    Baseline,
    CoreLog,
    Decision,
    PainLog,
    Phase,
    WeekPlan,
    WeekReview,
    consistency_score,
    increase_within_bounds,
    initial_plan,
    load_instruments,
    plan_for_week,
    review_week,
)
from backstride.program import constants as c
from backstride.walks import Walk

TZ = ZoneInfo("Europe/Berlin")
START = dt.date(2025, 10, 20)  # Central European Summer Time ends on 26 October 2025
RED_FLAG_IDS = [item.id for item in load_instruments()["red_flags"].items]
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

baselines = st.builds(
    Baseline,
    pain_0_10=st.integers(0, 10).map(float),
    minutes_per_day=st.integers(0, 150).map(float),
    days_per_week=st.integers(0, 7).map(float),
)


@dataclass(frozen=True)
class Behaviour:
    """What a simulated walker does in one week."""

    shares: tuple[float, ...]  # share of each planned session walked (0 = skipped)
    extra_long_walk: int  # minutes of one extra walk on Wednesday (0 = none)
    pain: tuple[int | None, ...]  # pain logged each day (None = not logged)
    walk_pain: tuple[tuple[int, int] | None, ...]  # (before, after) for each walk
    core_days: int
    red_flag: str | None


def _red_flag(i: int) -> str | None:
    return RED_FLAG_IDS[i] if i < len(RED_FLAG_IDS) else None


random_weeks = st.builds(
    Behaviour,
    shares=st.tuples(*[st.sampled_from([0.0, 0.4, 0.9, 1.0, 1.0, 1.0, 1.5])] * 5),
    extra_long_walk=st.sampled_from([0, 0, 0, 60, 120]),
    pain=st.tuples(*[st.one_of(st.none(), st.integers(0, 10))] * 7),
    walk_pain=st.tuples(
        *[st.one_of(st.none(), st.none(), st.tuples(st.integers(0, 10), st.integers(0, 10)))] * 5
    ),
    core_days=st.integers(0, 3),
    red_flag=st.integers(0, 399).map(_red_flag),  # about one week in 25
)
# Weeks done as planned with low pain, so that simulations also climb the ladder.
good_weeks = st.builds(
    Behaviour,
    shares=st.just((1.0,) * 5),
    extra_long_walk=st.just(0),
    pain=st.tuples(*[st.one_of(st.none(), st.integers(0, 1))] * 7),
    walk_pain=st.just((None,) * 5),
    core_days=st.just(3),
    red_flag=st.just(None),
)
behaviours = st.one_of(good_weeks, random_weeks)


def inputs(plan: WeekPlan, b: Behaviour) -> tuple[list[Walk], list[PainLog], list[CoreLog]]:
    walks = []
    for i, session in enumerate(plan.sessions):
        share = b.shares[i % len(b.shares)]
        if share == 0:
            continue
        start = dt.datetime.combine(session.date, dt.time(7, 30), TZ)
        minutes = session.minutes * share
        pain = b.walk_pain[i % len(b.walk_pain)]
        walks.append(
            Walk(
                start=start,
                end=start + dt.timedelta(minutes=minutes),
                source="sim",
                source_hash=f"{start.isoformat()}:{i}",
                duration_s=minutes * 60,
                pain_before=None if pain is None else pain[0],
                pain_after=None if pain is None else pain[1],
            )
        )
    if b.extra_long_walk:
        start = dt.datetime.combine(plan.start_date + dt.timedelta(days=2), dt.time(13), TZ)
        walks.append(
            Walk(
                start=start,
                end=start + dt.timedelta(minutes=b.extra_long_walk),
                source="sim",
                source_hash=f"{start.isoformat()}:long",
            )
        )
    pain_logs = [
        PainLog(dt.datetime.combine(plan.start_date + dt.timedelta(days=i), dt.time(21), TZ), v)
        for i, v in enumerate(b.pain)
        if v is not None
    ]
    core = [
        CoreLog(plan.start_date + dt.timedelta(days=offset), "plank", sets=3, seconds=10)
        for offset in plan.core_days[: b.core_days]
    ]
    return walks, pain_logs, core


def flags(b: Behaviour) -> dict[str, bool]:
    return {item: item == b.red_flag for item in RED_FLAG_IDS}


def simulate(baseline: Baseline, weeks: list[Behaviour]) -> list[WeekReview]:
    plan = initial_plan(baseline, START)
    history: list[WeekReview] = []
    walks_so_far: list[Walk] = []
    pain_so_far: list[PainLog] = []
    for behaviour in weeks:
        walks, pain, core = inputs(plan, behaviour)
        walks_so_far += walks
        pain_so_far += pain
        args: tuple[Any, ...] = (plan, walks_so_far, pain_so_far, core, baseline, history)
        result = review_week(*args, flags(behaviour), tz=TZ)
        # Deterministic: the same inputs give an equal review (and so an equal next plan).
        assert review_week(*args, flags(behaviour), tz=TZ) == result
        history.append(result)
        if result.next_plan is None:
            break
        plan = result.next_plan
    return history


def check_review(result: WeekReview) -> None:
    plan, following = result.plan, result.next_plan
    assert result.reasons, "a decision always has reasons"
    for reason in result.reasons:
        assert isinstance(reason, str) and reason.strip() and reason.endswith("."), reason
        assert "\n" not in reason
    assert 0.0 <= result.consistency <= 1.0
    if result.red_flags:
        assert result.decision is Decision.STOP and following is None and result.advice
        return
    assert result.decision is not Decision.STOP and following is not None
    # The bounded weekly increase, whatever happened.
    assert increase_within_bounds(plan, following)
    assert following.total_minutes - plan.total_minutes <= c.MAX_WEEKLY_INCREASE_MINUTES
    assert following.total_minutes <= c.TARGET_WEEKLY_MINUTES
    assert following.longest_session_minutes <= c.TARGET_SESSION_MINUTES
    assert following.week == plan.week + 1
    assert following.start_date == plan.start_date + dt.timedelta(days=7)
    # Never progress during a flare: a flare always steps back (unless at the bottom).
    if result.flare:
        assert result.decision is Decision.REGRESS
        assert following.level < plan.level or plan.level == 0
        assert following.core_stage <= plan.core_stage
        assert following.total_minutes <= plan.total_minutes
    if result.missed:
        assert result.decision is Decision.REGRESS
        assert following.level < plan.level or plan.level == 0
    if result.decision is Decision.PROGRESS:
        assert result.goal_met and not result.flare and not result.missed
        assert following.level == plan.level + 1
    if result.decision is Decision.HOLD:
        assert following.level == plan.level
    if result.recent_flares >= c.REPEATED_FLARES and result.flare:
        assert any("clinician" in advice for advice in result.advice)


@SETTINGS
@given(baseline=baselines, weeks=st.lists(behaviours, min_size=1, max_size=10))
def test_simulated_programs_respect_every_rule(baseline: Baseline, weeks: list[Behaviour]) -> None:
    history = simulate(baseline, weeks)
    assert history
    for result in history:
        check_review(result)
    # No review follows a stop.
    assert all(r.decision is not Decision.STOP for r in history[:-1])


@SETTINGS
@given(baseline=baselines, days=st.integers(0, 6), hour=st.integers(0, 23))
def test_a_flare_never_progresses_even_when_everything_was_walked(
    baseline: Baseline, days: int, hour: int
) -> None:
    plan = initial_plan(baseline, START)
    walks = []
    for session in plan.sessions:
        start = dt.datetime.combine(session.date, dt.time(hour), TZ)
        walks.append(
            Walk(
                start=start,
                end=start + dt.timedelta(minutes=session.minutes),
                source="sim",
                source_hash=start.isoformat(),
                duration_s=session.minutes * 60,
            )
        )
    high = min(10.0, baseline.pain_0_10 + c.FLARE_RISE_POINTS)
    flare_day = plan.start_date + dt.timedelta(days=min(days, 5))
    pain = [
        PainLog(flare_day, high),
        PainLog(flare_day + dt.timedelta(days=1), high),
    ]
    result = review_week(plan, walks, pain, [], baseline, [], None, tz=TZ)
    if baseline.pain_0_10 + c.FLARE_RISE_POINTS <= 10:
        assert result.flare and result.goal_met
        assert result.decision is Decision.REGRESS
    check_review(result)


@SETTINGS
@given(baseline=baselines, week=st.integers(1, 30), offset=st.integers(-10, 30))
def test_a_week_is_judged_only_after_its_last_day(
    baseline: Baseline, week: int, offset: int
) -> None:
    """Refused up to and on the last day, naming the next day; after it, the usual review."""
    plan = plan_for_week(baseline, START, week, START_LEVEL)
    today = plan.start_date + dt.timedelta(days=offset)
    if today <= plan.end_date:
        with pytest.raises(InvalidInputError, match="has not ended yet") as refused:
            review_week(plan, [], [], [], baseline, [], None, tz=TZ, today=today)
        first = (plan.end_date + dt.timedelta(days=1)).isoformat()
        assert str(refused.value).endswith(f"it can be reviewed from Mon {first}.")
    else:
        result = review_week(plan, [], [], [], baseline, [], None, tz=TZ, today=today)
        assert result == review_week(plan, [], [], [], baseline, [], None, tz=TZ)
        assert result.decision is Decision.REGRESS and result.missed  # nothing was walked


@SETTINGS
@given(baseline=baselines, levels=st.lists(st.integers(0, TOP_LEVEL), min_size=2, max_size=6))
def test_plans_are_deterministic_and_within_the_target(
    baseline: Baseline, levels: list[int]
) -> None:
    for week, level in enumerate(levels, start=1):
        plan = plan_for_week(baseline, START, week, level, core_stage=week % 5)
        assert plan == plan_for_week(baseline, START, week, level, core_stage=week % 5)
        assert plan.total_minutes == LEVELS[level].weekly_minutes <= c.TARGET_WEEKLY_MINUTES
        assert plan.longest_session_minutes <= c.TARGET_SESSION_MINUTES
        assert c.MIN_DAYS_PER_WEEK <= plan.days <= c.TARGET_DAYS_PER_WEEK
        assert len({s.day_offset for s in plan.sessions}) == plan.days
        for session in plan.sessions:
            assert sum(session.segments_min) == session.minutes
            if plan.phase is Phase.BUILD:  # beginners' segments belong to the build
                longest = max(c.SEGMENT_MINUTES, baseline.minutes_per_day)
                assert max(session.segments_min) <= longest
            else:
                assert session.segments_min == (session.minutes,)
            assert 0 <= session.day_offset < 7
        # One step up the ladder stays within the bounded increase.
        if level < TOP_LEVEL:
            up = plan_for_week(baseline, START, week + 1, level + 1)
            assert increase_within_bounds(plan, up)


@SETTINGS
@given(baseline=baselines)
def test_the_first_plan_never_asks_more_than_the_person_does_now(baseline: Baseline) -> None:
    plan = initial_plan(baseline, START)
    assert plan == initial_plan(baseline, START)
    assert plan.level >= START_LEVEL
    assert plan.total_minutes <= max(baseline.weekly_minutes, c.START_WEEKLY_MINUTES)
    assert plan.total_minutes >= c.START_WEEKLY_MINUTES


@SETTINGS
@given(active=st.lists(st.booleans(), min_size=7, max_size=7), planned=st.integers(3, 5))
def test_an_extra_walking_day_never_lowers_consistency(active: list[bool], planned: int) -> None:
    score, _ = consistency_score(active, planned)
    assert 0.0 <= score <= 1.0
    for i, is_active in enumerate(active):
        if not is_active:
            more = [*active[:i], True, *active[i + 1 :]]
            assert consistency_score(more, planned)[0] >= score


@SETTINGS
@given(
    value=st.one_of(st.integers(-50, 50), st.floats(allow_nan=True), st.text("abc019 ", max_size=3))
)
def test_pain_answers_outside_0_to_10_are_refused_in_one_sentence(value: Any) -> None:
    pain = load_instruments()["pain_nrs"]
    valid = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value == value  # not NaN
        and 0 <= value <= 10
        and float(value).is_integer()
    )
    if valid:
        assert pain.score({"average_last_week": value}).total == value
    else:
        with pytest.raises(InvalidInputError) as caught:
            pain.score({"average_last_week": value})
        message = str(caught.value)
        assert message.endswith(".") and "\n" not in message
        assert re.search(r"[.!?]\s+[A-Z]", message[:-1]) is None, message


@SETTINGS
@given(ratings=st.lists(st.integers(0, 10), min_size=3, max_size=5))
def test_psfs_is_the_mean_of_the_ratings(ratings: list[int]) -> None:
    psfs = load_instruments()["psfs"]
    activities = [{"activity": f"activity {i}", "rating": r} for i, r in enumerate(ratings)]
    score = psfs.score({"activities": activities})
    assert score.total == pytest.approx(sum(ratings) / len(ratings))
    assert 0 <= score.total <= 10
