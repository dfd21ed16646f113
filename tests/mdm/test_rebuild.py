"""Recoverability: `rebuild` gives back golden records, links, stints and indexes equal to the live ones, from the
source versions, the stored models and the audit trail alone; it refuses a trail that does not hold together."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from config import Config
from mdm.cli import cli
from mdm.db import transaction
from mdm.events import GOLDEN_CREATED, GOLDEN_MERGED, GOLDEN_RETIRED, GOLDEN_SPLIT
from mdm.models import AuditEvent, GoldenRecord, PointOfSaleStint, RecordLink
from mdm.rebuild import DERIVED_MODELS
from mdm.resolution import resolve_all
from mdm.source_records import retract_record
from tests.golden_scenarios import as_duplicate_of, consolidate, members_by_golden, payload_of, pick

Snapshot = dict[str, Counter[tuple[Any, ...]]]

# A client sent by two networks with too little in common to be linked, and a third record that carries what each
# of the other two holds: it bridges them into one golden record, and retracting it splits them again.
FIRST = {"source_system": "AGENT", "source_record_id": "BRIDGE-A", "party_type": "person", "first_name": "Ghita",
         "last_name": "Benkirane Tazi", "birth_date": "1991-04-17", "phone": "0661427390", "city": "Fes"}
SECOND = {"source_system": "WEB", "source_record_id": "BRIDGE-B", "party_type": "person", "first_name": "Ghita",
          "last_name": "Benkirane Tazi", "email": "ghita.bt@gmail.com", "national_id": "CD482913",
          "id_type": "CIN", "city": "Rabat"}
BRIDGE = {"source_system": "BGD", "source_record_id": "BRIDGE-C", "party_type": "person", "first_name": "Ghita",
          "last_name": "Benkirane Tazi", "birth_date": "17/04/1991", "phone": "0661427390",
          "email": "ghita.bt@gmail.com", "national_id": "CD482913", "id_type": "CIN", "city": "Rabat"}


def snapshot(session: Session) -> Snapshot:
    """Every derived table's rows (surrogate ids left out: they are not part of what users see)."""
    found: Snapshot = {}
    for model in DERIVED_MODELS:
        table: Table = model.__table__  # type: ignore[assignment]
        columns = [column for column in table.columns if column.name != "id" or model is GoldenRecord]
        found[table.name] = Counter(
            tuple(_comparable(value) for value in row) for row in session.execute(select(*columns)))
    return found


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return repr(sorted(value.items()))
    return value


def _post(client: FlaskClient, record: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/records", json=record)
    assert response.status_code in (200, 201), response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def build_history(sessions: sessionmaker[Session], client: FlaskClient) -> Counter[str]:
    """A consolidated hub, then online work through the API: a duplicate, a new client, a change, a move that
    splits a golden record, one that empties (merges) another; a second full run; then a bridge that merges two
    clients and its retraction that splits them, a retraction that retires a client. Answers the audit event
    kinds."""
    consolidate(sessions)
    members = members_by_golden(sessions)
    linked_to = pick(members, 2, set())
    moved_from = pick(members, 3, {linked_to})
    single = pick(members, 1, set())
    retired = pick(members, 1, {single})
    original = members[linked_to][0]
    assert _post(client, {**payload_of(sessions, original), "source_system": "WEB",
                          "source_record_id": "DUP-1"})["decision"] == "linked"
    _post(client, {"source_system": "WEB", "source_record_id": "NEW-1", "party_type": "person",
                   "first_name": "Zineb", "last_name": "Ouazzani Chahdi", "birth_date": "1999-09-09",
                   "id_type": "CIN", "national_id": "ZT918273", "phone": "0698172635"})
    _post(client, {**payload_of(sessions, original), "phone": "0677123456"})  # a new version, same client
    _post(client, as_duplicate_of(sessions, members[moved_from][0], members[linked_to][1]))  # split
    _post(client, as_duplicate_of(sessions, members[single][0], original))  # its golden record is merged away
    resolve_all(sessions)  # the daily consolidation, in full (the indexes are rebuilt; online work goes on after)
    first, second = _post(client, FIRST), _post(client, SECOND)
    assert first["golden_id"] != second["golden_id"]
    assert _post(client, BRIDGE)["golden_id"] in (first["golden_id"], second["golden_id"])
    assert client.delete("/api/v1/records/BGD/BRIDGE-C").status_code == 200
    system, record_id = members[retired][0]
    assert client.delete(f"/api/v1/records/{system}/{record_id}").status_code == 200
    with sessions() as session:
        return Counter(session.scalars(select(AuditEvent.kind)))


def _rebuild(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(Config, "DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, ["rebuild", "--workers", "1"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_rebuild_from_the_durable_facts_equals_the_live_hub(
    database_url: str, sessions: sessionmaker[Session], client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    kinds = build_history(sessions, client)
    assert all(kinds[kind] >= 1 for kind in (GOLDEN_CREATED, GOLDEN_SPLIT, GOLDEN_MERGED, GOLDEN_RETIRED)), kinds
    with sessions() as session:
        live = snapshot(session)
        statuses = Counter(session.scalars(select(GoldenRecord.status)))
    print(f"\nrebuild scenario: {live['record_link'].total():,} link rows, golden records {dict(statuses)}, "
          f"audit events {dict(kinds)}")
    # No value of this small feed is shared by enough clients to be a placeholder by frequency.
    assert all(live[table] for table in live if table != "placeholder_value_use"), "derived tables hold rows"

    with transaction(sessions) as session:  # everything derived is lost
        for model in DERIVED_MODELS:
            session.execute(delete(model))
    wiped = _rebuild(database_url, monkeypatch)
    assert wiped.exit_code == 0, wiped.output
    assert f"active {statuses['active']:,}, merged {statuses['merged']:,}" in wiped.output
    with sessions() as session:
        assert snapshot(session) == live

    with transaction(sessions) as session:  # or corrupted: wrong statuses, lost links, stale stints
        session.execute(update(GoldenRecord).values(status="retired", attributes=None))
        session.execute(delete(RecordLink).where(RecordLink.id % 3 == 0))
        session.execute(update(PointOfSaleStint).values(reason="initial"))
    corrupted = _rebuild(database_url, monkeypatch)
    assert corrupted.exit_code == 0, corrupted.output
    with sessions() as session:
        assert snapshot(session) == live


def test_rebuild_refuses_an_inconsistent_trail_and_changes_nothing(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
) -> None:
    consolidate(sessions, records=300)
    with sessions() as session:
        before = snapshot(session)
        key = next(iter(members_by_golden(sessions).values()))[0]
    with transaction(sessions) as session:  # a retraction the trail never heard of: its record is still linked
        retract_record(session, *key)
    unheard = _rebuild(database_url, monkeypatch)
    assert unheard.exit_code == 1
    assert "rebuild refused, nothing changed: 1 retracted records are still linked by the trail" in unheard.output

    with transaction(sessions) as session:  # an event changed after the fact breaks the chain
        session.execute(update(AuditEvent).where(AuditEvent.sequence == 5).values(details={"joined": []}))
    broken = _rebuild(database_url, monkeypatch)
    assert broken.exit_code == 1
    assert "rebuild refused, nothing changed: the audit trail is broken at event 5" in broken.output
    with sessions() as session:
        assert snapshot(session) == before
