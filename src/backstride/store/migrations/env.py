"""Alembic environment: migrate the connection handed over, or the configured database.

:func:`backstride.store.open_store` passes its connection in ``config.attributes`` (so
in-memory SQLite works too) inside a transaction it owns. Run from the command line
(``alembic -c src/backstride/store/migrations/alembic.ini ...``) the database comes from
``sqlalchemy.url`` in that file if set, else from the settings (``BACKSTRIDE_DATABASE_URL``).
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from backstride.store._engine import create_store_engine, database_url
from backstride.store.models import Base, UTCDateTime

#: Any constant: PostgreSQL advisory-lock key serialising concurrent migrations.
_MIGRATION_LOCK_KEY = 0x6261636B  # "back"


def _render_item(kind: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    # Migrations spell out the column type, so they keep working when models.py changes.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite can alter little in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes opening a fresh database at once: the second waits, then finds
            # the schema current instead of failing on "table already exists".
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=database_url(context.config.get_main_option("sqlalchemy.url")),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_store_engine(database_url(context.config.get_main_option("sqlalchemy.url")))
    try:
        with engine.connect() as own_connection:
            _run(own_connection)
            own_connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
