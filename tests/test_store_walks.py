"""Walks in the store: lossless round trips, idempotent imports, and no partial writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from backstride.exceptions import InvalidInputError
from backstride.store import ImportResult, Store, open_store
from backstride.store._convert import WALK_VALUE_FIELDS
from backstride.store.models import WalkRow
from backstride.walks import Walk

UTC = dt.UTC

# -- strategies ---------------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
_finite = st.floats(allow_nan=False, allow_infinity=False)
_non_negative = st.none() | st.floats(min_value=0, allow_nan=False, allow_infinity=False)
_scale_0_10 = st.none() | st.floats(min_value=0, max_value=10)
_count = st.none() | st.integers(min_value=0, max_value=2**63 - 1)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | _finite | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_zones = st.timezones() | st.integers(-1439, 1439).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)


@st.composite
def walks(draw: st.DrawFn) -> Walk:
    start = draw(
        st.datetimes(
            min_value=dt.datetime(1950, 1, 1),
            max_value=dt.datetime(2150, 1, 1),
            timezones=_zones,
            allow_imaginary=False,
        )
    )
    length = draw(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=2)))
    end = (start.astimezone(UTC) + length).astimezone(draw(_zones))  # its own clock
    rom = st.dictionaries(
        st.sampled_from(["sagittal", "frontal", "transverse"]), st.none() | _finite
    )
    return Walk(
        start=start,
        end=end,
        source=draw(_text),
        source_hash=draw(_text.filter(str.strip)),
        duration_s=draw(_non_negative),
        walking_s=draw(_non_negative),
        steps=draw(_count),
        distance_m=draw(_non_negative),
        cadence_spm=draw(st.none() | _finite),
        moderate_s=draw(_non_negative),
        vigorous_s=draw(_non_negative),
        brisk_intervals=draw(_count),
        elevation_gain_m=draw(st.none() | _finite),
        elevation_loss_m=draw(st.none() | _finite),
        mean_grade_pct=draw(st.none() | _finite),
        speed_mps=draw(st.none() | _finite),
        stride_length_m=draw(st.none() | _finite),
        step_regularity=draw(st.none() | _finite),
        stride_regularity=draw(st.none() | _finite),
        symmetry=draw(st.none() | _finite),
        step_time_ratio=draw(st.none() | st.floats(min_value=1, allow_infinity=False)),
        trunk_rom_deg=draw(st.none() | rom),
        trunk_lean_deg=draw(st.none() | _finite),
        impact_mps2=draw(st.none() | _finite),
        effort_0_10=draw(_scale_0_10),
        pain_before=draw(_scale_0_10),
        pain_after=draw(_scale_0_10),
        extra=draw(st.dictionaries(_text, _json, max_size=4)),
    )


def make_walks(n: int, *, day: dt.date = dt.date(2024, 5, 6), prefix: str = "rec") -> list[Walk]:
    berlin = dt.timezone(dt.timedelta(hours=2))
    out = []
    for i in range(n):
        start = dt.datetime.combine(day, dt.time(8), tzinfo=berlin) + dt.timedelta(hours=i)
        out.append(
            Walk(
                start=start,
                end=start + dt.timedelta(minutes=25),
                source="test",
                source_hash=f"{prefix}:{i}",
                duration_s=1500.0,
                steps=2900 + i,
                cadence_spm=112.5,
                trunk_rom_deg={"sagittal": 4.2, "frontal": None, "transverse": 6.0},
                extra={"bouts": 2},
            )
        )
    return out


def stored_walk_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(WalkRow)) or 0)


_names = itertools.count()


def in_utc(walk: Walk) -> Walk:
    """The walk with its times in UTC, for comparing instants.

    Python never finds a local time in a repeated hour (autumn clock change) equal to a time
    in another zone, even at the same instant (PEP 495), so compare the instants in UTC.
    """
    return dataclasses.replace(walk, start=walk.start.astimezone(UTC), end=walk.end.astimezone(UTC))


# -- round trip ---------------------------------------------------------------------------------


def test_every_walk_field_has_a_column() -> None:
    columns = set(WalkRow.__table__.columns.keys())
    assert set(WALK_VALUE_FIELDS) <= columns
    assert {"start_utc", "end_utc", "start_utc_offset_min", "end_utc_offset_min"} <= columns
    handled = {*WALK_VALUE_FIELDS, "person", "start", "end"}
    assert {f.name for f in dataclasses.fields(Walk)} == handled


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batch=st.lists(walks(), max_size=4, unique_by=lambda w: w.source_hash),
    zone=st.sampled_from(["UTC", "Europe/Berlin", "America/St_Johns", "Pacific/Chatham"]),
)
def test_walks_read_back_exactly_as_stored(store: Store, batch: list[Walk], zone: str) -> None:
    name = f"walker-{next(_names)}"  # one person per example: examples share the database
    store.add_person(name, time_zone=zone)
    assert store.add_walks(name, batch) == ImportResult(added=len(batch), skipped_duplicates=0)

    back = store.list_walks(name)
    expected = sorted(batch, key=lambda w: w.start.astimezone(UTC))  # ties keep import order
    assert [in_utc(w) for w in back] == [in_utc(w.with_person(name)) for w in expected]
    for got, want in zip(back, expected, strict=True):
        assert str(got.start.tzinfo) == zone  # returned in the person's time zone
        for field in WALK_VALUE_FIELDS:
            assert type(getattr(got, field)) is type(getattr(want, field)), field

    # The original clock's UTC offset survives, so the walker's local time can be rebuilt.
    exported = store.export_person(name)["walks"]
    for row, want in zip(exported, expected, strict=True):
        for key in ("start", "end"):
            local = dt.datetime.fromisoformat(row[key])
            original = getattr(want, key)
            assert local.astimezone(UTC) == original.astimezone(UTC)
            want_offset = original.utcoffset()
            assert want_offset is not None
            assert local.utcoffset() == dt.timedelta(
                minutes=round(want_offset.total_seconds() / 60)
            )


def test_week_bounds_as_dates_are_the_persons_local_midnight(store: Store) -> None:
    store.add_person("ann", time_zone="Europe/Berlin")
    sunday_night_utc = dt.datetime(2024, 3, 10, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin
    walk = Walk(
        start=sunday_night_utc,
        end=sunday_night_utc + dt.timedelta(minutes=20),
        source="manual",
        source_hash="m1",
    )
    store.add_walks("ann", [walk])
    monday = dt.date(2024, 3, 11)
    assert len(store.list_walks("ann", monday, monday + dt.timedelta(days=7))) == 1
    assert store.list_walks("ann", monday - dt.timedelta(days=7), monday) == []
    got = store.list_walks("ann")[0]
    assert got.start.date() == monday and got.start.hour == 0
    with pytest.raises(InvalidInputError, match="time-zone aware"):
        store.list_walks("ann", dt.datetime(2024, 3, 11))


# -- idempotent import --------------------------------------------------------------------------


def test_importing_the_same_walks_twice_changes_nothing(store: Store) -> None:
    store.add_person("ann", time_zone="Europe/Berlin")
    batch = make_walks(5)
    assert store.add_walks("ann", batch) == ImportResult(added=5, skipped_duplicates=0)
    before = store.list_walks("ann")
    assert store.add_walks("ann", batch) == ImportResult(added=0, skipped_duplicates=5)
    assert store.add_walks(
        "ann", batch[:2] + make_walks(2, prefix="new", day=dt.date(2024, 5, 7))
    ) == ImportResult(added=2, skipped_duplicates=2)
    assert store.list_walks("ann")[:5] == before
    assert stored_walk_count(store) == 7


def test_duplicates_within_one_import_are_counted_once(store: Store) -> None:
    store.add_person("ann", time_zone="UTC")
    batch = make_walks(3)
    assert store.add_walks("ann", batch + batch[:1]) == ImportResult(added=3, skipped_duplicates=1)


def test_the_same_recording_may_belong_to_two_people(store: Store) -> None:
    store.add_person("ann", time_zone="UTC")
    store.add_person("bob", time_zone="UTC")
    batch = make_walks(2)
    assert store.add_walks("ann", batch).added == 2
    assert store.add_walks("bob", batch).added == 2


def test_walks_sharing_time_are_found_and_touching_ones_are_not(store: Store) -> None:
    """What a hand-logged walk is checked against: walks sharing some of its time."""
    store.add_person("ann", time_zone="Europe/Berlin")
    store.add_walks("ann", make_walks(3))  # 08:00-08:25, 09:00-09:25, 10:00-10:25 (+02:00)
    store.add_person("bob", time_zone="UTC")
    store.add_walks("bob", make_walks(3))

    def at(hour: int, minute: int) -> dt.datetime:
        return dt.datetime(2024, 5, 6, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=2)))

    def sharing(start: dt.datetime, end: dt.datetime) -> list[str]:
        return [w.source_hash for w in store.overlapping_walks("ann", start, end)]

    assert sharing(at(8, 25), at(9, 0)) == []  # touches both, shares no time
    assert sharing(at(8, 24), at(9, 1)) == ["rec:0", "rec:1"]
    assert sharing(at(9, 10).astimezone(UTC), at(9, 11).astimezone(UTC)) == ["rec:1"]
    assert sharing(at(7, 0), at(12, 0)) == ["rec:0", "rec:1", "rec:2"]
    with pytest.raises(InvalidInputError, match="time-zone aware"):
        store.overlapping_walks("ann", dt.datetime(2024, 5, 6, 9), at(10, 0))


def test_replacing_a_recording_deletes_only_its_walks_and_all_or_nothing(store: Store) -> None:
    """import --replace: a recording imported at the wrong time is moved in one transaction."""
    store.add_person("ann", time_zone="UTC")
    store.add_person("bob", time_zone="UTC")
    store.add_walks("ann", make_walks(3) + make_walks(2, prefix="record"))
    store.add_walks("bob", make_walks(3))
    day = dt.timedelta(days=1)
    moved = [dataclasses.replace(w, start=w.start + day, end=w.end + day) for w in make_walks(2)]
    bad = dataclasses.replace(make_walks(1, prefix="x")[0], distance_m=float("nan"))
    with pytest.raises(InvalidInputError, match="finite number"):
        store.replace_walks("ann", [*moved, bad], sources=["rec"])
    assert stored_walk_count(store) == 8  # nothing deleted either

    assert store.replace_walks("ann", moved, sources=["rec"]) == ImportResult(2, 0, 3)
    kept = {w.source_hash: w for w in store.list_walks("ann")}
    assert sorted(kept) == ["rec:0", "rec:1", "record:0", "record:1"]  # "record" is not "rec"
    assert [in_utc(kept[h]).start for h in ("rec:0", "rec:1")] == [in_utc(w).start for w in moved]
    assert len(store.list_walks("bob")) == 3
    (found,) = store.walks_with_hashes("ann", ["rec:1", "not stored"])
    assert in_utc(found).start == in_utc(moved[1]).start


def test_a_walk_of_another_person_is_refused(store: Store) -> None:
    store.add_person("ann", time_zone="UTC")
    with pytest.raises(InvalidInputError, match="belongs to 'bob'"):
        store.add_walks("ann", [*make_walks(2), make_walks(1, prefix="b")[0].with_person("bob")])
    assert stored_walk_count(store) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("distance_m", float("nan"), "finite number"),
        ("extra", {"when": dt.date(2024, 1, 1)}, "JSON data"),
        ("extra", {"pair": (1, 2)}, "tuples"),
        ("source", "bad\x00text", "NUL"),
        ("extra", {"note": ["a", "b\x00"]}, "NUL"),
        ("extra", {"k\x00": 1}, "NUL"),
        ("source_hash", "  ", "cannot be empty"),
    ],
)
def test_values_that_would_not_read_back_the_same_are_refused(
    store: Store, field: str, value: Any, message: str
) -> None:
    store.add_person("ann", time_zone="UTC")
    bad = dataclasses.replace(make_walks(1, prefix="bad")[0], **{field: value})
    with pytest.raises(InvalidInputError, match=message):
        store.add_walks("ann", [*make_walks(3), bad])
    assert stored_walk_count(store) == 0


def test_text_that_only_looks_like_an_escaped_nul_is_stored(store: Store) -> None:
    """A literal backslash followed by ``u0000`` is ordinary text, not a NUL character."""
    store.add_person("ann", time_zone="UTC")
    walk = dataclasses.replace(make_walks(1)[0], extra={"note": "\\u0000", "\\u0000": [1]})
    assert store.add_walks("ann", [walk]).added == 1
    (back,) = store.list_walks("ann")
    assert back.extra == {"note": "\\u0000", "\\u0000": [1]}


# -- no partial writes --------------------------------------------------------------------------


def test_a_database_error_at_the_last_walk_leaves_nothing_written(store: Store) -> None:
    store.add_person("ann", time_zone="UTC")
    batch = make_walks(20)
    # Walk refuses negative steps itself; bypass that so the database's CHECK has to catch it.
    object.__setattr__(batch[-1], "steps", -5)
    with pytest.raises(InvalidInputError, match="steps"):
        store.add_walks("ann", batch)
    assert stored_walk_count(store) == 0
    assert store.add_walks("ann", batch[:-1]).added == 19  # the store is still usable


def test_an_error_inside_the_transaction_after_inserting_leaves_nothing(store: Store) -> None:
    store.add_person("ann", time_zone="UTC")
    inserted = []

    def fail_after_insert(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO WALKS"):
            inserted.append(statement)
            raise RuntimeError("simulated crash after the walks were inserted")

    event.listen(store.engine, "after_cursor_execute", fail_after_insert)
    try:
        with pytest.raises(RuntimeError, match="simulated crash"):
            store.add_walks("ann", make_walks(10))
    finally:
        event.remove(store.engine, "after_cursor_execute", fail_after_insert)
    assert inserted, "the insert ran before the failure"
    assert stored_walk_count(store) == 0
    assert store.add_walks("ann", make_walks(10)).added == 10


_KILLED_IMPORT = textwrap.dedent(
    """
    import pathlib, sys, time
    from sqlalchemy import event
    from backstride.store import open_store
    sys.path.insert(0, sys.argv[3])
    from test_store_walks import make_walks

    url, marker = sys.argv[1], pathlib.Path(sys.argv[2])
    store = open_store(url)

    @event.listens_for(store.engine, "after_cursor_execute")
    def hang(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO WALKS"):
            marker.write_text("inserted, not committed")
            time.sleep(120)

    store.add_walks("ann", make_walks(50))
    """
)


def test_a_kill_in_the_middle_of_an_import_leaves_no_partial_walk(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    store.add_person("ann", time_zone="UTC")
    marker = tmp_path / "inside-transaction"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _KILLED_IMPORT,
            database_url,
            str(marker),
            str(Path(__file__).parent),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if child.poll() is not None:
                _, err = child.communicate()
                pytest.fail(f"the import ended before it was killed: {err.decode()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the import never reached its INSERT")
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    assert store.list_walks("ann") == []
    assert stored_walk_count(store) == 0
    # Nothing is left locked or half-written: the same import now succeeds in full.
    with open_store(database_url) as again:
        assert again.add_walks("ann", make_walks(50)) == ImportResult(50, 0)
