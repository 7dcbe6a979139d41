"""Plain records the store returns: frozen dataclasses, free of any database session.

Walks come back as :class:`backstride.walks.Walk`; everything else as one of these. Times are
time-zone aware and expressed in the person's time zone, so a caller can take ``.date()`` and
get the person's local day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Person:
    """A walker's profile.

    Attributes
    ----------
    name
        Unique name, used as ``--person NAME``.
    time_zone
        IANA time zone name (``Europe/Berlin``); days and weeks are local to it.
    height_m
        Body height in metres, or ``None``.
    birth_year
        Year of birth, or ``None``.
    goals
        What the person wants from the program, in their words, or ``None``.
    created_at
        When the profile was made (aware, in the person's time zone).
    """

    name: str
    time_zone: str
    height_m: float | None
    birth_year: int | None
    goals: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class Screening:
    """A safety screen with the baseline taken at the same time.

    Attributes
    ----------
    person
        The person's name.
    taken_at
        When the screen was answered (aware, in the person's time zone).
    answers
        The answers as given, keyed by questionnaire item id.
    red_flags
        Ids of the red-flag items answered "yes"; empty when there were none.
    baseline_pain
        Average pain over the last week, 0-10 numeric rating scale.
    psfs_score
        Patient-Specific Functional Scale score, 0-10 (mean of the activities' ratings).
    baseline_walking_min_per_day
        Walking minutes on a walking day at baseline.
    baseline_days_per_week
        Walking days per week at baseline, 0-7 (fractional when measured).
    """

    person: str
    taken_at: dt.datetime
    answers: dict[str, Any]
    red_flags: list[str]
    baseline_pain: float | None = None
    psfs_score: float | None = None
    baseline_walking_min_per_day: float | None = None
    baseline_days_per_week: float | None = None


@dataclass(frozen=True)
class PainEntry:
    """A pain rating on the 0-10 numeric rating scale.

    Attributes
    ----------
    person
        The person's name.
    at
        When the pain was felt (aware, in the person's time zone).
    score
        0 (no pain) to 10 (worst imaginable).
    note
        Free text, or ``None``.
    """

    person: str
    at: dt.datetime
    score: float
    note: str | None = None


@dataclass(frozen=True)
class CoreEntry:
    """A core exercise done.

    Attributes
    ----------
    person
        The person's name.
    at
        When it was done (aware, in the person's time zone).
    exercise
        Exercise id (``plank``, ``side_plank``, ``glute_bridge``, ``bird_dog``, ...).
    sets
        Number of sets, or ``None``.
    reps
        Repetitions per set, or ``None`` for holds.
    seconds
        Hold time per set in seconds, or ``None`` for repetitions.
    """

    person: str
    at: dt.datetime
    exercise: str
    sets: int | None = None
    reps: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class PlanWeek:
    """The plan for one program week.

    Attributes
    ----------
    person
        The person's name.
    week
        Program week number.
    start_date
        First day of the week, in the person's time zone.
    plan
        The plan as the program stage wrote it (JSON data).
    """

    person: str
    week: int
    start_date: dt.date
    plan: dict[str, Any] = field(default_factory=dict)
    program_start: dt.date | None = None


@dataclass(frozen=True)
class Review:
    """A weekly review: the decision for the next week and the reasons for it.

    Attributes
    ----------
    person
        The person's name.
    week
        The program week reviewed.
    decision
        What the program decided (``progress``, ``hold``, ``regress``, ...).
    reasons
        The reasons, in words a walker understands.
    stats
        The numbers the decision was made from (JSON data).
    created_at
        When the review was made (aware, in the person's time zone).
    """

    person: str
    week: int
    decision: str
    reasons: list[str]
    stats: dict[str, Any]
    created_at: dt.datetime
    program_start: dt.date | None = None


@dataclass(frozen=True)
class ImportResult:
    """What :meth:`~backstride.store.Store.add_walks` did.

    Attributes
    ----------
    added
        Walks written.
    skipped_duplicates
        Walks not written because a walk with the same ``source_hash`` was already stored
        for the person (or appeared earlier in the same import).
    replaced
        Walks deleted because the import replaced what was stored from the same data
        (:meth:`~backstride.store.Store.replace_walks`); 0 for an ordinary import.
    """

    added: int
    skipped_duplicates: int
    replaced: int = 0
