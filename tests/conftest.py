"""Database fixtures: every storage test runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``BACKSTRIDE_TEST_POSTGRES_URL`` (default: the local server that
``.ci/run`` starts). Each test gets its own schema, dropped afterwards, so tests never see each
other's rows. When the server cannot be reached the PostgreSQL tests are skipped, except in CI
(``CI`` set, as every CI service does): there they fail, so they can never be skipped
silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from backstride.store import Store, open_store
from backstride.store._engine import database_url as normalised_url

POSTGRES_URL_ENV = "BACKSTRIDE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: needs the PostgreSQL test server")


def in_ci() -> bool:
    return bool(os.environ.get("CI"))  # as CI services set it; same rule as test_validation


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database (skip, or fail in CI, if unreachable)."""
    url = normalised_url(os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL)
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as exc:  # any failure to connect means the same thing here
        engine.dispose()
        shown = url.render_as_string(hide_password=True)
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        reason = f"PostgreSQL at {shown} is unreachable ({detail})"
        if in_ci():
            pytest.fail(
                f"{reason}; CI must run the PostgreSQL tests (.ci/run starts the server).",
                pytrace=False,
            )
        pytest.skip(f"{reason}; start it or set {POSTGRES_URL_ENV} (CI makes this a failure).")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_admin: Engine) -> Iterator[str]:
    """URL of an empty PostgreSQL schema of its own, dropped after the test."""
    schema = f"bs_test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = postgres_admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with postgres_admin.begin() as connection:
            # A test that killed a client may leave its server process a moment behind.
            connection.exec_driver_sql("SET lock_timeout = '20s'")
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'backstride.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated, empty store, once per backend.

    Opened a second time, as the next CLI run would: the first open migrates, and the
    connection that ran the migration must not be what makes the tests pass.
    """
    open_store(database_url).close()
    opened = open_store(database_url)
    try:
        yield opened
    finally:
        opened.close()
