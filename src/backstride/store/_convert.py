"""Conversions between BackStride's records and the database rows.

A :class:`~backstride.walks.Walk` is stored field for field: each value field has a column of
the same name, whose kind (whole number, number, text, JSON) follows the field's type, so a
field added to ``Walk`` fails ``tests/test_store_walks.py`` until the schema has it too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from typing import Any
from zoneinfo import ZoneInfo

from backstride.exceptions import InvalidInputError
from backstride.store import _values as v
from backstride.store.models import (
    CoreLogRow,
    PainLogRow,
    PersonRow,
    PlanWeekRow,
    ReviewRow,
    ScreeningRow,
    WalkRow,
)
from backstride.store.records import CoreEntry, PainEntry, Person, PlanWeek, Review, Screening
from backstride.walks.walk import Walk

#: Walk fields stored in a column of the same name (all but ``person``, ``start``, ``end``).
WALK_VALUE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Walk) if f.name not in ("person", "start", "end")
)

SOURCE_HASH_MAX = 500


def _walk_field_kinds() -> dict[str, str]:
    """``int``, ``float``, ``text`` or ``json`` for each stored Walk field, from its type."""
    hints = typing.get_type_hints(Walk)
    kinds = {}
    for name in WALK_VALUE_FIELDS:
        hint = hints[name]
        is_union = typing.get_origin(hint) in (typing.Union, types.UnionType)
        args = set(typing.get_args(hint)) if is_union else {hint}
        args.discard(type(None))
        origins = {typing.get_origin(a) or a for a in args}
        if origins == {int}:
            kinds[name] = "int"
        elif origins == {float}:
            kinds[name] = "float"
        elif origins == {str}:
            kinds[name] = "text"
        else:
            kinds[name] = "json"
    return kinds


_WALK_FIELD_KINDS = _walk_field_kinds()


def walk_values(walk: Walk, person: str, index: int) -> dict[str, Any]:
    """The walk's column values, checked; errors name the walk."""
    if not isinstance(walk, Walk):
        raise InvalidInputError(f"Item {index + 1} of the import is not a Walk.")
    label = f"walk {index + 1} ({walk.source}, {walk.start.isoformat()})"
    if walk.person is not None and walk.person != person:
        raise InvalidInputError(
            f"The {label} belongs to {walk.person!r}, not {person!r}; import it for that person."
        )
    values: dict[str, Any] = {
        "start_utc": v.aware(walk.start, f"start of {label}"),
        "end_utc": v.aware(walk.end, f"end of {label}"),
        "start_utc_offset_min": v.utc_offset_min(walk.start),
        "end_utc_offset_min": v.utc_offset_min(walk.end),
    }
    for name, kind in _WALK_FIELD_KINDS.items():
        value = getattr(walk, name)
        what = f"{name} of {label}"
        if kind == "int":
            values[name] = v.optional_whole(value, what)
        elif kind == "float":
            values[name] = v.optional_number(value, what)
        elif kind == "text":
            if name == "source_hash":  # the identity of the walk's data: never blank
                values[name] = v.text(value, what, max_length=SOURCE_HASH_MAX)
            else:
                values[name] = v.text(value, what, empty=True)
        else:
            values[name] = None if value is None else v.json_data(value, what)
    return values


def walk_from_row(row: WalkRow, person: str, zone: ZoneInfo) -> Walk:
    return Walk(
        start=row.start_utc.astimezone(zone),
        end=row.end_utc.astimezone(zone),
        person=person,
        **{name: getattr(row, name) for name in WALK_VALUE_FIELDS},
    )


def exported_walk(row: WalkRow, person: str) -> dict[str, Any]:
    walk = walk_from_row(row, person, ZoneInfo("UTC"))
    data = jsonable(walk)
    for name, offset in (("start", row.start_utc_offset_min), ("end", row.end_utc_offset_min)):
        local = getattr(walk, name).astimezone(dt.timezone(dt.timedelta(minutes=offset)))
        data[name] = local.isoformat()
    return data


def jsonable(record: Any) -> dict[str, Any]:
    data: dict[str, Any] = dataclasses.asdict(record)
    for key, value in data.items():
        if isinstance(value, dt.date):  # datetimes too
            data[key] = value.isoformat()
    return data


def person_record(row: PersonRow) -> Person:
    return Person(
        name=row.name,
        time_zone=row.time_zone,
        height_m=row.height_m,
        birth_year=row.birth_year,
        goals=row.goals,
        created_at=row.created_at.astimezone(ZoneInfo(row.time_zone)),
    )


def screening_record(row: ScreeningRow, owner: PersonRow) -> Screening:
    return Screening(
        person=owner.name,
        taken_at=row.taken_at.astimezone(ZoneInfo(owner.time_zone)),
        answers=row.answers,
        red_flags=list(row.red_flags),
        baseline_pain=row.baseline_pain,
        psfs_score=row.psfs_score,
        baseline_walking_min_per_day=row.baseline_walking_min_per_day,
        baseline_days_per_week=row.baseline_days_per_week,
    )


def pain_record(row: PainLogRow, owner: PersonRow) -> PainEntry:
    return PainEntry(
        person=owner.name,
        at=row.at.astimezone(ZoneInfo(owner.time_zone)),
        score=row.score,
        note=row.note,
    )


def core_record(row: CoreLogRow, owner: PersonRow) -> CoreEntry:
    return CoreEntry(
        person=owner.name,
        at=row.at.astimezone(ZoneInfo(owner.time_zone)),
        exercise=row.exercise,
        sets=row.sets,
        reps=row.reps,
        seconds=row.seconds,
    )


def plan_week_record(row: PlanWeekRow, owner: PersonRow) -> PlanWeek:
    return PlanWeek(
        person=owner.name,
        week=row.week,
        start_date=row.start_date,
        plan=row.plan,
        program_start=row.program_start,
    )


def review_record(row: ReviewRow, owner: PersonRow) -> Review:
    return Review(
        person=owner.name,
        week=row.week,
        decision=row.decision,
        reasons=list(row.reasons),
        stats=row.stats,
        created_at=row.created_at.astimezone(ZoneInfo(owner.time_zone)),
        program_start=row.program_start,
    )
