"""Concurrent writers: batches that create and change the same records all succeed and every version is kept
once; online writers extend one audit chain; a writer joining a golden record another one splits follows it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

import mdm.resolution
from config import DEFAULT_SOURCE_SYSTEMS
from mdm.audit import AuditEntry, ChainVerdict, append_events, verify_chain
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.models import AuditEvent, BlockingKey, GoldenRecord, OutboxEvent, SourceRecord
from mdm.resolution import current_links, resolve_all, resolve_changed
from mdm.source_records import ingest_records
from stewardship.judgements import record_judgement
from tests.conftest import client_as
from tests.golden_scenarios import as_duplicate_of, consolidate, members_by_golden, pick, send_online


def _batch(round_number: int, writer: int) -> list[dict[str, Any]]:
    # Both writers send the same 40 records; the phone changes every round, so each round makes new versions.
    return [{"source_system": "AGENT", "source_record_id": f"AG{i}", "party_type": "person",
             "last_name": f"CLIENT {i}", "phone": f"06610000{round_number:02d}", "point_of_sale": f"AGT{i % 7}",
             "agent_comment": f"writer {writer}" if i == 0 else None}
            for i in range(40)]


def test_overlapping_batches_from_two_writers(app: Flask) -> None:
    rounds = 6
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def write(writer: int) -> None:
        client = client_as(app, "admin")
        try:
            for round_number in range(rounds):
                barrier.wait(timeout=30)
                response = client.post("/api/v1/records/batch", json=_batch(round_number, writer))
                with lock:
                    statuses.append(response.status_code)
        except BaseException as error:  # reported below, so a failing writer cannot hang the other one
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(writer,)) for writer in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert statuses == [200] * (2 * rounds)
    client = client_as(app, "admin")
    versions = client.get("/api/v1/records/AGENT/AG5/versions").get_json()
    # one version per round: the second writer's identical content is "unchanged", never a duplicate
    assert [v["version"] for v in versions] == list(range(1, rounds + 1))
    assert [v["payload"]["phone"] for v in versions] == [f"06610000{r:02d}" for r in range(rounds)]


def _stranger(writer: int, number: int) -> dict[str, Any]:
    return {"source_system": "WEB", "source_record_id": f"W{writer}-{number}", "party_type": "person",
            "first_name": ["Zineb", "Othmane"][writer - 1], "last_name": f"Client{writer}x{number}q",
            "birth_date": f"19{60 + number}-0{writer}-1{number % 10}", "national_id": f"Z{writer}{number:05d}",
            "id_type": "CIN"}


def test_two_online_writers_extend_one_audit_chain(app: Flask, sessions: sessionmaker[Session]) -> None:
    consolidate(sessions, records=300)
    clients = {writer: client_as(app, "source", "WEB") for writer in (1, 2)}  # issuing a token is audited too
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    rounds = 8
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str | None]] = []
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        client = clients[writer]
        try:
            for number in range(rounds):
                barrier.wait(timeout=30)
                response = client.post("/api/v1/records", json=_stranger(writer, number))
                answers.append((response.status_code, response.get_json()["golden_id"]))
        except BaseException as error:
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(writer,)) for writer in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert sorted(status for status, _ in answers) == [201] * (2 * rounds)
    with sessions() as session:
        assert verify_chain(session) == ChainVerdict(True, before + 2 * rounds)
        created = list(session.scalars(select(AuditEvent.golden_id).where(AuditEvent.sequence > before)
                                       .order_by(AuditEvent.sequence)))
        outbox = list(session.scalars(select(OutboxEvent.golden_id).order_by(OutboxEvent.id)))
    assert sorted(created) == sorted(golden for _, golden in answers)
    assert outbox[-2 * rounds:] == created  # the outbox follows the same commit order


def test_a_second_appender_waits_for_the_first_to_commit(engine: Engine, sessions: sessionmaker[Session]) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time by design")
    entry = AuditEntry("golden.created", "GC-A", "hub", {"kind": "online"}, None, {"joined": ["WEB:1"]})
    with transaction(sessions) as session:
        append_events(session, [entry], utc_now())  # the chain head exists from now on
    appended = threading.Event()
    with transaction(sessions) as first:
        append_events(first, [entry._replace(golden_id="GC-B")], utc_now())

        def second_writer() -> None:
            with transaction(sessions) as second:
                append_events(second, [entry._replace(golden_id="GC-C")], utc_now())
            appended.set()

        thread = threading.Thread(target=second_writer)
        thread.start()
        assert not appended.wait(timeout=1)  # blocked on the chain head while the first transaction is open
    thread.join(timeout=30)
    assert appended.is_set()
    with sessions() as session:
        assert verify_chain(session) == ChainVerdict(True, 3)
        assert list(session.scalars(select(AuditEvent.golden_id).order_by(AuditEvent.sequence))) == [
            "GC-A", "GC-B", "GC-C"]


def _karim(source_system: str, source_record_id: str) -> dict[str, Any]:
    return {"source_system": source_system, "source_record_id": source_record_id, "party_type": "person",
            "first_name": "Karim", "last_name": "Bouzoubaa Tahiri", "birth_date": "1979-06-17", "id_type": "CIN",
            "national_id": "QB417702", "phone": "0663409817", "city": "Meknes"}


def test_a_writer_joining_a_golden_record_that_splits_meanwhile_follows_its_record(
        sessions: sessionmaker[Session]) -> None:
    consolidate(sessions, records=300)
    send_online(sessions, [_karim("AGENT", "KB-1")])
    send_online(sessions, [_karim("BGD", "KB-2")])
    assert len({golden for _, _, golden in _links(sessions, "KB-")}) == 1  # one client, two records
    # The agent's record turns out to be someone else: the golden record splits. While that is uncommitted, the
    # web sends the client again; it shares keys with the bank's record only, not with the agent's new content.
    correction = {"source_system": "AGENT", "source_record_id": "KB-1", "party_type": "person",
                  "first_name": "Nawal", "last_name": "Sqalli Houssaini", "birth_date": "1991-02-26",
                  "id_type": "CIN", "national_id": "QN820935", "phone": "0667120553", "city": "Tanger"}
    finished = threading.Event()
    failures: list[BaseException] = []

    def web_writer() -> None:
        try:
            send_online(sessions, [_karim("WEB", "KB-3")])
        except BaseException as error:
            failures.append(error)
        finished.set()

    with transaction(sessions) as first:
        results = ingest_records(first, [correction], DEFAULT_SOURCE_SYSTEMS)
        resolve_changed(first, {r.record_id for r in results if r.record_id is not None})
        writer = threading.Thread(target=web_writer)
        writer.start()
        assert not finished.wait(timeout=1)  # it waits for the split to commit (PostgreSQL: its golden record)
    writer.join(timeout=60)
    assert finished.is_set() and not failures, failures
    links = {record_id: golden for _, record_id, golden in _links(sessions, "KB-")}
    assert links["KB-3"] == links["KB-2"] != links["KB-1"]
    with sessions() as session:
        assert session.get(GoldenRecord, links["KB-3"]).status == "active"  # type: ignore[union-attr]


def _links(sessions: sessionmaker[Session], prefix: str) -> list[tuple[str, str, str]]:
    with sessions() as session:
        return [link for link in current_links(session) if link[1].startswith(prefix)]


def test_records_stored_while_a_full_run_matches_are_resolved_not_lost(
    engine: Engine, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets no one write while a run reads: the run would wait for the write, not race it")
    consolidate(sessions, records=300)
    members = members_by_golden(sessions)
    target = pick(members, 2, set())
    moving = members[pick(members, 3, {target})][0]
    duplicate = {**as_duplicate_of(sessions, members[target][0], members[target][0]), "source_system": "WEB",
                 "source_record_id": "LATE-DUP"}
    stranger = {**_stranger(1, 99), "source_record_id": "LATE-NEW"}
    real_resolve_batch = mdm.resolution.resolve_batch
    written: list[bool] = []

    def resolve_batch_with_writers_meanwhile(payloads: Any, model: Any, workers: int = 1, **options: Any) -> Any:
        read = list(payloads)  # the full run has read every live record, and now matches them
        if not written:
            written.append(True)
            # Online writers commit meanwhile: a duplicate of a known client, a new client, a record that moves.
            send_online(sessions, [duplicate, stranger, as_duplicate_of(sessions, moving, members[target][1])])
        return real_resolve_batch(iter(read), model, workers, **options)

    monkeypatch.setattr(mdm.resolution, "resolve_batch", resolve_batch_with_writers_meanwhile)
    resolve_all(sessions)
    monkeypatch.undo()
    with sessions() as session:
        links = {(system, record_id): golden for system, record_id, golden in current_links(session)}
    assert links[("WEB", "LATE-DUP")] == links[members[target][0]]  # linked to its client, not dropped
    assert links[moving] == links[members[target][0]]  # the new version was resolved, not the one read
    assert ("WEB", "LATE-NEW") in links
    with sessions() as session:
        late_ids = set(session.scalars(select(SourceRecord.id).where(
            SourceRecord.source_record_id.in_(["LATE-DUP", "LATE-NEW"]))))
        indexed = set(session.scalars(select(BlockingKey.record_id).where(BlockingKey.record_id.in_(late_ids))))
        active = {golden for (golden,) in session.execute(
            select(GoldenRecord.id).where(GoldenRecord.status == "active"))}
        assert verify_chain(session).intact
    assert indexed == late_ids  # still findable by the next records of the same clients
    assert set(links.values()) <= active


def test_a_verdict_given_while_a_full_run_matches_is_not_undone_by_it(
    engine: Engine, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets no one write while a run reads: the run would wait for the write, not race it")
    consolidate(sessions, records=300)
    members = members_by_golden(sessions)
    left, right = members[pick(members, 2, set())][:2]
    real_resolve_batch = mdm.resolution.resolve_batch
    judged: list[bool] = []

    def resolve_batch_with_a_steward_meanwhile(payloads: Any, model: Any, workers: int = 1, **options: Any) -> Any:
        read_constraints = options.pop("constraints")

        def constraints_then_a_verdict() -> Any:
            read = read_constraints()  # the run holds the verdicts as they were: none on this pair
            if not judged:  # a steward commits a not_same meanwhile (its own resolution is not raced)
                judged.append(True)
                with transaction(sessions) as session:
                    record_judgement(session, left, right, "not_same", "steward#1", "two clients", utc_now())
            return read

        return real_resolve_batch(payloads, model, workers, constraints=constraints_then_a_verdict, **options)

    monkeypatch.setattr(mdm.resolution, "resolve_batch", resolve_batch_with_a_steward_meanwhile)
    resolve_all(sessions)
    monkeypatch.undo()
    with sessions() as session:
        links = {(system, record_id): golden for system, record_id, golden in current_links(session)}
    assert links[left] != links[right]
    resolve_all(sessions)
    with sessions() as session:
        links = {(system, record_id): golden for system, record_id, golden in current_links(session)}
    assert links[left] != links[right]
