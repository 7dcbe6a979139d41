"""The repository API: everything BackStride keeps about people, one transaction per call.

:func:`open_store` opens (and migrates) the database; :class:`Store` reads and writes plain
records (:mod:`backstride.store.records`) and :class:`~backstride.walks.Walk` objects. Every
public method is one transaction: it writes everything or, on any error, nothing. Errors come
out as :class:`~backstride.exceptions.InvalidInputError` (bad or unknown input, one sentence)
or :class:`~backstride.store.StoreError` (the database cannot be used).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, ScalarResult, Select, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import InstrumentedAttribute, Session

import backstride
from backstride.exceptions import InvalidInputError
from backstride.store import _convert as c
from backstride.store import _values as v
from backstride.store._engine import (
    SQLITE_BEGIN,
    create_store_engine,
    database_url,
    shown,
    upgrade_schema,
)
from backstride.store._errors import translate
from backstride.store.models import (
    CoreLogRow,
    PainLogRow,
    PersonRow,
    PlanWeekRow,
    ReviewRow,
    ScreeningRow,
    WalkRow,
)
from backstride.store.records import (
    CoreEntry,
    ImportResult,
    PainEntry,
    Person,
    PlanWeek,
    Review,
    Screening,
)
from backstride.walks.walk import Walk

#: Version of the dictionary :meth:`Store.export_person` returns.
EXPORT_SCHEMA = "backstride.export/1"

_NAME_MAX = 200
_QUERY_CHUNK = 500  # bound parameters per IN (...) query, well below SQLite's limit

RowT = TypeVar("RowT", PainLogRow, CoreLogRow)
EntryT = TypeVar("EntryT", PainEntry, CoreEntry)
SelectT = TypeVar("SelectT", bound=Select[Any])
Bound = dt.datetime | dt.date | None


def open_store(url: str | None = None) -> Store:
    """Open the database at ``url``, creating and migrating it as needed.

    Parameters
    ----------
    url
        SQLAlchemy URL (``sqlite:///path/file.sqlite3``, ``sqlite://`` for memory,
        ``postgresql://user@host/db``). Default: ``BACKSTRIDE_DATABASE_URL``, else an SQLite
        file in the data directory (``BACKSTRIDE_DATA_DIR``); its folder is created.

    Returns
    -------
    Store
        At the newest schema revision (``alembic upgrade head`` has run).

    Raises
    ------
    StoreError
        The database cannot be reached or was made by a newer BackStride.
    InvalidInputError
        The URL is malformed.
    """
    parsed = database_url(url)
    engine = create_store_engine(parsed)
    try:
        upgrade_schema(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise translate(exc, shown(parsed)) from exc
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)


class Store:
    """BackStride's storage: people and what they screened, walked, felt, did and planned.

    Methods take the person's name (``--person NAME``); ``None`` means the only stored
    profile. Times are returned aware, in the person's time zone.

    Parameters
    ----------
    engine
        A migrated engine; use :func:`open_store` rather than calling this directly.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tools and tests; prefer the methods)."""
        return self._engine

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return shown(self._engine.url)

    def close(self) -> None:
        """Close the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Session]:
        """One session in one transaction: committed on success, rolled back on any error."""
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                if write:
                    session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
                yield session
        except SQLAlchemyError as exc:
            raise translate(exc, self.url) from exc

    @staticmethod
    def _person_row(session: Session, person: str | None) -> PersonRow:
        if person is None:
            rows = session.scalars(select(PersonRow).order_by(PersonRow.id).limit(2)).all()
            if not rows:
                raise InvalidInputError(
                    "No profile is stored yet; create one with backstride init."
                )
            if len(rows) > 1:
                raise InvalidInputError("Several people are stored; name one with --person.")
            return rows[0]
        row = session.scalars(select(PersonRow).where(PersonRow.name == person)).one_or_none()
        if row is None and person.strip() != person:  # 'ann ' typed for 'ann'
            row = session.scalars(
                select(PersonRow).where(PersonRow.name == person.strip())
            ).one_or_none()
        if row is None:
            wanted = person.strip().casefold()
            near = [
                name
                for name in session.scalars(select(PersonRow.name))
                if name.strip().casefold() == wanted
            ]
            hint = (
                f"did you mean {near[0]!r}?"
                if len(near) == 1
                else "check --person or run backstride init."
            )
            raise InvalidInputError(f"No person named {person!r} is stored; {hint}")
        return row

    # -- people -----------------------------------------------------------------------------

    def add_person(
        self,
        name: str,
        *,
        time_zone: str,
        height_m: float | None = None,
        birth_year: int | None = None,
        goals: str | None = None,
        created_at: dt.datetime | None = None,
    ) -> Person:
        """Store a new profile.

        Parameters
        ----------
        name
            Unique name (at most 200 characters).
        time_zone
            IANA time zone name (``Europe/Berlin``); the person's days and weeks are local.
        height_m
            Body height in metres (above 0, below 3), or ``None``.
        birth_year
            1900-2100, or ``None``.
        goals
            What the person wants from the program, or ``None``.
        created_at
            Aware datetime; default now.

        Returns
        -------
        Person
            The stored profile.
        """
        row = PersonRow(
            name=v.name(name, max_length=_NAME_MAX),
            time_zone=v.time_zone(time_zone).key,
            height_m=v.optional_number(height_m, "height in metres", low=0.01, high=2.99),
            birth_year=v.optional_whole(birth_year, "birth year", low=1900, high=2100),
            goals=v.optional_text(goals, "goals"),
            created_at=v.aware(created_at, "creation time") if created_at is not None else _now(),
        )
        with self._transaction(write=True) as session:
            taken = session.scalar(select(PersonRow.id).where(PersonRow.name == row.name))
            if taken is not None:
                raise InvalidInputError(
                    f"A person named {row.name!r} is already stored; choose another name."
                )
            session.add(row)
            session.flush()
            return c.person_record(row)

    def get_person(self, person: str | None = None) -> Person:
        """The profile of ``person`` (``None``: the only stored profile)."""
        with self._transaction() as session:
            return c.person_record(self._person_row(session, person))

    def list_persons(self) -> list[Person]:
        """Every stored profile, by name."""
        with self._transaction() as session:
            rows = session.scalars(select(PersonRow).order_by(PersonRow.name))
            return [c.person_record(row) for row in rows]

    # -- screening --------------------------------------------------------------------------

    def add_screening(
        self,
        person: str | None = None,
        *,
        answers: dict[str, Any],
        red_flags: Sequence[str] = (),
        taken_at: dt.datetime | None = None,
        baseline_pain: float | None = None,
        psfs_score: float | None = None,
        baseline_walking_min_per_day: float | None = None,
        baseline_days_per_week: float | None = None,
    ) -> Screening:
        """Store a safety screen and the baseline taken with it.

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile.
        answers
            The answers as given, keyed by questionnaire item id (JSON data).
        red_flags
            Ids of the red-flag items answered "yes".
        taken_at
            Aware datetime; default now.
        baseline_pain
            Pain over the last week, 0-10.
        psfs_score
            Patient-Specific Functional Scale score, 0-10.
        baseline_walking_min_per_day
            Walking minutes on a walking day, 0-1440.
        baseline_days_per_week
            Walking days per week, 0-7 (may be fractional when measured).

        Returns
        -------
        Screening
            As stored.
        """
        row = ScreeningRow(
            taken_at=v.aware(taken_at, "screening time") if taken_at is not None else _now(),
            answers=_json_object(answers, "screening answers"),
            red_flags=[v.text(flag, "red flag id") for flag in _json_list(red_flags, "red flags")],
            baseline_pain=v.optional_number(baseline_pain, "baseline pain", low=0, high=10),
            psfs_score=v.optional_number(psfs_score, "PSFS score", low=0, high=10),
            baseline_walking_min_per_day=v.optional_number(
                baseline_walking_min_per_day, "baseline walking minutes per day", low=0, high=1440
            ),
            baseline_days_per_week=v.optional_number(
                baseline_days_per_week, "baseline walking days per week", low=0, high=7
            ),
        )
        with self._transaction(write=True) as session:
            owner = self._person_row(session, person)
            row.person_id = owner.id
            session.add(row)
            session.flush()
            return c.screening_record(row, owner)

    def latest_screening(self, person: str | None = None) -> Screening | None:
        """The most recent screening of ``person``, or ``None`` if never screened."""
        with self._transaction() as session:
            owner = self._person_row(session, person)
            row = session.scalars(
                select(ScreeningRow)
                .where(ScreeningRow.person_id == owner.id)
                .order_by(ScreeningRow.taken_at.desc(), ScreeningRow.id.desc())
                .limit(1)
            ).one_or_none()
            return None if row is None else c.screening_record(row, owner)

    # -- walks ------------------------------------------------------------------------------

    def add_walks(self, person: str | None, walks: Iterable[Walk]) -> ImportResult:
        """Store walks, skipping any whose ``source_hash`` the person already has.

        Importing the same walks twice changes nothing. All or nothing: if any walk cannot be
        stored, none is, and the error names the walk.

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile. A walk whose ``person`` is set must name
            the same person.
        walks
            The walks to store.

        Returns
        -------
        ImportResult
            How many walks were added and how many skipped as already stored.
        """
        walks = list(walks)
        with self._transaction(write=True) as session:
            owner = self._person_row(session, person)
            return _insert_walks(session, owner, walks)

    def replace_walks(
        self, person: str | None, walks: Iterable[Walk], *, sources: Iterable[str]
    ) -> ImportResult:
        """Delete the walks stored from ``sources`` and store ``walks`` instead, in one go.

        For correcting an import (a recording placed at the wrong time): the walks of one
        recording share its content hash as the prefix of their ``source_hash``
        (``HASH:offset``). All or nothing, as :meth:`add_walks`.

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile.
        walks
            The walks to store.
        sources
            Source hashes: a stored walk is deleted when its ``source_hash`` is one of them or
            starts with one of them followed by ``:``.

        Returns
        -------
        ImportResult
            Walks added, skipped as repeated within ``walks``, and deleted (``replaced``).
        """
        walks = list(walks)
        prefixes = sorted({v.text(s, "source hash", max_length=c.SOURCE_HASH_MAX) for s in sources})
        with self._transaction(write=True) as session:
            owner = self._person_row(session, person)
            replaced = 0
            for prefix in prefixes:
                doomed = (WalkRow.source_hash == prefix) | WalkRow.source_hash.startswith(
                    prefix + ":", autoescape=True
                )
                result = session.execute(
                    delete(WalkRow).where(WalkRow.person_id == owner.id, doomed)
                )
                replaced += result.rowcount or 0  # type: ignore[attr-defined]
            added = _insert_walks(session, owner, walks)
            return ImportResult(added.added, added.skipped_duplicates, replaced)

    def walks_with_hashes(self, person: str | None, source_hashes: Iterable[str]) -> list[Walk]:
        """The person's stored walks whose ``source_hash`` is one of ``source_hashes``."""
        with self._transaction() as session:
            owner = self._person_row(session, person)
            zone = ZoneInfo(owner.time_zone)
            unique = sorted(set(source_hashes))
            found: list[WalkRow] = []
            for i in range(0, len(unique), _QUERY_CHUNK):
                found.extend(
                    session.scalars(
                        select(WalkRow).where(
                            WalkRow.person_id == owner.id,
                            WalkRow.source_hash.in_(unique[i : i + _QUERY_CHUNK]),
                        )
                    )
                )
            found.sort(key=lambda row: (row.start_utc, row.id))
            return [c.walk_from_row(row, owner.name, zone) for row in found]

    def overlapping_walks(
        self, person: str | None, start: dt.datetime, end: dt.datetime
    ) -> list[Walk]:
        """The person's walks that share some time with ``[start, end)``, in time order.

        A walk ending exactly at ``start``, or starting exactly at ``end``, does not overlap;
        a walk of no length overlaps when it lies strictly inside.
        """
        begin = v.aware(start, "start of the period")
        finish = v.aware(end, "end of the period")
        with self._transaction() as session:
            owner = self._person_row(session, person)
            zone = ZoneInfo(owner.time_zone)
            query = (
                select(WalkRow)
                .where(
                    WalkRow.person_id == owner.id,
                    WalkRow.start_utc < finish,
                    WalkRow.end_utc > begin,
                )
                .order_by(WalkRow.start_utc, WalkRow.id)
            )
            return [c.walk_from_row(row, owner.name, zone) for row in session.scalars(query)]

    def list_walks(
        self, person: str | None = None, start: Bound = None, end: Bound = None
    ) -> list[Walk]:
        """The person's walks that start in ``[start, end)``, in time order.

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile.
        start, end
            Aware datetimes, or dates meaning local midnight in the person's time zone
            (so ``list_walks(p, monday, next_monday)`` is the person's local week). ``None``:
            unbounded.

        Returns
        -------
        list of Walk
            With ``person`` set and ``start``/``end`` in the person's time zone.
        """
        with self._transaction() as session:
            owner = self._person_row(session, person)
            zone = ZoneInfo(owner.time_zone)
            query = _between(
                select(WalkRow).where(WalkRow.person_id == owner.id),
                WalkRow.start_utc,
                _bound(start, zone, "start"),
                _bound(end, zone, "end"),
            ).order_by(WalkRow.start_utc, WalkRow.id)
            return [c.walk_from_row(row, owner.name, zone) for row in session.scalars(query)]

    # -- pain and core logs -----------------------------------------------------------------

    def add_pain(
        self,
        person: str | None = None,
        *,
        score: float,
        at: dt.datetime | None = None,
        note: str | None = None,
    ) -> PainEntry:
        """Log pain on the 0-10 numeric rating scale.

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile.
        score
            0 (no pain) to 10 (worst imaginable).
        at
            Aware datetime; default now.
        note
            Free text, or ``None``.

        Returns
        -------
        PainEntry
            As stored.
        """
        row = PainLogRow(
            at=v.aware(at, "pain time") if at is not None else _now(),
            score=v.number(score, "pain score", low=0, high=10),
            note=v.optional_text(note, "pain note"),
        )
        return self._add_log(person, row, c.pain_record)

    def list_pain(
        self, person: str | None = None, start: Bound = None, end: Bound = None
    ) -> list[PainEntry]:
        """Pain ratings in ``[start, end)`` (as in :meth:`list_walks`), in time order."""
        return self._list_logs(person, PainLogRow, c.pain_record, start, end)

    def add_core(
        self,
        person: str | None = None,
        *,
        exercise: str,
        at: dt.datetime | None = None,
        sets: int | None = None,
        reps: int | None = None,
        seconds: float | None = None,
    ) -> CoreEntry:
        """Log a core exercise.

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile.
        exercise
            Exercise id (``plank``, ``side_plank``, ``glute_bridge``, ``bird_dog``, ...).
        at
            Aware datetime; default now.
        sets
            Number of sets (>= 0), or ``None``.
        reps
            Repetitions per set (>= 0), or ``None``.
        seconds
            Hold per set in seconds (>= 0), or ``None``.

        Returns
        -------
        CoreEntry
            As stored.
        """
        row = CoreLogRow(
            at=v.aware(at, "exercise time") if at is not None else _now(),
            exercise=v.text(exercise, "exercise", max_length=100),
            sets=v.optional_whole(sets, "number of sets", low=0, high=1000),
            reps=v.optional_whole(reps, "number of repetitions", low=0, high=100_000),
            seconds=v.optional_number(seconds, "hold in seconds", low=0, high=86_400),
        )
        return self._add_log(person, row, c.core_record)

    def list_core(
        self, person: str | None = None, start: Bound = None, end: Bound = None
    ) -> list[CoreEntry]:
        """Core exercises in ``[start, end)`` (as in :meth:`list_walks`), in time order."""
        return self._list_logs(person, CoreLogRow, c.core_record, start, end)

    def _add_log(
        self, person: str | None, row: RowT, record: Callable[[RowT, PersonRow], EntryT]
    ) -> EntryT:
        """Store one pain or core-exercise row for ``person``; return it as ``record`` says."""
        with self._transaction(write=True) as session:
            owner = self._person_row(session, person)
            row.person_id = owner.id
            session.add(row)
            session.flush()
            return record(row, owner)

    def _list_logs(
        self,
        person: str | None,
        model: type[RowT],
        record: Callable[[RowT, PersonRow], EntryT],
        start: Bound,
        end: Bound,
    ) -> list[EntryT]:
        with self._transaction() as session:
            owner = self._person_row(session, person)
            return [record(row, owner) for row in _logs(session, model, owner, start, end)]

    # -- plans and reviews ------------------------------------------------------------------

    def save_plan_week(
        self,
        person: str | None = None,
        *,
        week: int,
        start_date: dt.date,
        plan: dict[str, Any],
        program_start: dt.date,
    ) -> PlanWeek:
        """Store the plan for one program week, replacing a plan saved for that week before.

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile.
        week
            Program week number (>= 0).
        start_date
            First day of the week, in the person's time zone.
        plan
            The plan (JSON data).
        program_start
            First day of the program the week belongs to (its screening's local date).

        Returns
        -------
        PlanWeek
            As stored.
        """
        week = v.whole(week, "week number", low=0, high=10_000)
        start_date = v.date(start_date, "week's start date")
        plan = _json_object(plan, "plan")
        program_start = v.date(program_start, "program's start date")
        with self._transaction(write=True) as session:
            owner = self._person_row(session, person)
            row = _week_row(session, PlanWeekRow, owner, program_start, week)
            row.start_date = start_date
            row.plan = plan
            session.flush()
            return c.plan_week_record(row, owner)

    def get_plan_week(
        self, person: str | None = None, *, week: int, program_start: dt.date | None = None
    ) -> PlanWeek | None:
        """The plan saved for ``week`` (of the latest program, or of ``program_start``)."""
        week = v.whole(week, "week number")
        with self._transaction() as session:
            owner = self._person_row(session, person)
            query = select(PlanWeekRow).where(
                PlanWeekRow.person_id == owner.id, PlanWeekRow.week == week
            )
            if program_start is not None:
                query = query.where(PlanWeekRow.program_start == program_start)
            row = session.scalars(query.order_by(PlanWeekRow.program_start.desc())).first()
            return None if row is None else c.plan_week_record(row, owner)

    def list_plan_weeks(self, person: str | None = None) -> list[PlanWeek]:
        """Every saved plan week, by week number."""
        with self._transaction() as session:
            owner = self._person_row(session, person)
            rows = session.scalars(
                select(PlanWeekRow)
                .where(PlanWeekRow.person_id == owner.id)
                .order_by(PlanWeekRow.program_start, PlanWeekRow.week)
            )
            return [c.plan_week_record(row, owner) for row in rows]

    def save_review(
        self,
        person: str | None = None,
        *,
        week: int,
        decision: str,
        reasons: Sequence[str],
        stats: dict[str, Any],
        program_start: dt.date,
        created_at: dt.datetime | None = None,
    ) -> Review:
        """Store a weekly review, replacing a review saved for that week before.

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile.
        week
            The program week reviewed (>= 0).
        decision
            What was decided (``progress``, ``hold``, ``regress``, ...).
        reasons
            The reasons, in words a walker understands.
        stats
            The numbers behind the decision (JSON data).
        program_start
            First day of the program the week belongs to (its screening's local date).
        created_at
            Aware datetime; default now.

        Returns
        -------
        Review
            As stored.
        """
        week = v.whole(week, "week number", low=0, high=10_000)
        decision = v.text(decision, "review decision", max_length=50)
        reason_list = [v.text(r, "review reason") for r in _json_list(reasons, "review reasons")]
        stats = _json_object(stats, "review statistics")
        created = v.aware(created_at, "review time") if created_at is not None else _now()
        program_start = v.date(program_start, "program's start date")
        with self._transaction(write=True) as session:
            owner = self._person_row(session, person)
            row = _week_row(session, ReviewRow, owner, program_start, week)
            row.decision = decision
            row.reasons = reason_list
            row.stats = stats
            row.created_at = created
            session.flush()
            return c.review_record(row, owner)

    def list_reviews(self, person: str | None = None) -> list[Review]:
        """Every saved review, by week number."""
        with self._transaction() as session:
            owner = self._person_row(session, person)
            rows = session.scalars(
                select(ReviewRow)
                .where(ReviewRow.person_id == owner.id)
                .order_by(ReviewRow.program_start, ReviewRow.week)
            )
            return [c.review_record(row, owner) for row in rows]

    # -- export and forget ------------------------------------------------------------------

    def export_person(self, person: str | None = None) -> dict[str, Any]:
        """Everything stored about a person, as JSON-serialisable data.

        Times are ISO 8601 strings with their UTC offset: the person's time zone for logs,
        and the offset of the recording clock for walks (the local time the walker saw).

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile.

        Returns
        -------
        dict
            ``schema`` (:data:`EXPORT_SCHEMA`), ``exported_at``, ``backstride_version``,
            ``person``, ``screenings``, ``walks``, ``pain``, ``core``, ``plan_weeks`` and
            ``reviews``; ``json.dumps`` accepts it as it is.
        """
        with self._transaction() as session:
            owner = self._person_row(session, person)
            zone = ZoneInfo(owner.time_zone)

            def rows(model: type[Any], order: Any) -> ScalarResult[Any]:
                return session.scalars(
                    select(model).where(model.person_id == owner.id).order_by(order, model.id)
                )

            return {
                "schema": EXPORT_SCHEMA,
                "exported_at": _now().astimezone(zone).isoformat(),
                "backstride_version": backstride.__version__,
                "person": c.jsonable(c.person_record(owner)),
                "screenings": [
                    c.jsonable(c.screening_record(r, owner))
                    for r in rows(ScreeningRow, ScreeningRow.taken_at)
                ],
                "walks": [c.exported_walk(r, owner.name) for r in rows(WalkRow, WalkRow.start_utc)],
                "pain": [
                    c.jsonable(c.pain_record(r, owner)) for r in rows(PainLogRow, PainLogRow.at)
                ],
                "core": [
                    c.jsonable(c.core_record(r, owner)) for r in rows(CoreLogRow, CoreLogRow.at)
                ],
                "plan_weeks": [
                    c.jsonable(c.plan_week_record(r, owner))
                    for r in rows(PlanWeekRow, PlanWeekRow.week)
                ],
                "reviews": [
                    c.jsonable(c.review_record(r, owner)) for r in rows(ReviewRow, ReviewRow.week)
                ],
            }

    def forget_person(self, person: str | None = None) -> dict[str, int]:
        """Delete a person and everything stored about them.

        Parameters
        ----------
        person
            Name, or ``None`` for the only profile.

        Returns
        -------
        dict
            Rows deleted per kind (``walks``, ``pain_logs``, ...), for telling the user.
        """
        with self._transaction(write=True) as session:
            owner = self._person_row(session, person)
            counts = {
                model.__tablename__: session.scalar(
                    select(func.count()).select_from(model).where(model.person_id == owner.id)
                )
                or 0
                for model in (ScreeningRow, WalkRow, PainLogRow, CoreLogRow, PlanWeekRow, ReviewRow)
            }
            # The database cascades the delete to every table (ON DELETE CASCADE).
            session.delete(owner)
            return {"persons": 1, **counts}


# -- helpers ----------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _json_object(value: object, what: str) -> dict[str, Any]:
    data = v.json_data(value, what)
    if not isinstance(data, dict):
        raise InvalidInputError(f"The {what} must be a JSON object (a dict with text keys).")
    return data


def _json_list(value: object, what: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInputError(f"The {what} must be a list of text.")
    return list(value)


def _bound(value: Bound, zone: ZoneInfo, what: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return v.aware(value, f"{what} of the period")
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=zone)
    raise InvalidInputError(f"The {what} of the period must be a date or an aware datetime.")


def _between(
    query: SelectT,
    column: InstrumentedAttribute[dt.datetime],
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> SelectT:
    if start is not None:
        query = query.where(column >= start)
    if end is not None:
        query = query.where(column < end)
    return query


def _logs(
    session: Session, model: type[RowT], owner: PersonRow, start: Bound, end: Bound
) -> list[RowT]:
    zone = ZoneInfo(owner.time_zone)
    query = _between(
        select(model).where(model.person_id == owner.id),
        model.at,
        _bound(start, zone, "start"),
        _bound(end, zone, "end"),
    ).order_by(model.at, model.id)
    return list(session.scalars(query))


WeekRow = TypeVar("WeekRow", PlanWeekRow, ReviewRow)


def _week_row(
    session: Session, model: type[WeekRow], owner: PersonRow, program_start: dt.date, week: int
) -> WeekRow:
    """The row of one program week (plan or review), created if there is none yet."""
    row = session.scalars(
        select(model).where(
            model.person_id == owner.id, model.program_start == program_start, model.week == week
        )
    ).one_or_none()
    if row is None:
        row = model(person_id=owner.id, program_start=program_start, week=week)
        session.add(row)
    return row


def _insert_walks(session: Session, owner: PersonRow, walks: list[Walk]) -> ImportResult:
    """Insert the walks whose ``source_hash`` the person does not have yet."""
    values = [c.walk_values(walk, owner.name, i) for i, walk in enumerate(walks)]
    hashes = [row["source_hash"] for row in values]
    stored = _stored_hashes(session, owner.id, hashes)
    new: list[dict[str, Any]] = []
    for row in values:
        if row["source_hash"] not in stored:
            stored.add(row["source_hash"])
            new.append({"person_id": owner.id, **row})
    if new:
        session.execute(insert(WalkRow), new)  # one multi-row INSERT, not one per walk
    return ImportResult(added=len(new), skipped_duplicates=len(values) - len(new))


def _stored_hashes(session: Session, person_id: int, hashes: list[str]) -> set[str]:
    found: set[str] = set()
    unique = sorted(set(hashes))
    for i in range(0, len(unique), _QUERY_CHUNK):
        chunk = unique[i : i + _QUERY_CHUNK]
        found.update(
            session.scalars(
                select(WalkRow.source_hash).where(
                    WalkRow.person_id == person_id, WalkRow.source_hash.in_(chunk)
                )
            )
        )
    return found
