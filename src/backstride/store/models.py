"""The database schema: typed SQLAlchemy 2 models, one table per kind of record.

Every table that belongs to a person references ``persons.id`` with ``ON DELETE CASCADE``, so
forgetting a person is one ``DELETE`` and the database, not the code, guarantees that nothing
of theirs is left behind. Absolute times are stored as UTC instants (:class:`UTCDateTime`);
walks also keep the UTC offset their source reported, so the local clock time the walker saw
can be rebuilt. Ranges that the program relies on (pain 0-10, durations >= 0, ...) are CHECK
constraints, so even a write that bypasses :class:`~backstride.store.Store` cannot store
values the program would misread.

Constraint names follow :data:`NAMING_CONVENTION`: Alembic needs named constraints to alter
SQLite tables in batch mode, and :mod:`backstride.store._errors` turns a violated constraint's
name into a sentence for the user.

Changing a model needs a migration: ``alembic -c src/backstride/store/migrations/alembic.ini
revision --autogenerate -m "what changed"``; ``tests/test_store_migrations.py`` fails while the
models and the migrations disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

#: Deterministic constraint names (Alembic batch mode on SQLite and error messages need them).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A time-zone aware instant, stored in UTC.

    PostgreSQL keeps it as ``timestamp with time zone``. SQLite has no time-zone type, so the
    instant is written as naive UTC text (fixed width, so text order is time order) and the
    UTC zone is put back on reading. Either way Python always gets an aware datetime in UTC,
    and a naive datetime is refused instead of being silently read as some zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Convert an aware datetime to UTC (naive UTC for SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetimes cannot be stored; attach a time zone")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Return the stored instant as an aware datetime in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _json() -> JSON:
    # none_as_null: Python None is SQL NULL, so "unknown" (None) and "known to be empty" ({} or
    # []) stay different things. Plain JSON, not JSONB, on PostgreSQL: json keeps the text as
    # written, so numbers read back exactly (jsonb would turn -0.0 into the integer 0).
    return JSON(none_as_null=True)


def _between(column: str, low: float, high: float) -> str:
    return f"{column} IS NULL OR ({column} >= {low} AND {column} <= {high})"


def _at_least(column: str, low: float) -> str:
    return f"{column} IS NULL OR {column} >= {low}"


class Base(DeclarativeBase):
    """Declarative base holding the metadata that the migrations must match."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dt.datetime: UTCDateTime(),
        float: Double(),
        dict[str, Any]: _json(),
        list[Any]: _json(),
    }


def _person_fk() -> Mapped[int]:
    # No separate index: every table's (person_id, ...) index or unique constraint covers it.
    return mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), nullable=False)


class PersonRow(Base):
    """A walker's profile; everything else belongs to one person."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    height_m: Mapped[float | None]
    birth_year: Mapped[int | None]
    goals: Mapped[str | None] = mapped_column(Text)
    #: IANA time zone name (e.g. ``Europe/Berlin``): the person's days and weeks are local.
    time_zone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]

    screenings: Mapped[list[ScreeningRow]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    walks: Mapped[list[WalkRow]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    pain_logs: Mapped[list[PainLogRow]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    core_logs: Mapped[list[CoreLogRow]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    plan_weeks: Mapped[list[PlanWeekRow]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    reviews: Mapped[list[ReviewRow]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("length(time_zone) > 0", name="time_zone_not_empty"),
        CheckConstraint("height_m IS NULL OR (height_m > 0 AND height_m < 3)", name="height_m"),
        CheckConstraint(_between("birth_year", 1900, 2100), name="birth_year"),
    )


class ScreeningRow(Base):
    """A safety screen and the baseline measured or asked at that time."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    taken_at: Mapped[dt.datetime]
    #: The answers as given, keyed by questionnaire item id (questionnaires are data).
    answers: Mapped[dict[str, Any]]
    #: Ids of the red-flag items answered "yes" (empty: none).
    red_flags: Mapped[list[Any]]
    baseline_pain: Mapped[float | None]
    psfs_score: Mapped[float | None]
    baseline_walking_min_per_day: Mapped[float | None]
    #: May be fractional when measured from walks (mean over the baseline window).
    baseline_days_per_week: Mapped[float | None]

    person: Mapped[PersonRow] = relationship(back_populates="screenings")

    __table_args__ = (
        CheckConstraint(_between("baseline_pain", 0, 10), name="baseline_pain"),
        CheckConstraint(_between("psfs_score", 0, 10), name="psfs_score"),
        CheckConstraint(
            _between("baseline_walking_min_per_day", 0, 1440), name="baseline_walking_min"
        ),
        CheckConstraint(_between("baseline_days_per_week", 0, 7), name="baseline_days"),
        Index(None, "person_id", "taken_at"),
    )


class WalkRow(Base):
    """One :class:`backstride.walks.Walk`, field for field.

    ``start_utc`` and ``end_utc`` are the walk's instants; ``*_utc_offset_min`` is the offset
    from UTC (minutes) of the clock that recorded them, so the original local time can be
    rebuilt (a walk recorded while travelling keeps the time the walker saw).
    """

    __tablename__ = "walks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    start_utc: Mapped[dt.datetime]
    end_utc: Mapped[dt.datetime]
    start_utc_offset_min: Mapped[int]
    end_utc_offset_min: Mapped[int]
    source: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(500))
    duration_s: Mapped[float | None]
    walking_s: Mapped[float | None]
    steps: Mapped[int | None] = mapped_column(BigInteger)
    distance_m: Mapped[float | None]
    cadence_spm: Mapped[float | None]
    moderate_s: Mapped[float | None]
    vigorous_s: Mapped[float | None]
    brisk_intervals: Mapped[int | None] = mapped_column(BigInteger)
    elevation_gain_m: Mapped[float | None]
    elevation_loss_m: Mapped[float | None]
    mean_grade_pct: Mapped[float | None]
    speed_mps: Mapped[float | None]
    stride_length_m: Mapped[float | None]
    step_regularity: Mapped[float | None]
    stride_regularity: Mapped[float | None]
    symmetry: Mapped[float | None]
    step_time_ratio: Mapped[float | None]
    trunk_rom_deg: Mapped[dict[str, Any] | None]
    trunk_lean_deg: Mapped[float | None]
    impact_mps2: Mapped[float | None]
    effort_0_10: Mapped[float | None]
    pain_before: Mapped[float | None]
    pain_after: Mapped[float | None]
    extra: Mapped[dict[str, Any]]

    person: Mapped[PersonRow] = relationship(back_populates="walks")

    __table_args__ = (
        # The same data is never counted twice for one person (DESIGN.md, "The Walk").
        UniqueConstraint("person_id", "source_hash"),
        CheckConstraint("end_utc >= start_utc", name="ends_after_start"),
        CheckConstraint("length(source_hash) > 0", name="source_hash_not_empty"),
        CheckConstraint(
            "start_utc_offset_min BETWEEN -1440 AND 1440 "
            "AND end_utc_offset_min BETWEEN -1440 AND 1440",
            name="utc_offset_min",
        ),
        CheckConstraint(_at_least("duration_s", 0), name="duration_s"),
        CheckConstraint(_at_least("walking_s", 0), name="walking_s"),
        CheckConstraint(_at_least("steps", 0), name="steps"),
        CheckConstraint(_at_least("distance_m", 0), name="distance_m"),
        CheckConstraint(_at_least("moderate_s", 0), name="moderate_s"),
        CheckConstraint(_at_least("vigorous_s", 0), name="vigorous_s"),
        CheckConstraint(_at_least("brisk_intervals", 0), name="brisk_intervals"),
        CheckConstraint(_between("effort_0_10", 0, 10), name="effort_0_10"),
        CheckConstraint(_between("pain_before", 0, 10), name="pain_before"),
        CheckConstraint(_between("pain_after", 0, 10), name="pain_after"),
        CheckConstraint(_at_least("step_time_ratio", 1), name="step_time_ratio"),
        Index(None, "person_id", "start_utc"),
    )


class PainLogRow(Base):
    """A pain rating on the 0-10 numeric rating scale."""

    __tablename__ = "pain_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    at: Mapped[dt.datetime]
    score: Mapped[float]
    note: Mapped[str | None] = mapped_column(Text)

    person: Mapped[PersonRow] = relationship(back_populates="pain_logs")

    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 10", name="score"),
        Index(None, "person_id", "at"),
    )


class CoreLogRow(Base):
    """One core exercise done (sets of repetitions or of timed holds)."""

    __tablename__ = "core_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    at: Mapped[dt.datetime]
    exercise: Mapped[str] = mapped_column(String(100))
    sets: Mapped[int | None]
    reps: Mapped[int | None]
    seconds: Mapped[float | None]

    person: Mapped[PersonRow] = relationship(back_populates="core_logs")

    __table_args__ = (
        CheckConstraint("length(exercise) > 0", name="exercise_not_empty"),
        CheckConstraint(_at_least("sets", 0), name="sets"),
        CheckConstraint(_at_least("reps", 0), name="reps"),
        CheckConstraint(_at_least("seconds", 0), name="seconds"),
        Index(None, "person_id", "at"),
    )


class PlanWeekRow(Base):
    """The plan prescribed for one program week (one per person, program and week)."""

    __tablename__ = "plan_weeks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    #: First day of the program (its screening): a new screening starts a new program, whose
    #: weeks are numbered from 1 again without overwriting the old one.
    program_start: Mapped[dt.date] = mapped_column(Date)
    week: Mapped[int]
    #: First day of the week, in the person's time zone.
    start_date: Mapped[dt.date] = mapped_column(Date)
    plan: Mapped[dict[str, Any]]

    person: Mapped[PersonRow] = relationship(back_populates="plan_weeks")

    __table_args__ = (
        UniqueConstraint("person_id", "program_start", "week"),
        CheckConstraint("week >= 0", name="week"),
    )


class ReviewRow(Base):
    """A weekly review: the decision for next week and why (one per person, program, week)."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    program_start: Mapped[dt.date] = mapped_column(Date)
    week: Mapped[int]
    decision: Mapped[str] = mapped_column(String(50))
    reasons: Mapped[list[Any]]
    stats: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]

    person: Mapped[PersonRow] = relationship(back_populates="reviews")

    __table_args__ = (
        UniqueConstraint("person_id", "program_start", "week"),
        CheckConstraint("week >= 0", name="week"),
        CheckConstraint("length(decision) > 0", name="decision_not_empty"),
    )
