"""Migrations go up and down cleanly on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from mdm.db import downgrade_database, make_engine, upgrade_database
from tests.conftest import POSTGRES_URL, create_postgres_schema, drop_postgres_schema, postgres_schema_url

TABLES = {"point_of_sale", "source_record", "source_record_version", "golden_record", "record_link",
          "match_model", "resolution_run", "blocking_key", "audit_chain_head", "audit_event", "outbox_event",
          "point_of_sale_stint", "search_term", "search_name_variant", "access_token", "judgement", "stewardship_task",
          "golden_override", "journal_capture_day", "journal_capture_month", "journal_field_month",
          "journal_unknown_field_month", "golden_portfolio", "golden_relationship", "record_finding",
          "placeholder_value_use"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip("MDM_TEST_POSTGRES_URL is not set")
    schema = create_postgres_schema()
    yield postgres_schema_url(schema)
    drop_postgres_schema(schema)


# Columns added to a table after it was created: each migration's upgrade and downgrade must handle them.
ADDED_COLUMNS = {"point_of_sale": {"closed_on", "successor"}}
# Columns dropped from a table after it was created.
DROPPED_COLUMNS = {"blocking_key": {"id"}}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_upgrade_then_downgrade_then_upgrade(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    upgrade_database(engine)
    assert _tables(empty_database_url) >= TABLES
    downgrade_database(engine)
    assert _tables(empty_database_url) == set()
    upgrade_database(engine)
    upgrade_database(engine)  # idempotent: every command runs it on start
    assert _tables(empty_database_url) >= TABLES
    for table, columns in ADDED_COLUMNS.items():
        assert _columns(empty_database_url, table) >= columns
    for table, columns in DROPPED_COLUMNS.items():
        assert not _columns(empty_database_url, table) & columns
    engine.dispose()


def test_index_text_compares_bytes_on_postgresql(empty_database_url: str) -> None:
    """Blocking keys and search terms sort byte by byte whatever the database's collation (their indexes build twice
    as fast as under a language's), and go back to the database's when the migration is undone."""
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("SQLite compares bytes already")
    engine = make_engine(empty_database_url)

    def collations() -> dict[tuple[str, str], str | None]:
        found = {}
        for table, column in (("blocking_key", "key"), ("search_term", "term")):
            (described,) = [c for c in inspect(engine).get_columns(table) if c["name"] == column]
            found[(table, column)] = described["type"].collation
        return found

    upgrade_database(engine)
    assert set(collations().values()) == {"C"}
    downgrade_database(engine, "0018")
    assert set(collations().values()) == {None}
    with engine.begin() as connection:  # a hub with keys already
        connection.execute(text("INSERT INTO blocking_key (record_id, key) VALUES (1, 'ice:1'), (2, 'ice:1')"))
    upgrade_database(engine)
    assert set(collations().values()) == {"C"}
    with engine.connect() as connection:  # the changed column's statistics are there again for the planner
        assert connection.scalar(text("SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() "
                                      "AND tablename = 'blocking_key' AND attname = 'key'")) == 1
    engine.dispose()
