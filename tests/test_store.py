"""The store's API for people, screenings, logs, plans and reviews; export and forget."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import Date, bindparam, func, select, text
from sqlalchemy.exc import IntegrityError

from backstride.exceptions import BackstrideError, InvalidInputError
from backstride.store import (
    EXPORT_SCHEMA,
    CoreEntry,
    PainEntry,
    PlanWeek,
    Store,
    StoreError,
    open_store,
)
from backstride.store._errors import translate
from backstride.store.models import Base, UTCDateTime
from backstride.walks import Walk
from test_store_walks import make_walks

# Dates and times bound to raw SQL with the models' own types, so that SQLAlchemy converts
# them for each database (sqlite3's own date and datetime adapters are deprecated since 3.12).
AT = bindparam("at", type_=UTCDateTime())
T = bindparam("t", type_=UTCDateTime())
D = bindparam("d", type_=Date())

BERLIN = dt.timezone(dt.timedelta(hours=1))
MONDAY = dt.date(2024, 1, 8)


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2024, 1, day, hour, tzinfo=BERLIN)


def rows_per_table(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def fill(store: Store, name: str) -> None:
    """One of everything for ``name``."""
    store.add_person(name, time_zone="Europe/Berlin", height_m=1.7, birth_year=1980, goals="walk")
    store.add_screening(
        name,
        answers={"saddle_numbness": False, "psfs": [{"activity": "stairs", "score": 6}]},
        red_flags=[],
        taken_at=at(1),
        baseline_pain=4,
        psfs_score=6.0,
        baseline_walking_min_per_day=15,
        baseline_days_per_week=3,
    )
    store.add_walks(name, make_walks(3))
    store.add_pain(name, score=4, at=at(8), note="stiff morning")
    store.add_core(name, exercise="plank", sets=3, seconds=20, at=at(8, 18))
    store.save_plan_week(
        name, week=1, start_date=MONDAY, plan={"sessions": [{"minutes": 10}]}, program_start=MONDAY
    )
    store.save_review(
        name,
        week=1,
        decision="progress",
        reasons=["all sessions done"],
        stats={"minutes": 75},
        program_start=MONDAY,
    )


# -- people ---------------------------------------------------------------------------------


def test_people_are_added_listed_and_resolved(store: Store) -> None:
    with pytest.raises(
        InvalidInputError, match="No profile is stored yet; create one with backstride init"
    ):
        store.get_person()
    ann = store.add_person(
        "ann", time_zone="Europe/Berlin", height_m=1.68, birth_year=1971, goals="no flares"
    )
    assert (ann.name, ann.time_zone, ann.height_m, ann.birth_year) == (
        "ann",
        "Europe/Berlin",
        1.68,
        1971,
    )
    assert str(ann.created_at.tzinfo) == "Europe/Berlin"
    assert store.get_person() == ann  # the only profile
    store.add_person("bob", time_zone="UTC")
    with pytest.raises(
        InvalidInputError, match="Several people are stored; name one with --person"
    ):
        store.list_walks()
    assert [p.name for p in store.list_persons()] == ["ann", "bob"]
    assert store.get_person("bob").time_zone == "UTC"
    with pytest.raises(InvalidInputError, match="No person named 'carl'"):
        store.add_pain("carl", score=3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"time_zone": "UTC", "height_m": 170}, "height in metres"),
        ({"time_zone": "UTC", "birth_year": 1850}, "birth year"),
        ({"time_zone": "UTC", "created_at": dt.datetime(2024, 1, 1)}, "time-zone aware"),
    ],
)
def test_bad_profiles_are_refused(store: Store, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        store.add_person("ann", **kwargs)
    assert store.list_persons() == []


def test_a_name_is_stored_once(store: Store) -> None:
    store.add_person("ann", time_zone="UTC")
    with pytest.raises(InvalidInputError, match="already stored"):
        store.add_person("ann", time_zone="Europe/Berlin")
    assert store.get_person("ann").time_zone == "UTC"


@pytest.mark.parametrize("name", ["new\nline", "tab\there", "bell\x07", "cr\r"])
def test_a_name_is_one_line_of_text(store: Store, name: str) -> None:
    """A line break in a name was stored, and the calendar export then failed with an
    internal error ('Content line can not contain unescaped new line characters')."""
    with pytest.raises(InvalidInputError, match=r"control character .* give it on one line"):
        store.add_person(name, time_zone="UTC")
    assert store.list_persons() == []
    store.add_person("Zoë Ångström-李", time_zone="UTC")  # letters of any script are fine


def test_a_person_is_found_despite_stray_spaces_and_a_wrong_case_is_named(store: Store) -> None:
    store.add_person("Ann", time_zone="UTC")
    assert store.get_person("Ann ").name == "Ann"  # was "No person named 'Ann '"
    with pytest.raises(
        InvalidInputError, match="No person named 'ann' is stored; did you mean 'Ann'"
    ):
        store.get_person("ann")
    with pytest.raises(InvalidInputError, match="check --person or run backstride init"):
        store.get_person("Bob")


# -- screening, logs, plans, reviews --------------------------------------------------------


def test_the_latest_screening_is_returned(store: Store) -> None:
    store.add_person("ann", time_zone="Europe/Berlin")
    assert store.latest_screening() is None
    store.add_screening(answers={"q": 1}, red_flags=[], taken_at=at(1), baseline_pain=5)
    store.add_screening(
        answers={"q": 2}, red_flags=["saddle_numbness"], taken_at=at(15), baseline_pain=3
    )
    latest = store.latest_screening("ann")
    assert latest is not None
    assert (latest.answers, latest.red_flags, latest.baseline_pain) == (
        {"q": 2},
        ["saddle_numbness"],
        3.0,
    )
    assert latest.taken_at == at(15)
    with pytest.raises(InvalidInputError, match="baseline walking days per week"):
        store.add_screening(answers={}, baseline_days_per_week=8)


def test_pain_and_core_logs_by_local_period(store: Store) -> None:
    store.add_person("ann", time_zone="Europe/Berlin")
    for day, score in [(7, 5), (8, 4), (14, 6), (15, 2)]:
        store.add_pain(score=score, at=at(day))
    store.add_core(exercise="glute_bridge", sets=2, reps=10, at=at(9))
    week = store.list_pain("ann", MONDAY, MONDAY + dt.timedelta(days=7))
    assert [(p.at.day, p.score) for p in week] == [(8, 4.0), (14, 6.0)]
    assert all(isinstance(p, PainEntry) and str(p.at.tzinfo) == "Europe/Berlin" for p in week)
    assert store.list_core() == [
        CoreEntry(person="ann", at=at(9), exercise="glute_bridge", sets=2, reps=10)
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.add_pain(score=11), "between 0 and 10"),
        (lambda s: s.add_pain(score=float("nan")), "finite"),
        (lambda s: s.add_pain(score=3, at=dt.datetime(2024, 1, 1)), "time-zone aware"),
        (lambda s: s.add_core(exercise="plank", seconds=-20), "between 0 and 86400"),
        (lambda s: s.add_core(exercise="plank", sets=2.5), "whole number"),
        (lambda s: s.add_core(exercise=""), "cannot be empty"),
        (
            lambda s: s.save_plan_week(week=-1, start_date=MONDAY, plan={}, program_start=MONDAY),
            "week number",
        ),
        (
            lambda s: s.save_plan_week(week=1, start_date=at(8), plan={}, program_start=MONDAY),
            "must be a date",
        ),
        (
            lambda s: s.save_plan_week(
                week=1, start_date=MONDAY, plan={1: "x"}, program_start=MONDAY
            ),
            "text keys",
        ),
        (
            lambda s: s.save_review(
                week=1, decision="", reasons=[], stats={}, program_start=MONDAY
            ),
            "empty",
        ),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    store: Store, call: Any, message: str
) -> None:
    store.add_person("ann", time_zone="UTC")
    before = rows_per_table(store)
    with pytest.raises(InvalidInputError, match=message):
        call(store)
    assert rows_per_table(store) == before


def test_plan_weeks_and_reviews_are_saved_per_week(store: Store) -> None:
    store.add_person("ann", time_zone="Europe/Berlin")
    store.save_plan_week(week=1, start_date=MONDAY, plan={"minutes": 60}, program_start=MONDAY)
    store.save_plan_week(
        week=1, start_date=MONDAY, plan={"minutes": 70}, program_start=MONDAY
    )  # replaced
    store.save_plan_week(
        week=2, start_date=MONDAY + dt.timedelta(days=7), plan={"minutes": 80}, program_start=MONDAY
    )
    assert store.get_plan_week(week=1) == PlanWeek("ann", 1, MONDAY, {"minutes": 70}, MONDAY)
    assert store.get_plan_week(week=3) is None
    assert [p.week for p in store.list_plan_weeks()] == [1, 2]

    store.save_review(
        week=1, decision="hold", reasons=["pain rose"], stats={"flare": True}, program_start=MONDAY
    )
    store.save_review(
        week=1, decision="regress", reasons=["flare: +2 for 2 days"], stats={}, program_start=MONDAY
    )
    store.save_review(
        week=2,
        decision="progress",
        reasons=["5 of 5 days"],
        stats={"days": 5},
        program_start=MONDAY,
    )
    reviews = store.list_reviews()
    assert [(r.week, r.decision, r.reasons) for r in reviews] == [
        (1, "regress", ["flare: +2 for 2 days"]),
        (2, "progress", ["5 of 5 days"]),
    ]
    assert str(reviews[0].created_at.tzinfo) == "Europe/Berlin"


def test_a_new_program_keeps_the_old_programs_weeks(store: Store) -> None:
    store.add_person("ann", time_zone="Europe/Berlin")
    later = MONDAY + dt.timedelta(weeks=8)
    store.save_review(week=1, decision="stop", reasons=["red flag"], stats={}, program_start=MONDAY)
    store.save_review(week=1, decision="progress", reasons=["ok"], stats={}, program_start=later)
    reviews = store.list_reviews()
    assert [(r.program_start, r.decision) for r in reviews] == [
        (MONDAY, "stop"),
        (later, "progress"),
    ]


# -- export and forget ----------------------------------------------------------------------


def test_export_contains_everything_and_is_json(store: Store) -> None:
    fill(store, "ann")
    fill(store, "bob")
    exported = store.export_person("ann")
    again = json.loads(json.dumps(exported, allow_nan=False))
    assert again == exported
    assert exported["schema"] == EXPORT_SCHEMA
    assert exported["person"]["name"] == "ann" and exported["person"]["goals"] == "walk"
    counts = {key: len(exported[key]) for key in ("screenings", "walks", "pain", "core")}
    assert counts == {"screenings": 1, "walks": 3, "pain": 1, "core": 1}
    assert len(exported["plan_weeks"]) == len(exported["reviews"]) == 1
    assert exported["screenings"][0]["answers"]["psfs"] == [{"activity": "stairs", "score": 6}]
    walk = exported["walks"][0]
    assert set(walk) == set(Walk.__dataclass_fields__)
    assert walk["start"] == "2024-05-06T08:00:00+02:00"  # the recording clock's offset
    assert walk["trunk_rom_deg"] == {"sagittal": 4.2, "frontal": None, "transverse": 6.0}
    assert exported["plan_weeks"][0]["start_date"] == "2024-01-08"
    assert exported["reviews"][0]["reasons"] == ["all sessions done"]
    assert all(
        item["person"] == "ann" for key in ("walks", "pain", "core") for item in exported[key]
    )


def test_forget_deletes_everything_of_that_person_only(store: Store) -> None:
    fill(store, "ann")
    fill(store, "bob")
    bob_before = store.export_person("bob")
    deleted = store.forget_person("ann")
    assert deleted == {
        "persons": 1,
        "screenings": 1,
        "walks": 3,
        "pain_logs": 1,
        "core_logs": 1,
        "plan_weeks": 1,
        "reviews": 1,
    }
    assert rows_per_table(store) == {
        "persons": 1,
        "screenings": 1,
        "walks": 3,
        "pain_logs": 1,
        "core_logs": 1,
        "plan_weeks": 1,
        "reviews": 1,
    }
    with pytest.raises(InvalidInputError, match="No person named 'ann'"):
        store.export_person("ann")
    bob_after = store.export_person("bob")
    assert {k: v for k, v in bob_after.items() if k != "exported_at"} == {
        k: v for k, v in bob_before.items() if k != "exported_at"
    }
    store.forget_person()  # bob, now the only profile
    assert set(rows_per_table(store).values()) == {0}


def test_the_database_itself_enforces_ranges_and_cascades(store: Store) -> None:
    """CHECK constraints and ON DELETE CASCADE hold for writes that bypass the store."""
    store.add_person("ann", time_zone="UTC")
    with store.engine.connect() as connection:
        person_id = connection.scalar(text("SELECT id FROM persons"))
        with pytest.raises(IntegrityError, match="ck_pain_logs_score"):
            connection.execute(
                text(
                    "INSERT INTO pain_logs (person_id, at, score) VALUES (:p, :at, 11)"
                ).bindparams(AT),
                {"p": person_id, "at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)},
            )
        connection.rollback()
        with pytest.raises(IntegrityError):
            connection.execute(
                text(
                    "INSERT INTO pain_logs (person_id, at, score) VALUES (999, :at, 1)"
                ).bindparams(AT),
                {"at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)},
            )
        connection.rollback()
    store.add_pain(score=1)
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM persons"))
    assert set(rows_per_table(store).values()) == {0}


def test_database_errors_become_one_sentence(store: Store) -> None:
    store.add_person("ann", time_zone="UTC")
    with store.engine.connect() as connection, pytest.raises(IntegrityError) as info:
        connection.execute(
            text(
                "INSERT INTO persons (name, time_zone, created_at) VALUES ('ann', 'UTC', :t)"
            ).bindparams(T),
            {"t": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)},
        )
    error = translate(info.value, store.url)
    assert isinstance(error, InvalidInputError)
    assert str(error) == "A person with that name is already stored; choose another name."


@pytest.mark.parametrize("table", ["plan_weeks", "reviews"])
def test_a_week_saved_twice_at_once_is_one_sentence(store: Store, table: str) -> None:
    """The unique keys gained the program's start (migration 0002); the sentences kept the
    old constraint names, so a clash read as 'breaks a rule of the database (...)'."""
    store.add_person("ann", time_zone="UTC")
    columns = {
        "plan_weeks": "start_date, plan) VALUES (:p, :d, 1, :d, '{}')",
        "reviews": "decision, reasons, stats, created_at) VALUES (:p, :d, 1, 'hold', '[]', "
        "'{}', :t)",
    }[table]
    insert = text(f"INSERT INTO {table} (person_id, program_start, week, {columns}")
    insert = insert.bindparams(D, T) if table == "reviews" else insert.bindparams(D)
    values = {"d": dt.date(2024, 1, 1), "t": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}
    with store.engine.connect() as connection:
        values["p"] = connection.scalar(text("SELECT id FROM persons"))
        connection.execute(insert, values)
        with pytest.raises(IntegrityError) as info:
            connection.execute(insert, values)
    what = "plan week" if table == "plan_weeks" else "review"
    assert str(translate(info.value, store.url)) == (
        f"That {what} was saved at the same time; save it again."
    )


# -- opening ------------------------------------------------------------------------------------


def test_an_unreachable_server_is_one_sentence() -> None:
    with pytest.raises(StoreError, match="cannot be used") as info:
        open_store("postgresql://nobody:secret@127.0.0.1:9/nowhere?connect_timeout=2")
    assert "secret" not in str(info.value)
    assert isinstance(info.value, BackstrideError)


def test_a_malformed_url_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="database URL"):
        open_store("not a url")


def test_in_memory_sqlite_works() -> None:
    with open_store("sqlite://") as memory:
        memory.add_person("ann", time_zone="UTC")
        assert memory.add_walks("ann", make_walks(2)).added == 2
        assert len(memory.list_walks()) == 2


def test_walks_survive_reopening(database_url: str) -> None:
    with open_store(database_url) as first:
        first.add_person("ann", time_zone="Asia/Kolkata")
        first.add_walks("ann", make_walks(4))
    with open_store(database_url) as second:
        back = second.list_walks("ann")
    assert [w.source_hash for w in back] == [w.source_hash for w in make_walks(4)]
    assert all(isinstance(w, Walk) and str(w.start.tzinfo) == "Asia/Kolkata" for w in back)
