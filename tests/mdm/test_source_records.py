"""Source records are append-only versions: idempotent re-sends, new versions, tombstones."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from config import DEFAULT_SOURCE_SYSTEMS
from mdm.db import lost_a_race, transaction
from mdm.errors import NotFound
from mdm.models import PointOfSale, SourceRecordVersion
from mdm.source_records import IngestResult, get_record, ingest_records, list_versions, retract_record

RECORD = {"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person",
          "first_name": "Mohamed", "last_name": "Alami", "phone": "0661234567", "point_of_sale": "AG-CASA-01"}


def _ingest(sessions: sessionmaker[Session], *items: Any) -> list[IngestResult]:
    with transaction(sessions) as session:
        return ingest_records(session, list(items), DEFAULT_SOURCE_SYSTEMS)


def _version_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(SourceRecordVersion)) or 0


def test_identical_resend_is_the_same_version(sessions: sessionmaker[Session]) -> None:
    (first,) = _ingest(sessions, RECORD)
    (again,) = _ingest(sessions, dict(RECORD))
    assert (first.status, first.version) == ("created", 1)
    assert (again.status, again.version) == ("unchanged", 1)
    assert _version_count(sessions) == 1


@pytest.mark.parametrize("missing_form", ["", None, "absent"])
def test_missing_value_forms_do_not_make_new_versions(sessions: sessionmaker[Session], missing_form: Any) -> None:
    _ingest(sessions, RECORD)
    resend = {**RECORD, "email": missing_form} if missing_form != "absent" else dict(RECORD)
    (result,) = _ingest(sessions, resend)
    assert result.status == "unchanged"


def test_changed_content_makes_a_new_version_and_keeps_the_old(sessions: sessionmaker[Session]) -> None:
    _ingest(sessions, RECORD)
    (changed,) = _ingest(sessions, {**RECORD, "phone": "0662000000", "point_of_sale": "AG-RABAT-02"})
    assert (changed.status, changed.version) == ("updated", 2)
    with sessions() as session:
        versions = list_versions(session, "AGENT", "AG1")
        current = get_record(session, "agent", "AG1")
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].payload is not None and versions[0].payload["phone"] == "0661234567"
    assert current.current.payload is not None and current.current.payload["phone"] == "0662000000"
    assert current.point_of_sale == "AG-RABAT-02"


def test_same_key_twice_in_one_batch_is_applied_in_order(sessions: sessionmaker[Session]) -> None:
    results = _ingest(sessions, RECORD, {**RECORD, "phone": "0662000000"}, {**RECORD, "phone": "0662000000"})
    assert [(r.status, r.version) for r in results] == [("created", 1), ("updated", 2), ("unchanged", 2)]
    with sessions() as session:
        assert get_record(session, "AGENT", "AG1").current.version == 2


def test_same_id_in_two_sources_is_two_records(sessions: sessionmaker[Session]) -> None:
    results = _ingest(sessions, RECORD, {**RECORD, "source_system": "BGD"})
    assert [r.status for r in results] == ["created", "created"]


def test_retraction_writes_a_tombstone_and_a_resend_revives(sessions: sessionmaker[Session]) -> None:
    _ingest(sessions, RECORD)
    with transaction(sessions) as session:
        deleted = retract_record(session, "AGENT", "AG1")
    with transaction(sessions) as session:
        again = retract_record(session, "AGENT", "AG1")
    assert (deleted.status, deleted.version) == ("deleted", 2)
    assert (again.status, again.version) == ("unchanged", 2)
    with sessions() as session:
        record = get_record(session, "AGENT", "AG1")
        assert record.is_deleted and record.current.is_tombstone and record.current.payload is None
    (revived,) = _ingest(sessions, RECORD)
    assert (revived.status, revived.version) == ("updated", 3)
    with sessions() as session:
        assert [v.is_tombstone for v in list_versions(session, "AGENT", "AG1")] == [False, True, False]


def test_retracting_an_unknown_record_is_not_found(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFound), transaction(sessions) as session:
        retract_record(session, "AGENT", "nope")


def test_mixed_batch_keeps_good_items_and_reports_bad_ones(sessions: sessionmaker[Session]) -> None:
    results = _ingest(
        sessions,
        RECORD,
        {**RECORD, "source_record_id": "AG2", "party_type": "alien"},
        "not an object",
        {**RECORD, "source_record_id": "AG3", "received_at": "2023-02-01T08:00:00Z"},
    )
    assert [r.status for r in results] == ["created", "rejected", "rejected", "created"]
    assert [r.position for r in results] == [0, 1, 2, 3]
    assert {(e.field, e.rule) for e in results[1].errors} == {("party_type", "one_of")}
    assert results[1].source_record_id == "AG2"
    with sessions() as session:
        assert get_record(session, "AGENT", "AG3").first_received_at == datetime(2023, 2, 1, 8, tzinfo=UTC)
    assert _version_count(sessions) == 2


def test_points_of_sale_are_created_on_first_sight_with_their_network(sessions: sessionmaker[Session]) -> None:
    _ingest(sessions, RECORD, {**RECORD, "source_system": "BGD", "point_of_sale": "AG-CASA-01"},
            {**RECORD, "source_record_id": "B7", "source_system": "BANCASSURANCE", "point_of_sale": "bq-fes-3"})
    with sessions() as session:
        rows = {p.code: p.network for p in session.scalars(select(PointOfSale))}
    assert rows == {"AG-CASA-01": "AGENT", "BQ-FES-3": "BANCASSURANCE"}


def test_a_failed_transaction_writes_nothing(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        ingest_records(session, [RECORD], DEFAULT_SOURCE_SYSTEMS)
        raise RuntimeError("crash after the writes, before the commit")
    assert _version_count(sessions) == 0


@pytest.mark.parametrize(("error", "retried"), [
    (IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed: source_record.id")), True),
    (OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")), True),
    (OperationalError("INSERT", {}, sqlite3.OperationalError("no such table: x")), False),
    (IntegrityError("INSERT", {}, sqlite3.IntegrityError("FOREIGN KEY constraint failed")), False),
])
def test_only_lost_races_are_run_again(error: DBAPIError, retried: bool) -> None:
    assert lost_a_race(error) is retried
