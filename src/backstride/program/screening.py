"""The safety screen and the baseline the walking plan starts from.

:func:`screen` reads one person's answers (keyed by instrument id, then item id)::

    {
      "red_flags":   {"saddle_numbness": false, ..., "exertional_breathlessness": false},
      "pain_nrs":    {"average_last_week": 4},
      "psfs":        {"activities": [{"activity": "sitting in the car for an hour",
                                      "rating": 4}, ...]},
      "walking_now": {"days_per_week": 3, "minutes_per_day": 15}
    }

Any "yes" to the safety questions stops the program with advice (it never diagnoses: it says
where to seek care and how soon). ``walking_now`` may be left out when measured walks are given.
Answers to any other loaded instrument (a clinic's STarT Back, say) are scored too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from backstride.exceptions import InvalidInputError
from backstride.program._common import local_date, minutes_walked, num, unique_walks
from backstride.program.constants import (
    ACTIVE_DAY_MIN_MINUTES,
    BASELINE_WINDOW_DAYS,
    PSFS_MDC_MEAN,
)
from backstride.program.instruments import Instrument, InstrumentScore, load_instruments
from backstride.walks import Walk

RED_FLAGS = "red_flags"
PAIN_NRS = "pain_nrs"
PSFS = "psfs"
WALKING_NOW = "walking_now"

NO_RED_FLAG_ADVICE = (
    "No warning signs: you can start the walking program. If any of these symptoms appear "
    "later, stop and seek care as the questions advise; they are asked again at every weekly "
    "review."
)


@dataclass(frozen=True)
class Baseline:
    """Where a person starts: pain, function and how much they walk now.

    Attributes
    ----------
    pain_0_10
        Average back pain over the last week, 0-10.
    minutes_per_day
        Minutes of walking on a walking day.
    days_per_week
        Walking days (of at least 10 minutes) in a week; may be fractional when measured.
    psfs_score
        Patient-Specific Functional Scale mean, 0-10 (None when not asked).
    psfs_activities
        The named activities and their ratings.
    walking_source
        ``"measured"`` (from walks) or ``"reported"`` (from answers).
    """

    pain_0_10: float
    minutes_per_day: float
    days_per_week: float
    psfs_score: float | None = None
    psfs_activities: tuple[tuple[str, float], ...] = ()
    walking_source: str = "reported"

    def __post_init__(self) -> None:
        if not 0 <= self.pain_0_10 <= 10:
            raise InvalidInputError(
                f"Baseline pain must be between 0 and 10; got {self.pain_0_10:g}."
            )
        if not 0 <= self.days_per_week <= 7:
            raise InvalidInputError(
                f"Walking days per week must be between 0 and 7; got {self.days_per_week:g}."
            )
        if not 0 <= self.minutes_per_day <= 24 * 60:
            raise InvalidInputError(
                f"Walking minutes per day must be between 0 and 1440; got {self.minutes_per_day:g}."
            )
        if self.psfs_score is not None and not 0 <= self.psfs_score <= 10:
            raise InvalidInputError(
                f"The PSFS score must be between 0 and 10; got {self.psfs_score:g}."
            )
        if self.walking_source not in ("measured", "reported"):
            raise InvalidInputError("The walking baseline source must be 'measured' or 'reported'.")

    @property
    def weekly_minutes(self) -> float:
        """Minutes of walking in a usual week now."""
        return self.minutes_per_day * self.days_per_week


@dataclass(frozen=True)
class RedFlagResult:
    """The safety questions, checked.

    Attributes
    ----------
    red_flags
        Item ids answered "yes", in questionnaire order.
    labels
        The same, in plain words.
    urgency
        The most urgent level triggered (``"emergency"``, ``"seek_care_now"``, ``"urgent"``),
        or None.
    stop
        Whether the program must stop.
    advice
        What to do, in plain words; never a diagnosis.
    """

    red_flags: tuple[str, ...]
    labels: tuple[str, ...]
    urgency: str | None
    stop: bool
    advice: str


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of :func:`screen`.

    Attributes
    ----------
    red_flags, red_flag_labels
        Safety items answered "yes" (ids and plain words).
    stop
        True when any red flag was found: no plan is made.
    urgency
        The most urgent level triggered, or None.
    advice
        What to do next, in plain words.
    baseline
        Pain, function and walking now. None only when the program stops and the other
        answers were not complete (a person with a red flag is not held up by the rest).
    scores
        Every answered instrument's score, by instrument id.
    """

    red_flags: tuple[str, ...]
    red_flag_labels: tuple[str, ...]
    stop: bool
    urgency: str | None
    advice: str
    baseline: Baseline | None
    scores: Mapping[str, InstrumentScore] = field(default_factory=dict, hash=False)

    @property
    def baseline_pain(self) -> float | None:
        """Average pain of the last week, 0-10."""
        return None if self.baseline is None else self.baseline.pain_0_10

    @property
    def psfs_score(self) -> float | None:
        """Patient-Specific Functional Scale mean, 0-10."""
        return None if self.baseline is None else self.baseline.psfs_score

    @property
    def psfs_activities(self) -> tuple[tuple[str, float], ...]:
        """The PSFS activities and their ratings."""
        return () if self.baseline is None else self.baseline.psfs_activities


def _instrument(instruments: Mapping[str, Instrument], name: str) -> Instrument:
    if name not in instruments:
        raise InvalidInputError(
            f"The instruments given have no {name!r}; load them with load_instruments()."
        )
    return instruments[name]


def check_red_flags(
    answers: Mapping[str, Any], instruments: Mapping[str, Instrument] | None = None
) -> RedFlagResult:
    """Check answers to the safety questions (``{item id: true/false}``).

    Parameters
    ----------
    answers
        Every item of the ``red_flags`` instrument answered true (yes) or false (no).
    instruments
        Loaded instruments (default: :func:`load_instruments`).

    Returns
    -------
    RedFlagResult
        Which items were "yes", whether to stop, and the advice of the most urgent one.

    Raises
    ------
    InvalidInputError
        A question is unanswered or not answered true/false.
    """
    instrument = _instrument(instruments or load_instruments(), RED_FLAGS)
    score = instrument.score(answers)
    if not score.flagged:
        return RedFlagResult((), (), None, False, NO_RED_FLAG_ADVICE)
    triggered = {instrument.item(i).urgency for i in score.flagged}
    level = next(
        (lvl for lvl in instrument.urgency_levels if lvl.id in triggered),
        None,
    )
    labels = tuple(instrument.item(i).label for i in score.flagged)
    advice = (
        level.advice
        if level is not None
        else "Stop the walking program and see a doctor before carrying on."
    )
    return RedFlagResult(
        red_flags=score.flagged,
        labels=labels,
        urgency=None if level is None else level.id,
        stop=True,
        advice=advice,
    )


def measured_walking(
    walks: Sequence[Walk],
    today: dt.date,
    tz: dt.tzinfo,
    window_days: int = BASELINE_WINDOW_DAYS,
) -> tuple[float, float] | None:
    """Minutes per walking day and walking days per week from measured walks.

    Parameters
    ----------
    walks
        Walks of one person (repeated ``source_hash`` counted once).
    today
        The screening date; the window is the ``window_days`` local days before it.
    tz
        The person's time zone (walks are bucketed by local date).
    window_days
        Length of the window (:data:`BASELINE_WINDOW_DAYS`).

    Returns
    -------
    tuple of float, or None
        ``(minutes_per_day, days_per_week)``, where a walking day has at least
        :data:`ACTIVE_DAY_MIN_MINUTES` minutes and minutes are averaged over those days;
        None when no walk falls in the window.
    """
    first = today - dt.timedelta(days=window_days)
    by_day: dict[dt.date, list[Walk]] = {}
    for walk in unique_walks(walks):
        day = local_date(walk.start, tz)
        if first <= day < today:
            by_day.setdefault(day, []).append(walk)
    per_day = {day: minutes_walked(day_walks) for day, day_walks in by_day.items()}
    if not per_day:
        return None
    active = [minutes for minutes in per_day.values() if minutes >= ACTIVE_DAY_MIN_MINUTES]
    if not active:
        return 0.0, 0.0
    return sum(active) / len(active), len(active) * 7 / window_days


def screen(
    answers: Mapping[str, Any],
    instruments: Mapping[str, Instrument] | None = None,
    *,
    walks: Sequence[Walk] = (),
    today: dt.date | None = None,
    tz: dt.tzinfo | None = None,
) -> ScreeningResult:
    """Run the safety screen and take the baseline.

    Parameters
    ----------
    answers
        Answers keyed by instrument id, then item id (see the module docstring).
    instruments
        Loaded instruments (default: :func:`load_instruments`, the shipped ones).
    walks
        Measured walks; when any falls in the :data:`BASELINE_WINDOW_DAYS` days before
        ``today`` they set the walking baseline instead of the ``walking_now`` answers.
    today
        The screening date (needed with ``walks``; the program never reads a clock).
    tz
        The person's time zone (needed with ``walks``).

    Returns
    -------
    ScreeningResult
        Red flags, whether to stop, advice, baseline and every instrument's score.

    Raises
    ------
    InvalidInputError
        Answers are missing, of the wrong type, out of range (pain 11), or name an unknown
        instrument; one sentence each.
    """
    instruments = instruments or load_instruments()
    if not isinstance(answers, Mapping):
        raise InvalidInputError("The answers must be a JSON object keyed by questionnaire id.")
    for key in answers:
        if key not in instruments:
            raise InvalidInputError(
                f"There is no questionnaire called {key!r}; expected one of "
                f"{', '.join(sorted(instruments))}."
            )
    if RED_FLAGS not in answers:
        raise InvalidInputError(
            "The safety questions (red_flags) must be answered before any plan is made."
        )
    if walks and (today is None or tz is None):
        raise InvalidInputError(
            "Measured walks need today's date and the person's time zone to set a baseline."
        )

    flags = check_red_flags(answers[RED_FLAGS], instruments)
    scores: dict[str, InstrumentScore] = {}
    try:
        for key, value in answers.items():
            scores[key] = instruments[key].score(value)
        baseline = _baseline(answers, scores, walks, today, tz)
    except InvalidInputError:
        if not flags.stop:
            raise
        # Someone with a red flag must get the advice even if the rest is unfinished.
        baseline = None
    return ScreeningResult(
        red_flags=flags.red_flags,
        red_flag_labels=flags.labels,
        stop=flags.stop,
        urgency=flags.urgency,
        advice=flags.advice,
        baseline=baseline,
        scores=scores,
    )


def _baseline(
    answers: Mapping[str, Any],
    scores: Mapping[str, InstrumentScore],
    walks: Sequence[Walk],
    today: dt.date | None,
    tz: dt.tzinfo | None,
) -> Baseline:
    for name, what in ((PAIN_NRS, "the pain rating"), (PSFS, "the activities you find hard")):
        if name not in scores:
            raise InvalidInputError(f"Please answer {what} ({name}) to set your baseline.")
    measured = None
    if walks and today is not None and tz is not None:
        measured = measured_walking(walks, today, tz)
    if measured is not None:
        minutes_per_day, days_per_week = measured
        source = "measured"
    elif WALKING_NOW in scores:
        walking = scores[WALKING_NOW].answers
        minutes_per_day = float(walking["minutes_per_day"])
        days_per_week = float(walking["days_per_week"])
        source = "reported"
    else:
        raise InvalidInputError(
            "Please answer how much you walk now (walking_now), or import walks from the last "
            f"{BASELINE_WINDOW_DAYS} days."
        )
    if days_per_week == 0 or minutes_per_day == 0:
        minutes_per_day = days_per_week = 0.0
    return Baseline(
        pain_0_10=scores[PAIN_NRS].total,
        minutes_per_day=minutes_per_day,
        days_per_week=days_per_week,
        psfs_score=scores[PSFS].total,
        psfs_activities=tuple(scores[PSFS].answers["activities"]),
        walking_source=source,
    )


@dataclass(frozen=True)
class ScoreChange:
    """A change in a score, whether it is beyond measurement error, and a plain sentence."""

    change: float
    meaningful: bool
    sentence: str


def psfs_change(before: float, after: float) -> ScoreChange:
    """Compare two Patient-Specific Functional Scale means.

    A change of :data:`PSFS_MDC_MEAN` (2) points or more is beyond measurement error
    (Stratford et al. 1995, EVIDENCE §3).
    """
    change = after - before
    meaningful = abs(change) >= PSFS_MDC_MEAN
    if not meaningful:
        sentence = (
            f"Your activity score moved from {num(before)} to {num(after)}: less than "
            f"{num(PSFS_MDC_MEAN)} points, so within measurement noise."
        )
    elif change > 0:
        sentence = (
            f"Your activity score rose from {num(before)} to {num(after)}: a real improvement "
            f"(at least {num(PSFS_MDC_MEAN)} points)."
        )
    else:
        sentence = (
            f"Your activity score fell from {num(before)} to {num(after)}: a real change "
            f"(at least {num(PSFS_MDC_MEAN)} points) worth discussing with a clinician."
        )
    return ScoreChange(change=change, meaningful=meaningful, sentence=sentence)
