"""Tests of the walking program (screening, prescription, review, education): pure functions."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backstride.exceptions import InputNotFoundError, InvalidInputError
from backstride.program import (
    FULL_DOSE_LEVEL,
    LEVELS,
    START_LEVEL,
    TOP_LEVEL,
    TOPIC_ORDER,
    TOPICS,
    Baseline,
    CoreLog,
    Decision,
    PainLog,
    Phase,
    WeekPlan,
    WeekReview,
    check_red_flags,
    consistency_score,
    core_exercises,
    get_topic,
    initial_plan,
    load_instruments,
    measured_walking,
    parse_instrument,
    plan_for_week,
    psfs_change,
    review_week,
    screen,
    start_level,
    topic_for_week,
)
from backstride.program import constants as c
from backstride.walks import Walk

from messages import assert_one_sentence

LONDON = ZoneInfo("Europe/London")
START = dt.date(2025, 3, 3)  # a Monday; British Summer Time starts on Sunday 30 March 2025


def raises_one_sentence(match: str | None = None) -> Any:
    return pytest.raises(InvalidInputError, match=match)


# -- helpers ----------------------------------------------------------------------------------


def red_flag_answers(**yes: bool) -> dict[str, bool]:
    answers = {item.id: False for item in load_instruments()["red_flags"].items}
    for key, value in yes.items():
        assert key in answers, key
        answers[key] = value
    return answers


def answers(pain: Any = 3, days: Any = 3, minutes: Any = 20, **red: bool) -> dict[str, Any]:
    return {
        "red_flags": red_flag_answers(**red),
        "pain_nrs": {"average_last_week": pain},
        "psfs": {
            "activities": [
                {"activity": "sitting through a film", "rating": 4},
                {"activity": "carrying the shopping home", "rating": 5},
                {"activity": "gardening for an hour", "rating": 3},
            ]
        },
        "walking_now": {"days_per_week": days, "minutes_per_day": minutes},
    }


def walk(
    day: dt.date,
    minutes: float,
    *,
    hour: int = 18,
    tz: dt.tzinfo = LONDON,
    pain_before: float | None = None,
    pain_after: float | None = None,
    moderate_share: float | None = 0.8,
    tag: str = "",
) -> Walk:
    start = dt.datetime.combine(day, dt.time(hour), tz)
    return Walk(
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        source="test",
        source_hash=f"{start.isoformat()}|{minutes}|{tag}",
        duration_s=minutes * 60,
        moderate_s=None if moderate_share is None else minutes * 60 * moderate_share,
        pain_before=pain_before,
        pain_after=pain_after,
    )


def follow(plan: WeekPlan, skip: Iterable[int] = (), share: float = 1.0) -> list[Walk]:
    """Walks doing the plan's sessions (except positions in ``skip``) at ``share`` length."""
    return [
        walk(session.date, session.minutes * share)
        for i, session in enumerate(plan.sessions)
        if i not in set(skip)
    ]


def pain_week(plan: WeekPlan, values: Sequence[float]) -> list[PainLog]:
    return [PainLog(plan.start_date + dt.timedelta(days=i), v) for i, v in enumerate(values)]


def core_done(plan: WeekPlan) -> list[CoreLog]:
    return [
        CoreLog(plan.start_date + dt.timedelta(days=offset), name, sets=2)
        for offset in plan.core_days
        for name in ("glute bridge", "bird-dog", "plank", "side plank")
    ]


BASELINE = Baseline(pain_0_10=3, minutes_per_day=20, days_per_week=3)


# -- instruments ------------------------------------------------------------------------------


def test_shipped_instruments_are_the_free_ones() -> None:
    instruments = load_instruments()
    assert set(instruments) == {"red_flags", "pain_nrs", "psfs", "walking_now"}
    for instrument in instruments.values():
        assert instrument.licence and instrument.sources
        assert "free" in instrument.licence.lower() or "public domain" in instrument.licence
    red = instruments["red_flags"]
    assert {level.id for level in red.urgency_levels} == {"emergency", "seek_care_now", "urgent"}
    assert all(item.urgency is not None for item in red.items)
    emergency = {item.id for item in red.items if item.urgency == "emergency"}
    assert {"saddle_numbness", "bladder_control", "bowel_control"} <= emergency


START_BACK = {
    "schema": "backstride-instrument/1",
    "id": "start_back",
    "title": "Keele STarT Back Screening Tool (clinic licence)",
    "version": "test",
    "licence": "Copyright Keele University; used under the clinic's own licence. Test fixture, "
    "not shipped with BackStride; the item wording is left out here on purpose.",
    "sources": ["BackStride EVIDENCE.md section 3 (STarT Back scoring)"],
    "items": [
        *(
            {
                "id": f"q{i}",
                "text": f"STarT Back item {i} (wording from the licensed form).",
                "answer": {
                    "type": "choice",
                    "options": [
                        {"value": "disagree", "score": 0},
                        {"value": "agree", "score": 1},
                    ],
                },
            }
            for i in range(1, 9)
        ),
        {
            "id": "q9",
            "text": "STarT Back item 9 (wording from the licensed form).",
            "answer": {
                "type": "choice",
                "options": [
                    {"value": "not at all", "score": 0},
                    {"value": "slightly", "score": 0},
                    {"value": "moderately", "score": 0},
                    {"value": "very much", "score": 1},
                    {"value": "extremely", "score": 1},
                ],
            },
        },
    ],
    "scoring": {
        "method": "sum_with_subscale",
        "subscales": {"distress": ["q5", "q6", "q7", "q8", "q9"]},
    },
    "bands": [
        {"label": "low", "when": {"total": {"max": 3}}},
        {"label": "high", "when": {"total": {"min": 4}, "distress": {"min": 4}}},
        {"label": "medium", "when": {"total": {"min": 4}}},
    ],
}


@pytest.fixture
def clinic_dir(tmp_path: Path) -> Path:
    """A clinic's folder holding a licensed instrument as JSON (not shipped)."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "start_back.json").write_text(json.dumps(START_BACK), encoding="utf-8")
    return folder


def start_back_answers(agree: Iterable[int], q9: str = "slightly") -> dict[str, str]:
    chosen = set(agree)
    result = {f"q{i}": "agree" if i in chosen else "disagree" for i in range(1, 9)}
    result["q9"] = q9
    return result


@pytest.mark.parametrize(
    ("agree", "q9", "total", "distress", "band"),
    [
        ((), "not at all", 0, 0, "low"),
        ((1, 2, 3), "moderately", 3, 0, "low"),
        ((5, 6), "extremely", 3, 3, "low"),  # distress alone does not matter at total <= 3
        ((1, 2, 3, 4), "slightly", 4, 0, "medium"),
        ((1, 2, 5, 6), "very much", 5, 3, "medium"),
        ((5, 6, 7, 8), "slightly", 4, 4, "high"),
        ((1, 5, 6, 7), "very much", 5, 4, "high"),
        ((1, 2, 3, 4, 5, 6, 7, 8), "extremely", 9, 5, "high"),
    ],
)
def test_start_back_from_a_clinic_folder_scores_as_published(
    clinic_dir: Path, agree: tuple[int, ...], q9: str, total: int, distress: int, band: str
) -> None:
    instruments = load_instruments([clinic_dir])
    assert "start_back" in instruments and "psfs" in instruments
    score = instruments["start_back"].score(start_back_answers(agree, q9))
    assert score.total == total
    assert score.subscales == {"distress": distress}
    assert score.band == band


def test_screen_scores_a_clinic_instrument_too(clinic_dir: Path) -> None:
    instruments = load_instruments([clinic_dir])
    given = answers() | {"start_back": start_back_answers((5, 6, 7, 8))}
    result = screen(given, instruments)
    assert result.scores["start_back"].band == "high"
    with raises_one_sentence("no questionnaire called 'start_back'"):
        screen(given)  # not loaded: the shipped set has no STarT Back


def test_instrument_schema_errors_are_one_sentence(tmp_path: Path, clinic_dir: Path) -> None:
    bad_cases: list[tuple[dict[str, Any], str]] = [
        ({**START_BACK, "schema": "other/1"}, "schema"),
        ({**START_BACK, "id": "Start Back"}, "id"),
        ({**START_BACK, "items": []}, "items"),
        ({**START_BACK, "scoring": {"method": "median"}}, "scoring.method"),
        ({**START_BACK, "scoring": {"method": "sum_with_subscale"}}, "scoring.subscales"),
        (
            {**START_BACK, "bands": [{"label": "x", "when": {"anxiety": {"min": 1}}}]},
            r"bands\[0\]\.when\.anxiety",
        ),
        ({k: v for k, v in START_BACK.items() if k != "licence"}, "licence"),
    ]
    for data, field_name in bad_cases:
        with pytest.raises(InvalidInputError, match=field_name) as caught:
            parse_instrument(data, "clinic/start_back.json")
        assert_one_sentence(str(caught.value))
    (clinic_dir / "broken.json").write_text("{not json", encoding="utf-8")
    with raises_one_sentence("not valid JSON"):
        load_instruments([clinic_dir])
    with pytest.raises(InputNotFoundError):
        load_instruments([tmp_path / "missing"])


def test_an_instrument_id_cannot_be_defined_twice(tmp_path: Path) -> None:
    folder = tmp_path / "dup"
    folder.mkdir()
    (folder / "my_psfs.json").write_text(json.dumps({**START_BACK, "id": "psfs"}))
    with raises_one_sentence("Two instrument files define 'psfs'") as caught:
        load_instruments([folder])
    assert_one_sentence(str(caught.value))


def test_psfs_scores_the_mean_and_checks_its_answers() -> None:
    psfs = load_instruments()["psfs"]
    activities = [
        {"activity": "a", "rating": 2},
        {"activity": "b", "rating": 5},
        {"activity": "c", "rating": 8},
    ]
    assert psfs.score({"activities": activities}).total == 5
    cases: list[tuple[Any, str]] = [
        (activities[:2], "3 to 5 activities"),
        ([*activities, {"activity": "d", "rating": 11}], "from 0 to 10"),
        ([*activities[:2], {"activity": "A", "rating": 3}], "different"),
        ([*activities[:2], {"activity": " ", "rating": 3}], "needs a name"),
        ("walking", "list of 3 to 5"),
    ]
    for given, message in cases:
        with raises_one_sentence(message) as caught:
            psfs.score({"activities": given})
        assert_one_sentence(str(caught.value))


def test_psfs_change_uses_the_minimal_detectable_change() -> None:
    assert not psfs_change(4, 5.5).meaningful
    assert psfs_change(4, 6).meaningful and "real improvement" in psfs_change(4, 6).sentence
    assert psfs_change(6, 3).meaningful and "clinician" in psfs_change(6, 3).sentence


# -- screening --------------------------------------------------------------------------------


def test_a_clear_screen_gives_the_baseline() -> None:
    result = screen(answers(pain=4, days=3, minutes=20))
    assert not result.stop and result.red_flags == ()
    assert result.baseline == Baseline(
        pain_0_10=4,
        minutes_per_day=20,
        days_per_week=3,
        psfs_score=4,
        psfs_activities=(
            ("sitting through a film", 4),
            ("carrying the shopping home", 5),
            ("gardening for an hour", 3),
        ),
        walking_source="reported",
    )
    assert result.baseline_pain == 4 and result.psfs_score == 4
    assert result.scores["pain_nrs"].band == "moderate"


@pytest.mark.parametrize(
    ("flag", "urgency", "words"),
    [
        ("saddle_numbness", "emergency", "emergency department now"),
        ("bladder_control", "emergency", "emergency department now"),
        ("bowel_control", "emergency", "emergency department now"),
        ("leg_weakness", "urgent", "GP"),
        ("cancer_history", "urgent", "GP"),
        ("fever", "urgent", "GP"),
        ("weight_loss", "urgent", "GP"),
        ("major_trauma", "urgent", "GP"),
        ("minor_trauma_bone_risk", "urgent", "GP"),
        ("night_pain", "urgent", "GP"),
        ("exertional_chest_pain", "seek_care_now", "medical help now"),
        ("exertional_fainting", "seek_care_now", "medical help now"),
        ("exertional_breathlessness", "seek_care_now", "medical help now"),
    ],
)
def test_each_red_flag_stops_with_the_right_advice(flag: str, urgency: str, words: str) -> None:
    result = screen(answers(**{flag: True}))
    assert result.stop and result.red_flags == (flag,) and result.urgency == urgency
    assert words in result.advice
    assert "cannot say what is causing" in result.advice  # advice, never a diagnosis
    assert result.baseline is not None


def test_the_most_urgent_red_flag_sets_the_advice() -> None:
    result = check_red_flags(red_flag_answers(night_pain=True, saddle_numbness=True))
    assert result.red_flags == ("saddle_numbness", "night_pain")  # questionnaire order
    assert result.urgency == "emergency"
    assert len(result.labels) == 2


def test_a_red_flag_is_not_held_up_by_unfinished_answers() -> None:
    result = screen({"red_flags": red_flag_answers(bowel_control=True)})
    assert result.stop and result.baseline is None
    assert "emergency department" in result.advice


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (answers(pain=11), "pain_nrs.average_last_week must be a whole number from 0 to 10"),
        (answers(pain=-1), "from 0 to 10; got -1"),
        (answers(pain=4.5), "whole number"),
        (answers(pain="4"), "got '4'"),
        (answers(pain=True), "whole number"),
        (answers(days=8), "walking_now.days_per_week"),
        (answers(minutes=-5), "walking_now.minutes_per_day"),
        ({**answers(), "pain_nrs": {}}, "pain_nrs.average_last_week .* is missing"),
        ({**answers(), "pain_nrs": 4}, "must be a JSON object"),
        ({**answers(), "pain_nrs": {"average_last_week": 4, "worst": 7}}, "no item called"),
        ({k: v for k, v in answers().items() if k != "psfs"}, "activities you find hard"),
        ({k: v for k, v in answers().items() if k != "walking_now"}, "how much you walk"),
        ({k: v for k, v in answers().items() if k != "red_flags"}, "safety questions"),
        ({**answers(), "oswestry": {}}, "no questionnaire called 'oswestry'"),
    ],
)
def test_bad_answers_raise_one_sentence(given: dict[str, Any], message: str) -> None:
    with raises_one_sentence(message) as caught:
        screen(given)
    assert_one_sentence(str(caught.value))


def test_a_missing_or_wrongly_typed_red_flag_answer_raises() -> None:
    flags = red_flag_answers()
    del flags["fever"]
    with raises_one_sentence("red_flags.fever .* is missing"):
        screen({**answers(), "red_flags": flags})
    with raises_one_sentence("true \\(yes\\) or false \\(no\\)"):
        screen({**answers(), "red_flags": {**red_flag_answers(), "fever": "no"}})


def test_measured_walks_set_the_baseline_by_local_date() -> None:
    today = dt.date(2025, 3, 17)
    tz = ZoneInfo("America/New_York")
    walks = [
        # 01:00 UTC on 10 March is 21:00 on 9 March in New York: one day, 30 min in all.
        Walk(
            start=dt.datetime(2025, 3, 10, 1, 0, tzinfo=dt.UTC),
            end=dt.datetime(2025, 3, 10, 1, 15, tzinfo=dt.UTC),
            source="watch",
            source_hash="a",
        ),
        walk(dt.date(2025, 3, 9), 15, hour=9, tz=tz),
        walk(dt.date(2025, 3, 12), 20, tz=tz),
        walk(dt.date(2025, 3, 12), 20, tz=tz),  # the same data imported twice
        walk(dt.date(2025, 3, 14), 5, tz=tz),  # under 10 min: not a walking day
        walk(dt.date(2025, 3, 17), 40, tz=tz),  # today: not in the window
        walk(dt.date(2025, 2, 1), 40, tz=tz),  # too long ago
    ]
    assert measured_walking(walks, today, tz) == (25.0, 1.0)
    result = screen(answers(days=0, minutes=0), walks=walks, today=today, tz=tz)
    assert result.baseline is not None
    assert result.baseline.walking_source == "measured"
    assert result.baseline.weekly_minutes == 25
    # No walks in the window: the answers are used.
    old = screen(answers(days=2, minutes=10), walks=walks[-1:], today=today, tz=tz)
    assert old.baseline is not None and old.baseline.walking_source == "reported"
    with raises_one_sentence("today's date and the person's time zone"):
        screen(answers(), walks=walks)


def test_baseline_rejects_impossible_values() -> None:
    with raises_one_sentence("between 0 and 10"):
        Baseline(pain_0_10=12, minutes_per_day=10, days_per_week=3)
    with raises_one_sentence("between 0 and 7"):
        Baseline(pain_0_10=2, minutes_per_day=10, days_per_week=8)


# -- prescription -----------------------------------------------------------------------------


def test_constants_agree_with_each_other() -> None:
    assert c.TARGET_DAYS_PER_WEEK * c.TARGET_SESSION_MINUTES == c.TARGET_WEEKLY_MINUTES
    assert c.BUILD_STEP_MINUTES <= c.MAX_WEEKLY_INCREASE_MINUTES
    assert c.START_WEEKLY_MINUTES == 30


def test_the_ladder_builds_volume_then_brisk_then_terrain_within_bounds() -> None:
    phases = [level.phase for level in LEVELS]
    assert phases == sorted(phases, key=[Phase.BUILD, Phase.BRISK, Phase.TERRAIN].index)
    full = LEVELS[FULL_DOSE_LEVEL]
    assert (full.weekly_minutes, full.days, full.session_minutes) == (150, 5, (30,) * 5)
    assert LEVELS[START_LEVEL].session_minutes == (10, 10, 10)
    # A beginner on the start level reaches the full dose 15 steps later: week 16.
    assert FULL_DOSE_LEVEL - START_LEVEL == 15
    for lower, upper in itertools.pairwise(LEVELS):
        assert 0 <= upper.weekly_minutes - lower.weekly_minutes <= c.MAX_WEEKLY_INCREASE_MINUTES
        assert upper.session_minutes[0] - lower.session_minutes[0] <= 10
        assert upper.days >= lower.days
    for level in LEVELS:
        assert c.MIN_DAYS_PER_WEEK <= level.days <= c.TARGET_DAYS_PER_WEEK
        assert level.weekly_minutes <= c.TARGET_WEEKLY_MINUTES
        if level.brisk is not None:
            assert level.brisk.block_minutes <= min(level.session_minutes)
            assert 1 <= level.brisk.brisk_minutes <= 3


@pytest.mark.parametrize(
    ("minutes", "days", "level", "weekly"),
    [
        (0, 0, START_LEVEL, 30),  # not walking now: 3 x 10 min
        (10, 1, START_LEVEL, 30),
        (15, 3, 2, 38),  # 45 min a week now: never start above it
        (20, 3, 4, 54),
        (30, 3, 8, 86),
        (30, 5, FULL_DOSE_LEVEL, 150),
        (60, 7, FULL_DOSE_LEVEL, 150),  # already active: the full dose, quality next
    ],
)
def test_the_plan_starts_from_what_the_person_does_now(
    minutes: float, days: float, level: int, weekly: int
) -> None:
    baseline = Baseline(pain_0_10=2, minutes_per_day=minutes, days_per_week=days)
    plan = initial_plan(baseline, START)
    assert start_level(baseline) == level == plan.level
    assert plan.total_minutes == weekly
    assert plan.week == 1 and plan.start_date == START and plan.core_stage == 0
    assert plan.total_minutes <= max(baseline.weekly_minutes, c.START_WEEKLY_MINUTES)
    assert plan.notes and all(note.endswith(".") for note in plan.notes)


def test_a_week_plan_has_sessions_core_cues_and_a_topic() -> None:
    plan = plan_for_week(BASELINE, START, 3, 4)
    assert plan.start_date == START + dt.timedelta(weeks=2)
    assert plan.end_date == plan.start_date + dt.timedelta(days=6)
    assert [s.day_offset for s in plan.sessions] == [0, 1, 3, 4, 6]
    assert [s.date for s in plan.sessions] == [
        plan.start_date + dt.timedelta(days=s.day_offset) for s in plan.sessions
    ]
    assert plan.total_minutes == 54 and plan.phase is Phase.BUILD
    for session in plan.sessions:
        assert session.intensity == "moderate: about 100 steps/min (you can talk but not sing)"
        assert sum(session.segments_min) == session.minutes
        assert any("Walk tall" in step for step in session.instructions)
        assert session.brisk is None and session.terrain is None
    joined = " ".join(plan.instructions)
    assert "shoes" in joined and "5/10" in joined and "Walk tall" in joined
    assert [e.name for e in plan.core_exercises] == [
        "glute bridge",
        "bird-dog",
        "plank",
        "side plank",
    ]
    assert plan.core_days == (1, 4)
    assert plan.education == topic_for_week(3)
    assert "week 15" in plan.notes[-1]  # 12 steps of 8 min from 54 to 150


def test_beginners_split_their_walking_into_segments() -> None:
    beginner = Baseline(pain_0_10=5, minutes_per_day=8, days_per_week=2)
    plan = plan_for_week(beginner, START, 10, FULL_DOSE_LEVEL)
    assert all(s.segments_min == (10, 10, 10) for s in plan.sessions)
    assert "3 parts (10 + 10 + 10 min)" in plan.sessions[0].instructions[0]
    walker = Baseline(pain_0_10=5, minutes_per_day=30, days_per_week=2)
    assert plan_for_week(walker, START, 10, FULL_DOSE_LEVEL).sessions[0].segments_min == (30,)
    # From the brisk phase on a day's walking is one walk.
    brisk = plan_for_week(beginner, START, 11, FULL_DOSE_LEVEL + 1)
    assert all(s.segments_min == (30,) for s in brisk.sessions)


def test_quality_phases_add_brisk_intervals_then_terrain() -> None:
    brisk = plan_for_week(BASELINE, START, 12, FULL_DOSE_LEVEL + 1)
    with_brisk = [s for s in brisk.sessions if s.brisk is not None]
    assert len(with_brisk) == 2 and brisk.total_minutes == 150
    assert with_brisk[0].brisk is not None and with_brisk[0].brisk.short == "3 x 1 min brisk"
    offsets = [s.day_offset for s in with_brisk]
    assert offsets[1] - offsets[0] > 1  # never on consecutive days
    assert any("130 steps/min" in step for step in with_brisk[0].instructions)
    top = plan_for_week(BASELINE, START, 20, TOP_LEVEL)
    assert top.phase is Phase.TERRAIN
    terrain = " ".join(s.terrain for s in top.sessions if s.terrain is not None)
    assert "gentle slope" in terrain and "varied ground" in terrain
    one = plan_for_week(BASELINE, START, 19, TOP_LEVEL - 1)
    assert [s.terrain for s in one.sessions if s.terrain] == [c_incline()]
    assert {s.day_offset for s in top.sessions if s.terrain}.isdisjoint(
        {s.day_offset for s in top.sessions if s.brisk}
    )


def test_core_exercises_progress_by_stage() -> None:
    first, last = core_exercises(0), core_exercises(4)
    assert first[2].variant == "from your knees" and last[2].variant == "from your toes"
    assert first[2].hold_s < last[2].hold_s
    assert first[0].dose == "2 sets of 8, holding 3 s each time"
    assert first[1].dose == "2 sets of 5 each side, holding 5 s each time"
    assert first[2].dose == "3 holds of 10 s (from your knees)"
    assert first[0].progression.startswith("Next stage")
    assert last[0].progression == "This is the last stage: keep it up."
    assert all("sharp pain" in e.instructions for e in first)
    assert plan_for_week(BASELINE, START, 1, 4, core_stage=2).core_days == (1, 3, 5)
    with raises_one_sentence("Core stages go from 0 to 4"):
        core_exercises(5)


def test_plan_inputs_are_checked() -> None:
    with raises_one_sentence("weeks start at 1"):
        plan_for_week(BASELINE, START, 0, 1)
    with raises_one_sentence(f"levels go from 0 to {TOP_LEVEL}"):
        plan_for_week(BASELINE, START, 1, TOP_LEVEL + 1)
    with raises_one_sentence("calendar date"):
        plan_for_week(BASELINE, dt.datetime(2025, 3, 3, tzinfo=LONDON), 1, 1)
    with raises_one_sentence("no education topic"):
        plan_for_week(BASELINE, START, 1, 1, topic_id="astrology")


# -- education --------------------------------------------------------------------------------


def test_education_has_a_topic_a_week_with_sources() -> None:
    assert len(TOPICS) >= 12
    assert len({t.id for t in TOPICS}) == len(TOPICS)
    for topic in TOPICS:
        assert topic.sources and topic.title
        sentences = re.split(r"(?<=[.!?])\s+", topic.text)
        assert 3 <= len(sentences) <= 7, topic.id
    ids = {t.id for t in TOPICS}
    assert {
        "why_walking",
        "pacing",
        "flare_first_aid",
        "posture_mindful_walking",
        "footwear",
        "myth_no_strength",
        "sleep",
        "active_at_work",
        "core_purpose",
    } <= ids
    assert c.WALKBACK in get_topic("why_walking").sources
    assert topic_for_week(1).id == "why_walking"
    every = [topic_for_week(w).id for w in range(1, len(TOPIC_ORDER) + 1)]
    assert sorted(every) == sorted(ids)  # each topic once per cycle
    assert topic_for_week(len(TOPIC_ORDER) + 1) == topic_for_week(1)


# -- review: the pieces -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("active", "planned", "score", "gap"),
    [
        ([1, 1, 0, 1, 1, 0, 1], 5, 1.0, 1),  # five spread days
        ([0, 0, 0, 1, 0, 0, 0], 5, 0.16, 3),  # one long walk: 1/5 x 0.8
        ([1, 1, 1, 1, 0, 0, 0], 5, 0.64, 3),  # bunched at the start of the week
        ([1, 0, 1, 0, 1, 0, 0], 3, 1.0, 2),
        ([0] * 7, 5, 0.0, 7),
        ([1] * 7, 5, 1.0, 0),  # more days than planned never scores above 1
    ],
)
def test_consistency_rewards_regular_days(
    active: list[int], planned: int, score: float, gap: int
) -> None:
    assert consistency_score([bool(a) for a in active], planned) == (score, gap)


def c_incline() -> str:
    from backstride.program.prescription import INCLINE_SPEC

    return INCLINE_SPEC


def review(
    plan: WeekPlan,
    walks: Sequence[Walk] = (),
    pain: Sequence[PainLog] = (),
    core: Sequence[CoreLog] = (),
    history: Sequence[WeekReview] = (),
    flags: dict[str, bool] | None = None,
    baseline: Baseline = BASELINE,
) -> WeekReview:
    return review_week(
        plan,
        walks,
        pain,
        core,
        baseline,
        history,
        red_flag_answers() if flags is None else flags,
        tz=LONDON,
    )


def test_a_week_done_as_planned_progresses_with_reasons() -> None:
    plan = initial_plan(BASELINE, START)
    result = review(plan, follow(plan), pain_week(plan, [3] * 7), core_done(plan))
    assert result.decision is Decision.PROGRESS and result.goal_met and not result.missed
    assert result.done_minutes == result.prescribed_minutes == 54
    assert (result.sessions_done, result.active_days, result.consistency) == (5, 5, 1.0)
    assert result.moderate_minutes == pytest.approx(43.2) and result.measured_minutes == 54
    assert result.pain.mean == 3 and result.pain.slope_per_week == 0
    assert result.next_plan is not None
    assert result.next_plan.level == plan.level + 1 and result.next_plan.week == 2
    assert result.next_plan.core_stage == 1
    assert result.reasons[0].startswith("You did this week's plan")
    assert any("moderate pace" in r for r in result.reasons)
    assert result.advice == ()
    for sentence in result.reasons:
        assert_one_sentence(sentence)


def test_walks_are_bucketed_by_local_date_and_counted_once() -> None:
    plan = initial_plan(BASELINE, START)
    walks = follow(plan)
    # Sunday 23:30 in London is already Monday in Berlin: it still belongs to this week.
    late = walk(plan.end_date, 20, hour=23)
    late = Walk(
        start=late.start.astimezone(ZoneInfo("Europe/Berlin")),
        end=late.end.astimezone(ZoneInfo("Europe/Berlin")),
        source="phone",
        source_hash="late",
        duration_s=20 * 60,
    )
    next_week = walk(plan.end_date + dt.timedelta(days=1), 30, hour=1)
    result = review(plan, [*walks, *walks, late, next_week])
    assert result.walks == len(walks) + 1
    assert result.done_minutes == 54 + 20


def test_a_walk_recorded_by_two_devices_counts_once() -> None:
    """The sensor's walk and the watch's record of it overlap: their time counts once."""
    plan = initial_plan(BASELINE, START)
    walks = follow(plan)
    watch = [
        Walk(
            start=w.start + dt.timedelta(minutes=1),
            end=w.end + dt.timedelta(minutes=2),
            source="watch app",
            source_hash=f"watch|{w.source_hash}",
            duration_s=(w.duration_s or 0.0) + 60.0,
        )
        for w in walks
    ]
    result = review(plan, [*walks, *watch])
    # each session counts from the sensor's start to the watch's end: 2 minutes longer
    assert result.done_minutes == pytest.approx(54 + 2 * len(walks))
    assert result.decision is Decision.PROGRESS


def test_minutes_walked_merges_measured_time_and_adds_logged_walks() -> None:
    from backstride.program._common import minutes_walked

    day = START + dt.timedelta(days=1)
    sensor = walk(day, 30, hour=10)
    watch = Walk(
        start=sensor.start + dt.timedelta(minutes=5),
        end=sensor.start + dt.timedelta(minutes=40),
        source="watch",
        source_hash="w",
        duration_s=35 * 60,
    )
    later = walk(day, 10, hour=15, tag="later")
    logged = Walk(
        start=dt.datetime.combine(day, dt.time(12), LONDON),
        end=dt.datetime.combine(day, dt.time(12, 20), LONDON),
        source="manual",
        source_hash="m1",
        duration_s=20 * 60,
    )
    logged_again = Walk(
        start=logged.start,
        end=logged.end,
        source="manual",
        source_hash="m2",
        duration_s=20 * 60,
    )
    assert minutes_walked([sensor, watch]) == pytest.approx(40)  # 10:00-10:40
    assert minutes_walked([watch, sensor, later]) == pytest.approx(50)
    # two walks logged by hand on one day both count (their noon times are nominal)
    assert minutes_walked([logged, logged_again, sensor]) == pytest.approx(70)
    assert minutes_walked([]) == 0


def test_one_long_walk_does_not_make_up_for_missed_days() -> None:
    plan = initial_plan(BASELINE, START)
    result = review(plan, [walk(plan.start_date + dt.timedelta(days=2), 90)])
    assert result.decision is Decision.HOLD and not result.missed and not result.goal_met
    assert result.consistency == pytest.approx(0.12)
    assert "1 of the 5 planned walks" in result.reasons[0]
    assert result.next_plan is not None and result.next_plan.level == plan.level


def test_a_sustained_flare_regresses_and_brings_flare_education() -> None:
    plan = plan_for_week(BASELINE, START, 2, 6, core_stage=1)
    pain = pain_week(plan, [3, 3, 5, 5.5, 4, 3, 3])  # baseline 3: two days at >= 5
    result = review(plan, follow(plan), pain, core_done(plan))
    assert result.decision is Decision.REGRESS and result.flare
    assert result.flares[0].kind == "sustained"
    wednesday = plan.start_date + dt.timedelta(days=2)
    assert result.flares[0].days == (wednesday, wednesday + dt.timedelta(days=1))
    assert "2 days in a row" in result.reasons[0]
    assert result.next_plan is not None and result.next_plan.level == 5
    assert result.next_plan.core_stage == 0
    assert result.next_plan.education.id == "flare_first_aid"
    assert "never moves up during a flare" in " ".join(result.reasons)


def test_a_rise_on_single_days_or_below_two_points_is_not_a_flare() -> None:
    plan = plan_for_week(BASELINE, START, 2, 6)
    for values in ([3, 5, 3, 5, 3, 5, 3], [4, 4.5, 4.5, 4.5, 4, 4, 4]):
        result = review(plan, follow(plan), pain_week(plan, values))
        assert not result.flare, values


def test_a_flare_across_the_weekend_is_seen_in_the_next_week() -> None:
    plan = plan_for_week(BASELINE, START, 2, 6)
    sunday_before = PainLog(plan.start_date - dt.timedelta(days=1), 6)
    result = review(plan, follow(plan), [sunday_before, *pain_week(plan, [6, 3, 3, 3, 3, 3, 3])])
    assert result.flare and result.flares[0].days[0] == plan.start_date - dt.timedelta(days=1)


def test_a_walk_that_leaves_pain_worse_the_next_day_is_a_flare() -> None:
    plan = plan_for_week(BASELINE, START, 2, 6)
    walks = follow(plan)
    tuesday = plan.sessions[1]
    walks[1] = walk(tuesday.date, tuesday.minutes, pain_before=2, pain_after=5)
    settled = review(plan, walks, [PainLog(tuesday.date + dt.timedelta(days=1), 2)])
    assert not settled.flare and settled.decision is Decision.PROGRESS
    worse = review(plan, walks, [PainLog(tuesday.date + dt.timedelta(days=1), 4)])
    assert worse.flare and worse.flares[0].kind == "after_walk"
    assert "3 points above before the walk" in worse.reasons[0]
    assert worse.decision is Decision.REGRESS
    unknown = review(plan, walks)
    assert not unknown.flare
    assert any("log your pain the next morning" in r for r in unknown.reasons)


def test_pain_above_five_while_walking_holds_the_plan() -> None:
    plan = plan_for_week(BASELINE, START, 2, 6)
    walks = follow(plan)
    walks[0] = walk(plan.sessions[0].date, plan.sessions[0].minutes, pain_before=5, pain_after=6)
    result = review(plan, walks, [PainLog(plan.sessions[0].date + dt.timedelta(days=1), 5)])
    assert result.decision is Decision.HOLD and not result.flare
    assert "above 5/10 (highest 6/10)" in result.reasons[0]


def test_the_personal_baseline_follows_a_calmer_week() -> None:
    plan = initial_plan(BASELINE, START)
    calm = review(plan, follow(plan), pain_week(plan, [1] * 7), core_done(plan))
    assert calm.next_plan is not None
    # Pain of 3.5 is no flare against the screening pain of 3, but is against the calm week.
    second = review(
        calm.next_plan, follow(calm.next_plan), pain_week(calm.next_plan, [0] * 7), history=[calm]
    )
    assert second.pain.personal_baseline == 1
    worse = review(
        calm.next_plan,
        follow(calm.next_plan),
        pain_week(calm.next_plan, [1, 3.5, 3.5, 1, 1, 1, 1]),
        history=[calm],
    )
    assert worse.flare


def test_the_top_level_holds_and_the_full_program_continues() -> None:
    plan = plan_for_week(BASELINE, START, 20, TOP_LEVEL)
    result = review(plan, follow(plan))
    assert result.decision is Decision.HOLD and result.goal_met
    assert result.next_plan is not None and result.next_plan.level == TOP_LEVEL


def test_review_without_safety_answers_asks_for_them() -> None:
    plan = initial_plan(BASELINE, START)
    result = review_week(plan, follow(plan), [], [], BASELINE, [], None, tz=LONDON)
    assert result.decision is Decision.PROGRESS
    assert result.advice and "safety questions were not answered" in result.advice[0]


def test_review_inputs_are_checked() -> None:
    plan = initial_plan(BASELINE, START)
    done = review(plan, follow(plan))
    with raises_one_sentence("earlier weeks only"):
        review(plan, history=[done])
    with raises_one_sentence("time zone"):
        review_week(plan, [], [], [], BASELINE, [], None, tz="Europe/London")  # type: ignore[arg-type]
    with raises_one_sentence("Pain must be a number from 0 to 10"):
        PainLog(START, 11)
    with raises_one_sentence("time-zone aware"):
        PainLog(dt.datetime(2025, 3, 3, 8), 3)
    with raises_one_sentence("Unknown core exercise"):
        CoreLog(START, "sit-up")
    assert CoreLog(START, "Side_Plank").exercise == "side plank"
    with raises_one_sentence("red_flags.fever"):
        review(plan, flags={k: v for k, v in red_flag_answers().items() if k != "fever"})


def test_a_week_is_reviewed_only_after_its_last_day() -> None:
    """Days still to come are not days without a walk: the week is judged once it has ended."""
    plan = initial_plan(BASELINE, START)  # Mon 3 Mar to Sun 9 Mar 2025
    walks, pain = follow(plan), pain_week(plan, [3] * 7)
    for offset in range(7):  # first day to last day: only the days so far are logged
        today = plan.start_date + dt.timedelta(days=offset)
        so_far = [w for w in walks if w.start.date() <= today]
        with pytest.raises(InvalidInputError) as refused:
            review_week(
                plan, so_far, pain[: offset + 1], [], BASELINE, [], red_flag_answers(),
                tz=LONDON, today=today,
            )  # fmt: skip
        message = str(refused.value)
        assert_one_sentence(message)
        assert message == (
            "Week 1 has not ended yet (it runs until Sun 2025-03-09); it can be reviewed from "
            "Mon 2025-03-10."
        )
    # The day after the last day: the whole week is there, and it went as planned.
    done = review_week(
        plan, walks, pain, core_done(plan), BASELINE, [], red_flag_answers(),
        tz=LONDON, today=plan.end_date + dt.timedelta(days=1),
    )  # fmt: skip
    assert done.decision is Decision.PROGRESS and done.longest_rest_gap_days <= 2
    assert not any("days in a row without a walk" in r for r in done.reasons)
    # Reviewed late, the week is the same; replaying a stored review gives no date at all.
    late = review_week(
        plan, walks, pain, core_done(plan), BASELINE, [], red_flag_answers(),
        tz=LONDON, today=plan.end_date + dt.timedelta(weeks=3),
    )  # fmt: skip
    assert late == done == review(plan, walks, pain, core_done(plan))
    with raises_one_sentence("today's local date"):
        review_week(
            plan, walks, pain, [], BASELINE, [], None, tz=LONDON,
            today=dt.datetime(2025, 3, 10, 9, tzinfo=LONDON),
        )  # fmt: skip


# -- a simulated 12-week program ---------------------------------------------------------------


def test_a_simulated_twelve_week_program() -> None:
    """Weeks 1-6: progress, flare, progress, missed week, repeated flare, red flag (stop).

    After a clinician's all-clear the person is screened again on their measured walks and a
    new program runs weeks 7-12: progress, too few walking days, painful walk, one long walk,
    progress, progress.
    """
    screening = screen(answers(pain=3, days=3, minutes=20))
    assert not screening.stop and screening.baseline is not None
    baseline = screening.baseline
    plan = initial_plan(baseline, START)
    history: list[WeekReview] = []
    all_walks: list[Walk] = []

    def run(
        plan: WeekPlan,
        walks: list[Walk],
        pain: list[PainLog],
        core: list[CoreLog],
        flags: dict[str, bool] | None = None,
        baseline: Baseline = baseline,
    ) -> WeekReview:
        all_walks.extend(walks)
        result = review(plan, all_walks, pain, core, history, flags, baseline)
        history.append(result)
        # Determinism: the same inputs give the same review.
        assert review(plan, all_walks, pain, core, history[:-1], flags, baseline) == result
        assert result.reasons and all(r.endswith(".") for r in result.reasons)
        return result

    # Week 1: everything done, pain at baseline.
    w1 = run(plan, follow(plan), pain_week(plan, [3] * 7), core_done(plan))
    assert (w1.decision, plan.total_minutes) == (Decision.PROGRESS, 54)
    assert w1.next_plan is not None
    # Week 2: everything done, but pain 6 on Wednesday and Thursday: a flare.
    plan = w1.next_plan
    w2 = run(plan, follow(plan), pain_week(plan, [3, 3, 6, 6, 4, 3, 3]), core_done(plan))
    assert w2.decision is Decision.REGRESS and w2.flare
    assert "on 2 days in a row" in w2.reasons[0] and "flare" in w2.reasons[1]
    assert w2.next_plan is not None and w2.next_plan.level == plan.level - 1
    assert w2.next_plan.education.id == "flare_first_aid" and w2.advice == ()
    # Week 3: settled, done: up again.
    plan = w2.next_plan
    w3 = run(plan, follow(plan), pain_week(plan, [3] * 7), core_done(plan))
    assert w3.decision is Decision.PROGRESS and w3.next_plan is not None
    # Week 4 (the clocks change on Sunday): one 10-minute walk only: a missed week.
    plan = w3.next_plan
    w4 = run(plan, [walk(plan.start_date, 10)], pain_week(plan, [3] * 7), [])
    assert w4.decision is Decision.REGRESS and w4.missed
    assert "restarts gently at a level you managed before" in w4.reasons[0]
    assert w4.next_plan is not None and w4.next_plan.level == w3.plan.level
    assert w4.next_plan.education.id == "getting_back_on_track"
    # Week 5: done, but Thursday's walk leaves pain at 6 and it is still 5.5 on Friday:
    # the second flare in 4 weeks steps back two levels and advises seeing a clinician.
    plan = w4.next_plan
    walks = follow(plan)
    thursday = plan.sessions[2]
    assert thursday.day_offset == 3
    walks[2] = walk(thursday.date, thursday.minutes, pain_before=3, pain_after=6)
    w5 = run(plan, walks, pain_week(plan, [3, 3, 3, 3, 5.5, 3, 3]), core_done(plan))
    assert w5.decision is Decision.REGRESS and w5.flares[0].kind == "after_walk"
    assert w5.recent_flares == 2
    assert any("flare number 2 in the last 4 weeks" in r for r in w5.reasons)
    assert w5.advice and "see a clinician" in w5.advice[0]
    assert w5.next_plan is not None and w5.next_plan.level == plan.level - 2
    assert w5.next_plan.education.id == "flare_first_aid"
    # Week 6: walks done, but new saddle numbness: the program stops with advice.
    plan = w5.next_plan
    w6 = run(plan, follow(plan), [], [], red_flag_answers(saddle_numbness=True))
    assert w6.decision is Decision.STOP and w6.next_plan is None
    assert w6.red_flags == ("saddle_numbness",)
    assert "stops here" in w6.reasons[0] and "emergency department" in w6.advice[0]
    with raises_one_sentence("stopped for safety at week 6"):
        review(plan_for_week(baseline, START, 7, plan.level), history=history)

    first = [r.decision for r in history]
    assert first == [
        Decision.PROGRESS,
        Decision.REGRESS,
        Decision.PROGRESS,
        Decision.REGRESS,
        Decision.REGRESS,
        Decision.STOP,
    ]
    minutes = [r.prescribed_minutes for r in history]
    assert minutes == [54, 62, 54, 62, 54, 38]

    # Weeks 7-12: cleared by a clinician, screened again on the last two weeks' walks.
    restart = START + dt.timedelta(weeks=6)
    again = screen(answers(pain=2), walks=all_walks, today=restart, tz=LONDON)
    assert not again.stop and again.baseline is not None
    assert again.baseline.walking_source == "measured"
    assert again.baseline.weekly_minutes == pytest.approx(92 / 2)
    baseline = again.baseline
    history = []
    plan = initial_plan(baseline, restart)
    assert plan.total_minutes == 46 and plan.start_date == restart

    b1 = run(plan, follow(plan), pain_week(plan, [2] * 7), core_done(plan), baseline=baseline)
    assert b1.decision is Decision.PROGRESS and b1.next_plan is not None
    plan = b1.next_plan
    b2 = run(plan, follow(plan, skip=[4]), pain_week(plan, [2] * 7), [], baseline=baseline)
    assert b2.decision is Decision.HOLD and "4 of the 5 planned walks" in b2.reasons[0]
    assert b2.next_plan is not None and b2.next_plan.level == plan.level
    plan = b2.next_plan
    walks = follow(plan)
    walks[0] = walk(plan.sessions[0].date, plan.sessions[0].minutes, pain_before=2, pain_after=6)
    b3 = run(plan, walks, pain_week(plan, [2] * 7), [], baseline=baseline)
    assert b3.decision is Decision.HOLD and not b3.flare  # settled by the next day
    assert "above 5/10" in b3.reasons[0]
    assert b3.next_plan is not None
    plan = b3.next_plan
    b4 = run(plan, [walk(plan.start_date + dt.timedelta(days=3), 60)], [], [], baseline=baseline)
    assert b4.decision is Decision.HOLD and b4.consistency < 0.2
    assert any("No pain was logged" in r for r in b4.reasons)
    assert b4.next_plan is not None
    plan = b4.next_plan
    b5 = run(plan, follow(plan), pain_week(plan, [2] * 7), core_done(plan), baseline=baseline)
    assert b5.decision is Decision.PROGRESS and b5.next_plan is not None
    plan = b5.next_plan
    b6 = run(plan, follow(plan), pain_week(plan, [1] * 7), core_done(plan), baseline=baseline)
    assert b6.decision is Decision.PROGRESS and b6.next_plan is not None

    assert [r.decision for r in history] == [
        Decision.PROGRESS,
        Decision.HOLD,
        Decision.HOLD,
        Decision.HOLD,
        Decision.PROGRESS,
        Decision.PROGRESS,
    ]
    assert [r.prescribed_minutes for r in history] == [46, 54, 54, 54, 54, 62]
    assert b6.next_plan.total_minutes == 70 and b6.next_plan.week == 7
    assert b6.next_plan.core_stage == 3
