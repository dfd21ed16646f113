"""The column-wise bulk writes (COPY text on PostgreSQL) store exactly what the row-wise reference stores, and the
rebuilt blocking index holds each record's keys as the online path makes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import orjson
import pytest
from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from matching.blocking import record_keys
from matching.features import build_features
from matching.standardise import standardise_record
from mdm.db import bulk_insert, bulk_insert_blocks, bulk_insert_columns, json_text
from mdm.models import AuditEvent, BlockingKey, OutboxEvent, SearchTerm
from mdm.resolution import _current_payloads, latest_model, rebuild_blocking_index
from mdm.version_spool import VersionSpool
from tests.golden_scenarios import consolidate

_audit = cast(Table, AuditEvent.__table__)
_outbox = cast(Table, OutboxEvent.__table__)
_terms = cast(Table, SearchTerm.__table__)
MOMENT = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
# Text that COPY must escape, JSON with nested values, quotes and backslashes, and NULLs.
AUDIT_ROWS: list[dict[str, Any]] = [
    {"sequence": 1, "occurred_at": MOMENT, "kind": "golden.created", "golden_id": "GC-1", "actor": "hub",
     "cause": {"kind": "resolution"}, "model_version": "fs-1",
     "details": {"joined": ["AGENT:1", 'WEB:"2"\\'], "link_probability": {"AGENT:1": 0.987654321, "WEB:2": None}},
     "hash": "a" * 64},
    {"sequence": 2, "occurred_at": MOMENT, "kind": "golden.retired", "golden_id": None, "actor": "tab\there",
     "cause": {"kind": "online", "records": [{"record": "BGD:x\ny", "version": 3}]}, "model_version": None,
     "details": {}, "hash": "b" * 64},
]
AUDIT_COLUMNS = list(AUDIT_ROWS[0])
JSON_COLUMNS = ("cause", "details")


def _stored(session: Session, table: Table, order: str) -> list[tuple[Any, ...]]:
    columns = [column for column in table.c if column.name != "id"]  # ids come from a sequence
    return [tuple(row) for row in session.execute(select(*columns).order_by(table.c[order]))]


def _columns(rows: list[dict[str, Any]], names: list[str], json: tuple[str, ...]) -> list[list[Any]]:
    return [[json_text(row[name]) if name in json else row[name] for row in rows] for name in names]


def test_column_writes_store_what_row_writes_store(sessions: sessionmaker[Session]) -> None:
    outbox_rows = [{"type": "golden.created", "golden_id": "GC-1", "occurred_at": MOMENT,
                    "payload": {"joined": ["AGENT:1"], "note": "back\\slash\r"}},
                   {"type": "client.moved", "golden_id": None, "occurred_at": MOMENT, "payload": {"date": None}}]
    outbox_names = list(outbox_rows[0])
    term_rows = [{"record_id": 1, "term": "n:A\tB"}, {"record_id": 2, "term": "mail:x\\y@z.ma"},
                 {"record_id": 3, "term": "city:CASABLANCA"}]
    stored: dict[str, list[list[tuple[Any, ...]]]] = {"audit": [], "outbox": [], "terms": []}
    for writer in ("rows", "columns", "blocks"):
        with sessions() as session, session.begin():
            if writer == "rows":
                bulk_insert(session, _audit, AUDIT_ROWS)
                bulk_insert(session, _outbox, outbox_rows)
                bulk_insert(session, _terms, term_rows)
            elif writer == "columns":
                bulk_insert_columns(session, _audit, dict(zip(AUDIT_COLUMNS, _columns(
                    AUDIT_ROWS, AUDIT_COLUMNS, JSON_COLUMNS), strict=True)))
                bulk_insert_columns(session, _outbox, dict(zip(outbox_names, _columns(
                    outbox_rows, outbox_names, ("payload",)), strict=True)))
                bulk_insert_columns(session, _terms, dict(zip(["record_id", "term"], _columns(
                    term_rows, ["record_id", "term"], ()), strict=True)))
            else:  # one row per block, and an empty block among them
                bulk_insert_blocks(session, _audit, AUDIT_COLUMNS, [
                    _columns([row], AUDIT_COLUMNS, JSON_COLUMNS) for row in AUDIT_ROWS] + [[[]] * 9])
                bulk_insert_blocks(session, _outbox, outbox_names, [
                    _columns([row], outbox_names, ("payload",)) for row in outbox_rows])
                bulk_insert_blocks(session, _terms, ["record_id", "term"], [
                    _columns([row], ["record_id", "term"], ()) for row in term_rows])
            stored["audit"].append(_stored(session, _audit, "sequence"))
            stored["outbox"].append(_stored(session, _outbox, "id"))
            stored["terms"].append(_stored(session, _terms, "record_id"))
            session.rollback()
    for table, versions in stored.items():
        reference = versions[0]
        assert len(reference) == {"audit": 2, "outbox": 2, "terms": 3}[table]
        for version in versions[1:]:
            for expected, got in zip(reference, version, strict=True):
                assert got == expected, table  # field by field, JSON values compared as values


@pytest.fixture()
def consolidated(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    consolidate(sessions, records=300)
    return sessions


def test_the_rebuilt_blocking_index_holds_each_records_own_keys(consolidated: sessionmaker[Session]) -> None:
    """The batch index (keys made for every record at once, sent as one COPY) against ``record_keys``, the
    per-record reference; rebuilding again gives the same rows."""
    with consolidated() as session, session.begin():
        model = latest_model(session)
        assert model is not None
        record_ids: list[int] = []
        with VersionSpool() as spool:
            payloads = list(_current_payloads(session, record_ids, [], [], [], spool))  # what a full run reads
        records = [standardise_record(orjson.loads(payload)) for payload in payloads]
        features = build_features(records, overused=model.overused)
        rules = model.settings.blocking_rules
        expected = sorted(
            (record_id, key) for position, record_id in enumerate(record_ids)
            for key in record_keys(int(features.party[position]),
                                   {name: features.value(name, position) for name in features.codes}, rules))
        rebuild_blocking_index(session, features, record_ids, rules)
        first = sorted(tuple(row) for row in session.execute(select(BlockingKey.record_id, BlockingKey.key)))
        rebuild_blocking_index(session, features, record_ids, rules)
        again = sorted(tuple(row) for row in session.execute(select(BlockingKey.record_id, BlockingKey.key)))
    assert expected and first == expected and again == expected
