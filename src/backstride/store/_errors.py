"""SQLAlchemy errors turned into BackStride errors at the store's boundary.

Callers (CLI, web, program) only ever see :class:`~backstride.exceptions.BackstrideError`
subclasses with one sentence. A broken database rule becomes
:class:`~backstride.exceptions.InvalidInputError` naming the value at fault; a database that
cannot be reached or used becomes :class:`StoreError`.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from backstride.exceptions import BackstrideError, InvalidInputError


class StoreError(BackstrideError):
    """The database cannot be opened or used (server unreachable, file locked, newer schema)."""


#: A sentence per named constraint (names from ``models.NAMING_CONVENTION``). The store checks
#: these values before writing; the sentences cover what only the database can see (two
#: processes writing at once) and writes that bypass the store's checks.
_SENTENCES = {
    "uq_persons_name": "A person with that name is already stored; choose another name.",
    "uq_walks_person_id_source_hash": (
        "Another import stored the same walk at the same time; run the import again."
    ),
    "uq_plan_weeks_person_id_program_start_week": (
        "That plan week was saved at the same time; save it again."
    ),
    "uq_reviews_person_id_program_start_week": (
        "That review was saved at the same time; save it again."
    ),
    "ck_persons_height_m": "The height must be in metres, above 0 and below 3.",
    "ck_persons_birth_year": "The birth year must be between 1900 and 2100.",
    "ck_walks_ends_after_start": "A walk cannot end before it starts; check the dates.",
    "ck_walks_step_time_ratio": (
        "A walk's step-time ratio puts the longer foot's steps on top, so it is at least 1."
    ),
    "ck_pain_logs_score": "A pain score must be between 0 and 10.",
}
_FOREIGN_KEY = "The person was deleted while this was being written; nothing was stored."
_TABLES = ("persons", "screenings", "walks", "pain_logs", "core_logs", "plan_weeks", "reviews")

# SQLite names the columns of a violated UNIQUE constraint, not the constraint.
_SQLITE_UNIQUE = {
    "persons.name": "uq_persons_name",
    "walks.person_id, walks.source_hash": "uq_walks_person_id_source_hash",
    "plan_weeks.person_id, plan_weeks.program_start, plan_weeks.week": (
        "uq_plan_weeks_person_id_program_start_week"
    ),
    "reviews.person_id, reviews.program_start, reviews.week": (
        "uq_reviews_person_id_program_start_week"
    ),
}


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _constraint_name(exc: IntegrityError) -> str | None:
    """The violated constraint's name (PostgreSQL reports it; SQLite's message has it)."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    message = _first_line(exc)
    if "FOREIGN KEY constraint failed" in message:
        return "fk_"
    for columns, constraint in _SQLITE_UNIQUE.items():
        if message.endswith(columns):
            return constraint
    if "CHECK constraint failed: " in message:
        return message.split("CHECK constraint failed: ", 1)[1].strip()
    return None


def _integrity_sentence(exc: IntegrityError) -> str:
    name = _constraint_name(exc)
    if name is None:
        return f"The data breaks a rule of the database ({_first_line(exc)}); nothing was written."
    if name.startswith("fk_"):
        return _FOREIGN_KEY
    if name in _SENTENCES:
        return _SENTENCES[name]
    for table in _TABLES:
        if name.startswith(f"ck_{table}_"):
            rule = name.removeprefix(f"ck_{table}_")
            return f"A {table} value ({rule}) is out of its allowed range; nothing was written."
    return f"A value breaks the database rule {name}; nothing was written."


def translate(exc: SQLAlchemyError, where: str) -> BackstrideError:
    """The BackStride error to raise for a database error.

    Parameters
    ----------
    exc
        The error SQLAlchemy raised.
    where
        The database, as it may be shown to the user (no password).

    Returns
    -------
    BackstrideError
        :class:`InvalidInputError` for data the database refuses, :class:`StoreError` for
        a database that cannot be used.
    """
    if isinstance(exc, IntegrityError):
        return InvalidInputError(_integrity_sentence(exc))
    if isinstance(exc, DataError):
        return InvalidInputError(
            f"A value does not fit the database ({_first_line(exc)}); nothing was written."
        )
    return StoreError(f"The database {where} cannot be used: {_first_line(exc)}.")
