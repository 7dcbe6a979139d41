"""Engines for SQLite and PostgreSQL, and the schema brought to the newest migration.

SQLite needs three things the driver does not do by itself:

- ``PRAGMA foreign_keys=ON`` on every connection, or ``ON DELETE CASCADE`` does nothing and
  forgetting a person would leave their walks behind;
- WAL journalling for file databases, so the web app can read while the CLI imports;
- SQLAlchemy, not Python's ``sqlite3`` module, emitting ``BEGIN``: the module (legacy
  transaction control, Python < 3.16) begins transactions only before INSERT/UPDATE/DELETE,
  so DDL in migrations and the reads before a write would run outside the transaction.
  Writes use ``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes fails at
  once (no busy wait) when another process committed in between.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from backstride.exceptions import InvalidInputError
from backstride.settings import get_settings
from backstride.store._errors import StoreError

#: Execution option naming the SQLite ``BEGIN`` mode for a transaction ("IMMEDIATE" for writes).
SQLITE_BEGIN = "backstride_sqlite_begin"

#: Seconds a SQLite connection waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30.0


def migrations_dir() -> Path:
    """The Alembic script directory shipped inside the package."""
    return Path(str(importlib.resources.files("backstride.store") / "migrations"))


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the package's migrations.

    Parameters
    ----------
    connection
        Connection to migrate (in-memory SQLite, file SQLite or PostgreSQL alike). Without
        one, ``env.py`` opens the database from the settings (``BACKSTRIDE_DATABASE_URL``).

    Returns
    -------
    Config
        Usable with :mod:`alembic.command` (``command.upgrade(config, "head")``).
    """
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def database_url(url: str | None = None) -> URL:
    """The URL to open: ``url``, else the settings' (an SQLite file in the data directory).

    ``postgresql://`` and ``postgres://`` without a driver mean psycopg 3 (the driver of the
    ``postgres`` extra), not SQLAlchemy's default psycopg2. A leading ``~`` in an SQLite path
    is the home directory.
    """
    text = url or get_settings().resolved_database_url()
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise InvalidInputError(
            f"The database URL {text!r} is not valid; use sqlite:///path/file.sqlite3 or "
            "postgresql://user@host/database."
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and (parsed.database or "").startswith("~"):
        parsed = parsed.set(database=str(Path(parsed.database or "").expanduser()))
    return parsed


def shown(url: URL) -> str:
    """The URL as it may be printed (password hidden)."""
    return url.render_as_string(hide_password=True)


def _is_sqlite_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or url.query.get("mode") == "memory"


def create_store_engine(url: URL) -> Engine:
    """An engine for ``url`` with the SQLite settings this module's docstring explains.

    Parameters
    ----------
    url
        From :func:`database_url`.

    Returns
    -------
    Engine
        Ready to use; the SQLite file's folder exists.
    """
    backend = url.get_backend_name()
    options: dict[str, Any] = {}
    if backend == "sqlite":
        if not _is_sqlite_memory(url) and not (url.database or "").startswith("file:"):
            Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    elif backend == "postgresql":
        options["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **options)
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"The database driver for {url.drivername} is not installed ({exc.name}); for "
            "PostgreSQL install backstride[postgres]."
        ) from exc
    if backend == "sqlite":
        _configure_sqlite(engine, wal=not _is_sqlite_memory(url))
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see module doc)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _set_sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # Straight to the driver: through SQLAlchemy the PRAGMA would open a transaction, and
    # SQLite ignores foreign_keys inside one.
    dbapi_connection: Any = connection.connection.driver_connection
    dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade_schema(engine: Engine) -> None:
    """Bring the database to the newest migration (``alembic upgrade head``), if needed.

    Parameters
    ----------
    engine
        From :func:`create_store_engine`.

    Raises
    ------
    StoreError
        The database was migrated by a newer BackStride than this one.
    """
    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
        connection.rollback()
        if current == heads:
            return
        unknown = [rev for rev in current if not _known(script, rev)]
        if unknown:
            raise StoreError(
                f"The database {shown(engine.url)} was made by a newer BackStride (schema "
                f"revision {', '.join(sorted(unknown))}); upgrade BackStride to use it."
            )
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations copy, drop and rename tables; with foreign keys on, dropping
            # persons would cascade and delete every walk.
            _set_sqlite_foreign_keys(connection, on=False)
        try:
            with connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}).begin():
                command.upgrade(alembic_config(connection), "head")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreError(
                            f"The migration left {len(broken)} rows pointing at missing rows; "
                            "nothing was changed."
                        )
        finally:
            if sqlite:
                _set_sqlite_foreign_keys(connection, on=True)


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several types for an unknown revision id
        return False
