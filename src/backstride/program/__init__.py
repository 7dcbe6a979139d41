"""The walking program: screening, prescription, weekly review and education.

Pure, deterministic functions: plain data in, plain data out, no clock (today is always a
parameter), no database. Every number the rules use is in :mod:`.constants` with its source,
and every decision carries its reasons in plain words::

    from backstride.program import screen, initial_plan, review_week

    result = screen(answers)                      # red flags, advice, baseline
    plan = initial_plan(result.baseline, start)   # week 1
    review = review_week(plan, walks, pain_logs, core_logs, result.baseline, history,
                         red_flag_answers, tz=ZoneInfo("Europe/London"))
    review.decision, review.reasons, review.next_plan
"""

from backstride.program.education import (
    TOPIC_ORDER,
    TOPICS,
    EducationTopic,
    get_topic,
    topic_for_week,
)
from backstride.program.exercises import (
    CORE_EXERCISE_NAMES,
    LAST_CORE_STAGE,
    CoreExercise,
    core_days,
    core_exercises,
)
from backstride.program.instruments import (
    Instrument,
    InstrumentScore,
    Item,
    load_instrument_file,
    load_instruments,
    parse_instrument,
    score_instrument,
)
from backstride.program.prescription import (
    FULL_DOSE_LEVEL,
    LEVELS,
    START_LEVEL,
    TOP_LEVEL,
    BriskIntervals,
    Level,
    Phase,
    Session,
    WeekPlan,
    increase_within_bounds,
    initial_plan,
    plan_for_week,
    start_level,
)
from backstride.program.review import (
    CoreLog,
    Decision,
    Flare,
    PainLog,
    PainSummary,
    WeekReview,
    consistency_score,
    review_week,
)
from backstride.program.screening import (
    Baseline,
    RedFlagResult,
    ScoreChange,
    ScreeningResult,
    check_red_flags,
    measured_walking,
    psfs_change,
    screen,
)

__all__ = [
    "CORE_EXERCISE_NAMES",
    "FULL_DOSE_LEVEL",
    "LAST_CORE_STAGE",
    "LEVELS",
    "START_LEVEL",
    "TOPICS",
    "TOPIC_ORDER",
    "TOP_LEVEL",
    "Baseline",
    "BriskIntervals",
    "CoreExercise",
    "CoreLog",
    "Decision",
    "EducationTopic",
    "Flare",
    "Instrument",
    "InstrumentScore",
    "Item",
    "Level",
    "PainLog",
    "PainSummary",
    "Phase",
    "RedFlagResult",
    "ScoreChange",
    "ScreeningResult",
    "Session",
    "WeekPlan",
    "WeekReview",
    "check_red_flags",
    "consistency_score",
    "core_days",
    "core_exercises",
    "get_topic",
    "increase_within_bounds",
    "initial_plan",
    "load_instrument_file",
    "load_instruments",
    "measured_walking",
    "parse_instrument",
    "plan_for_week",
    "psfs_change",
    "review_week",
    "score_instrument",
    "screen",
    "start_level",
    "topic_for_week",
]
