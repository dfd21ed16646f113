"""Stored golden attributes stay a pure function of the records, online and in batch, and users can read them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import func, null, select, update
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import DEFAULT_SOURCE_SYSTEMS, Config
from mdm import resolution, survivorship
from mdm.cli import cli
from mdm.db import transaction
from mdm.models import GoldenRecord
from mdm.resolution import current_links, resolve_all
from mdm.source_records import ingest_records
from mdm.survivorship import golden_survivorship, recompute, refresh_golden_attributes, survivorship_workers


def _stored(sessions: sessionmaker[Session], status: str = "active") -> dict[str, Any]:
    with sessions() as session:
        return dict(session.execute(  # type: ignore[arg-type]
            select(GoldenRecord.id, GoldenRecord.attributes).where(GoldenRecord.status == status)).all())


def assert_attributes_are_recomputable(sessions: sessionmaker[Session]) -> None:
    stored = _stored(sessions)
    assert stored and all(attributes for attributes in stored.values())
    with sessions() as session:
        assert recompute(session, list(stored)) == stored


def _golden_of(sessions: sessionmaker[Session]) -> dict[tuple[str, str], str]:
    with sessions() as session:
        return {(system, record_id): golden for system, record_id, golden in current_links(session)}


def test_online_changes_and_batch_runs_keep_attributes_equal_to_a_recomputation(
    client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    records = [g.record for g in generate(700, seed=5)]
    client.post("/api/v1/records/batch", json=records[:600])
    resolve_all(sessions)
    assert_attributes_are_recomputable(sessions)

    for record in records[600:]:  # online, one by one
        assert client.post("/api/v1/records", json=record).status_code == 201
    golden_of = _golden_of(sessions)
    members: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        members.setdefault(golden_of[(str(record["source_system"]), str(record["source_record_id"]))], []).append(
            record)
    shared = [group for group in members.values() if len(group) > 2]
    changed = {**shared[0][0], "email": "new.address.2031@menara.ma", "received_at": "2031-01-01T00:00:00Z"}
    assert client.post("/api/v1/records", json=changed).status_code == 200  # a new version
    leaving = shared[1][0]
    deleted = client.delete(f"/api/v1/records/{leaving['source_system']}/{leaving['source_record_id']}")
    assert deleted.status_code == 200
    alone = next(group[0] for group in members.values() if len(group) == 1)
    client.delete(f"/api/v1/records/{alone['source_system']}/{alone['source_record_id']}")
    assert client.post("/api/v1/records", json=leaving).status_code in (200, 201)  # re-sent after its deletion
    assert_attributes_are_recomputable(sessions)

    golden_id = _golden_of(sessions)[(str(changed["source_system"]), str(changed["source_record_id"]))]
    email = client.get(f"/api/v1/golden/{golden_id}").get_json()["attributes"]["email"]
    assert (email["value"], email["rule"], email["source_record_id"]) == (
        "new.address.2031@menara.ma", "recency", changed["source_record_id"])
    retired = _stored(sessions, "retired")
    assert retired and all(retired.values())  # a retired golden record keeps its last attributes

    resolve_all(sessions)
    assert_attributes_are_recomputable(sessions)


# Values a client's other records may carry: placeholders (junk) and malformed values (invalid).
_ODD_VALUES = [{"phone": "0600000000", "email": "test@test.com", "birth_date": "01/01/1900"},
               {"phone": "06 12", "email": "no-at-sign", "national_id": "XX", "legal_form": "??"},
               {"phone": "+33 6 12 34 56 78 / 0000000000", "ice": "001234567000089", "city": "xxx",
                "postal_code": "TQ13 8DF", "birth_date": "1987", "rc_number": "RC 12345 CASA"},
               {"first_name": "", "last_name": "NEANT", "company_name": "TEST", "email": "A.B@GMAIL.COM "}]


def test_the_bulk_refresh_stores_what_survive_answers_field_by_field(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The refresh of many golden records (worker processes, chunk by chunk) against ``survive`` on each golden
    record's current versions: same values, raw values, rules and provenance, for persons and companies, several
    sources, junk and malformed values. A full run forks its workers before the match; a refresh given none forks
    its own, and stores the same."""
    generated = list(generate(900, seed=21))
    entities: dict[str, list[dict[str, object]]] = {}
    for g in generated:
        entities.setdefault(g.entity_id, []).append(g.record)
    shared = [records for records in entities.values() if len(records) > 1]
    for position, records in enumerate(shared[:60]):
        records[-1].update(_ODD_VALUES[position % len(_ODD_VALUES)])  # the client's other records stay sound
    with transaction(sessions) as session:
        ingest_records(session, [g.record for g in generated], DEFAULT_SOURCE_SYSTEMS)
    monkeypatch.setattr(survivorship, "CHUNK", 40)  # the last chunk, smaller, is written without a temporary table
    monkeypatch.setattr(survivorship, "COPIED_FROM", 40)
    monkeypatch.setattr(survivorship, "WORKERS", 2)
    resolve_all(sessions)

    with sessions() as session:
        golden = session.execute(select(GoldenRecord.id, GoldenRecord.party_type, GoldenRecord.attributes)
                                 .where(GoldenRecord.status == "active")).all()
        assert len(golden) > 4 * 40 and {party_type for _, party_type, _ in golden} == {"person", "organization"}
        qualities: set[str] = set()
        rules: set[str] = set()
        for golden_id, party_type, stored in golden:
            reference = golden_survivorship(session, golden_id, party_type)
            expected = reference.stored()
            assert stored["sources"] == expected["sources"], golden_id
            assert stored["fields"].keys() == expected["fields"].keys(), golden_id
            for field, chosen in expected["fields"].items():
                assert stored["fields"][field] == chosen, (golden_id, field)
            qualities.update(c.reading.quality for candidates in reference.candidates.values() for c in candidates)
            rules.update(chosen["rule"] for chosen in expected["fields"].values())
    assert qualities == {"valid", "invalid", "junk"}
    assert {"single", "agreement", "trust", "recency", "validity"} <= rules

    with transaction(sessions) as session:
        stored = dict(session.execute(select(GoldenRecord.id, GoldenRecord.attributes)
                                      .where(GoldenRecord.status == "active")).all())
        session.execute(update(GoldenRecord).values(attributes=null()))
        assert refresh_golden_attributes(session, stored) == len(stored)
    with sessions() as session:
        assert dict(session.execute(select(GoldenRecord.id, GoldenRecord.attributes)
                                    .where(GoldenRecord.status == "active")).all()) == stored


def test_a_run_that_fails_while_survivorship_computes_beside_it_stores_nothing_and_leaves_no_file(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """A full run's workers compute attributes while it derives movements and the audit trail, setting them down
    in files until they are written. A run failing meanwhile writes none of it and removes those files; the next
    run stores the attributes in full."""
    with transaction(sessions) as session:
        ingest_records(session, [g.record for g in generate(400, seed=13)], DEFAULT_SOURCE_SYSTEMS)
    monkeypatch.setattr(survivorship, "CHUNK", 30)
    monkeypatch.setattr(survivorship, "WORKERS", 2)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the run's spool and set-aside files go

    def audit_fails(*_: object) -> None:
        assert any(tmp_path.glob("mdm-attributes-*")), "the workers have a folder for their results"
        raise RuntimeError("the audit trail could not be written")

    with monkeypatch.context() as failing:
        failing.setattr(resolution, "record_golden_changes", audit_fails)
        with pytest.raises(RuntimeError, match="audit trail"):
            resolve_all(sessions)
    assert list(tmp_path.iterdir()) == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(GoldenRecord)) == 0

    resolve_all(sessions)
    assert list(tmp_path.iterdir()) == []
    assert len(_stored(sessions)) > 4 * 30
    assert_attributes_are_recomputable(sessions)


def test_a_resolve_fills_golden_records_stored_without_attributes(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        ingest_records(session, [g.record for g in generate(300, seed=8)], DEFAULT_SOURCE_SYSTEMS)
    resolve_all(sessions)
    with transaction(sessions) as session:
        session.execute(update(GoldenRecord).values(attributes=null()))  # as before the migration
    resolve_all(sessions)  # nothing changed since the last run: only the missing attributes are written
    assert_attributes_are_recomputable(sessions)


def test_golden_record_answers_attributes_with_provenance_and_every_candidate(
    client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    client.post("/api/v1/records/batch", json=[g.record for g in generate(600, seed=4)])
    resolve_all(sessions)
    by_golden: dict[str, list[tuple[str, str]]] = {}
    for key, golden in _golden_of(sessions).items():
        by_golden.setdefault(golden, []).append(key)
    golden_id, keys = max(by_golden.items(), key=lambda item: len(item[1]))
    body = client.get(f"/api/v1/golden/{golden_id}").get_json()
    cities = [client.get(f"/api/v1/records/{system}/{record_id}").get_json()["current"]["payload"].get("city")
              for system, record_id in keys]
    assert len(body["candidates"]["city"]) == sum(1 for city in cities if city)
    assert {(c["source_system"], c["source_record_id"]) for c in body["candidates"]["city"]} <= set(keys)
    for field, attribute in body["attributes"].items():
        assert (attribute["source_system"], attribute["source_record_id"]) in set(keys)
        assert attribute["rule"] in {"trust", "recency", "completeness", "frequency", "validity", "single",
                                     "agreement", "tie_break"}
        offered = [c for c in body["candidates"][field] if c["source_record_id"] == attribute["source_record_id"]]
        assert any(c["value"] == attribute["value"] and c["raw"] == attribute["raw"] for c in offered), field
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert {"attributes", "candidates"} <= set(schemas["GoldenRecord"]["properties"])
    assert {"value", "raw", "rule", "source_system", "source_record_id", "version", "received_at"} <= set(
        schemas["Attribute"]["properties"])
    assert "quality" in schemas["Candidate"]["properties"]


def test_export_golden_writes_one_line_per_active_golden_record(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setattr(Config, "DATABASE_URL", database_url)
    with transaction(sessions) as session:
        ingest_records(session, [g.record for g in generate(400, seed=12)], DEFAULT_SOURCE_SYSTEMS)
    resolve_all(sessions)
    out = tmp_path / "golden.jsonl"
    result = CliRunner().invoke(cli, ["export", "golden", "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    stored = _stored(sessions)
    assert f"{len(stored):,} golden records written to {out}" in result.output
    assert sorted(golden["id"] for golden in exported) == sorted(stored)
    xrefs = {(x["source_system"], x["source_record_id"]): golden["id"] for golden in exported for x in golden["xrefs"]}
    assert xrefs == _golden_of(sessions)
    for golden in exported:
        assert golden["status"] == "active" and golden["party_type"] in {"person", "organization"}
        assert set(golden["xrefs"][0]) >= {"source_system", "source_record_id", "point_of_sale", "product_line",
                                           "probability", "cause", "model_version"}
        linked = {(x["source_system"], x["source_record_id"]) for x in golden["xrefs"]}
        for attribute in golden["attributes"].values():
            assert (attribute["source_system"], attribute["source_record_id"]) in linked
            assert set(attribute) == {"value", "raw", "source_system", "source_record_id", "version", "received_at",
                                      "rule"}
    names = [g["attributes"].get("last_name") or g["attributes"].get("full_name") or g["attributes"]["company_name"]
             for g in exported]
    assert all(name["value"] for name in names)  # every client keeps a name


def test_survivorship_workers_yield_the_processor_to_the_process_that_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """They compute ahead while the run's own process derives movements and writes: that process is what the run
    waits for."""
    monkeypatch.setattr(survivorship, "WORKERS", 2)
    with survivorship_workers(survivorship.CHUNK + 1) as pool:
        assert pool is not None
        assert set(pool.map(os.nice, [0] * 8, chunksize=1)) == {min(19, os.nice(0) + survivorship.WORKER_NICENESS)}
