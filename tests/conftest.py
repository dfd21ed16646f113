"""Shared fixtures: every database test runs on SQLite and on PostgreSQL (MDM_TEST_POSTGRES_URL)."""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, exists, func, literal, select, text, union_all
from sqlalchemy.orm import Session, sessionmaker

from config import DEFAULT_SOURCE_SYSTEMS
from hub import create_app
from mdm.capture_journal import JOURNAL_TABLES, journal_key
from mdm.clock import utc_now
from mdm.db import make_engine, make_session_factory, transaction, upgrade_database
from mdm.models import metadata
from mdm.tokens import issue_token

POSTGRES_URL = os.environ.get("MDM_TEST_POSTGRES_URL", "")


def postgres_schema_url(schema: str) -> str:
    """A URL whose connections live in their own schema, so test runs never touch each other's tables."""
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


def create_postgres_schema() -> str:
    schema = f"mdm_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema


def drop_postgres_schema(schema: str) -> None:
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


BACKENDS = ["sqlite", "postgresql"]


def _migrated_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "mdm.sqlite3"
        url = f"sqlite:///{path}"
        upgrade_database(make_engine(url))
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("MDM_TEST_POSTGRES_URL is not set (make test sets it to the local PostgreSQL)")
    schema = create_postgres_schema()
    url = postgres_schema_url(schema)
    upgrade_database(make_engine(url))
    yield url
    drop_postgres_schema(schema)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database per backend for the whole run; each test empties it after itself."""
    yield from _migrated_database(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the module's own, per backend, never emptied between its tests: for a hub that read-only
    tests share, built once instead of once per test."""
    yield from _migrated_database(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def module_sessions(module_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(module_database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def module_app(module_database_url: str) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": module_database_url, "TESTING": True, "MIGRATE_ON_START": False,
                      "SECRET_KEY": "test-session-key"})
    yield app
    app.extensions["mdm.engine"].dispose()


@pytest.fixture(scope="module")
def module_client(module_app: Flask) -> FlaskClient:
    """An administrator's client of the module's shared hub."""
    return client_as(module_app, "admin")


# One query names the tables that hold a row: most tests write to a few tables, and a statement per table costs a
# round trip each.
_TABLES_WITH_ROWS = union_all(*(select(literal(table.name)).where(exists(select(literal(1)).select_from(table)))
                                for table in metadata.sorted_tables))


def empty_database(engine: Engine) -> None:
    """Delete every row, children first so foreign keys never object. DELETE, not TRUNCATE: on PostgreSQL a
    TRUNCATE of small tables costs far more (new files for each), and neither resets the id sequences."""
    with engine.begin() as connection:
        filled = set(connection.execute(_TABLES_WITH_ROWS).scalars())
        for table in reversed(metadata.sorted_tables):
            if table.name in filled:
                connection.execute(table.delete())


@pytest.fixture(scope="session")
def database_engine(database_url: str) -> Iterator[Engine]:
    """The run's engine on the database of that backend: a pool of its own per test would open a connection per
    test."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(database_engine: Engine) -> Iterator[Engine]:
    yield database_engine
    # Each test starts from empty tables.
    empty_database(database_engine)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(scope="session")
def database_app(database_url: str) -> Iterator[Flask]:
    """The hub's app on the database of that backend, built once: building it (routes, the OpenAPI document) costs
    more than most tests. It keeps no state of its own between requests but its configuration, which ``app``
    puts back after each test."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "MIGRATE_ON_START": False,
                      "SECRET_KEY": "test-session-key"})
    yield app
    app.extensions["mdm.engine"].dispose()


@pytest.fixture
def app(database_app: Flask, engine: Engine) -> Iterator[Flask]:
    """The hub's app; the tables are emptied after the test (``engine``) and any configuration it changed is put
    back."""
    config = copy.deepcopy(dict(database_app.config))
    yield database_app
    database_app.config.clear()
    database_app.config.update(config)


def issue_test_token(app: Flask, role: str, source_system: str | None = None) -> str:
    """A real token of that role, issued through the same use case as ``python -m mdm token create``."""
    with transaction(app.extensions["mdm.sessions"]) as session:
        issued = issue_token(session, role, source_system, None, timedelta(hours=1), DEFAULT_SOURCE_SYSTEMS,
                             "cli:test", utc_now())
    return issued.secret


def client_with_token(app: Flask, secret: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def client_as(app: Flask, role: str, source_system: str | None = None) -> FlaskClient:
    """A test client whose every request carries a fresh token of that role."""
    return client_with_token(app, issue_test_token(app, role, source_system))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An administrator's client: admin holds every right, so contract tests need not care about roles."""
    return client_as(app, "admin")


@pytest.fixture
def anonymous_client(app: Flask) -> FlaskClient:
    return app.test_client()


def journal_state(engine: Engine) -> list[list[tuple[Any, ...]]]:
    """Each journal table's counts summed per key, as every report reads them, however many rows a key has."""
    with engine.connect() as connection:
        return [sorted(tuple(row) for row in connection.execute(
            select(*(table.c[name] for name in journal_key(table)),
                   *(func.sum(column) for column in table.columns if column.name not in journal_key(table)))
            .group_by(*(table.c[name] for name in journal_key(table)))))
            for table in JOURNAL_TABLES]
