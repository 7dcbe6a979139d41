"""Migrations: up, down and up again on both backends; models and migrations agree; defaults."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, bindparam, inspect, text
from sqlalchemy.exc import IntegrityError

import backstride.settings
from backstride.store import StoreError, open_store
from backstride.store._engine import (
    alembic_config,
    create_store_engine,
    migrations_dir,
)
from backstride.store._engine import database_url as parse_url
from backstride.store.models import Base, UTCDateTime
from test_store_walks import make_walks

TABLES = {"persons", "screenings", "walks", "pain_logs", "core_logs", "plan_weeks", "reviews"}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = create_store_engine(parse_url(database_url))
    yield made
    made.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def migrate(engine: Engine, direction: str, target: str) -> None:
    with engine.begin() as connection:
        getattr(command, direction)(alembic_config(connection), target)


def test_upgrade_downgrade_upgrade_on_an_empty_database(engine: Engine) -> None:
    assert tables(engine) == set()
    migrate(engine, "upgrade", "head")
    assert tables(engine) == TABLES
    migrate(engine, "downgrade", "base")
    assert tables(engine) == set()
    migrate(engine, "upgrade", "head")
    assert tables(engine) == TABLES
    with engine.connect() as connection:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert MigrationContext.configure(connection).get_current_revision() == head


def test_the_migrations_build_exactly_the_models(engine: Engine) -> None:
    """A model changed without a migration fails here (make one with alembic --autogenerate)."""
    migrate(engine, "upgrade", "head")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_step_time_ratio_joins_stored_walks_as_unknown_and_leaves_them_whole(
    engine: Engine,
) -> None:
    """0003 adds ``walks.step_time_ratio``: NULL for walks stored before, kept on the way down."""
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO persons (name, time_zone, created_at) VALUES ('ann', 'UTC', :t)"
            ).bindparams(bindparam("t", type_=UTCDateTime())),
            {"t": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO walks (person_id, start_utc, end_utc, start_utc_offset_min, "
                "end_utc_offset_min, source, source_hash, steps, extra) SELECT id, :a, :b, 0, 0, "
                "'test', 'rec:0', 1234, '{}' FROM persons"
            ).bindparams(
                bindparam("a", type_=UTCDateTime()),
                bindparam("b", type_=UTCDateTime()),
            ),
            {
                "a": dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC),
                "b": dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC),
            },
        )
    migrate(engine, "upgrade", "head")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT steps, step_time_ratio FROM walks")).all()
    assert [tuple(r) for r in rows] == [(1234, None)]
    with engine.begin() as connection, pytest.raises(IntegrityError, match="step_time_ratio"):
        connection.execute(text("UPDATE walks SET step_time_ratio = 0.9"))
    migrate(engine, "downgrade", "0002")
    columns = {c["name"] for c in inspect(engine).get_columns("walks")}
    assert "step_time_ratio" not in columns
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT steps FROM walks")) == 1234


def test_open_store_migrates_once_and_keeps_data(database_url: str) -> None:
    with open_store(database_url) as store:
        store.add_person("ann", time_zone="UTC")
        store.add_walks("ann", make_walks(2))
    with open_store(database_url) as store:  # already at head: nothing to do, nothing lost
        assert len(store.list_walks("ann")) == 2


def test_a_database_from_a_newer_backstride_is_refused(database_url: str) -> None:
    open_store(database_url).close()
    engine = create_store_engine(parse_url(database_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer BackStride"):
        open_store(database_url)


def test_migrations_ship_inside_the_package() -> None:
    folder = migrations_dir()
    assert folder.is_relative_to(Path(backstride.settings.__file__).parent)
    assert (folder / "env.py").is_file() and (folder / "script.py.mako").is_file()
    assert list((folder / "versions").glob("r*.py"))


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.delenv("BACKSTRIDE_DATABASE_URL", raising=False)
    backstride.settings.get_settings.cache_clear()
    yield monkeypatch
    backstride.settings.get_settings.cache_clear()


def test_the_default_database_is_a_file_in_the_data_dir(
    clean_settings: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data_dir = tmp_path / "not" / "yet" / "there"
    clean_settings.setenv("BACKSTRIDE_DATA_DIR", str(data_dir))
    with open_store() as store:
        store.add_person("ann", time_zone="UTC")
        assert store.url == f"sqlite:///{data_dir / 'backstride.sqlite3'}"
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (data_dir / "backstride.sqlite3").is_file()


def test_the_database_url_setting_wins(clean_settings: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_settings.setenv("BACKSTRIDE_DATA_DIR", str(tmp_path / "data"))
    clean_settings.setenv("BACKSTRIDE_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    open_store().close()
    assert (tmp_path / "elsewhere.db").is_file()
    assert not (tmp_path / "data").exists()


@pytest.mark.postgresql
def test_a_plain_postgresql_url_uses_psycopg(postgres_url: str) -> None:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with open_store(plain) as store:
        assert store.engine.dialect.driver == "psycopg"
        assert tables(store.engine) == TABLES


def test_every_sqlite_connection_enforces_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'backstride.sqlite3'}"
    open_store(url).close()
    store = open_store(url)  # already at head: no migration runs on this engine
    with store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
