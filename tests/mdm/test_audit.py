"""The audit trail: one hash-chained entry per golden record change, after batch and online work; tampering with
or removing an entry is found and named."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from config import Config
from mdm import golden_history
from mdm.audit import AuditEntry, append_events, lock_chain_head, verify_chain
from mdm.cli import cli
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.events import NewEvent, emit_many
from mdm.models import AuditChainHead, AuditEvent, GoldenRecord, OutboxEvent
from tests.golden_scenarios import as_duplicate_of, consolidate, members_by_golden, pick, send_online


# One hub per backend for the whole module: tampering happens in a transaction that is rolled back.
@pytest.fixture(scope="module")
def sessions(module_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    return module_sessions


@pytest.fixture(scope="module")
def audited(sessions: sessionmaker[Session]) -> dict[str, list[tuple[str, str]]]:
    """A consolidated hub, then one record moved online from a golden record to another. The full run writes its
    entries 7 at a time, so the chain and the outbox continue from slice to slice as they would within one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(golden_history, "_WRITE_SLICE", 7)
        consolidate(sessions)
    members = members_by_golden(sessions)
    target = pick(members, 2, set())
    source = pick(members, 3, {target})
    send_online(sessions, [as_duplicate_of(sessions, members[source][0], members[target][0])])
    return members


def _events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.sequence)))


def test_chain_holds_after_batch_and_online_work(
    sessions: sessionmaker[Session], audited: dict[str, list[tuple[str, str]]],
) -> None:
    with sessions() as session:
        verdict = verify_chain(session)
        events = _events(session)
        golden_records = session.scalar(select(func.count()).select_from(GoldenRecord))
    assert verdict.intact and verdict.events == len(events) and verdict.first_broken is None
    assert [event.sequence for event in events] == list(range(1, len(events) + 1))
    created = [event for event in events if event.cause == {"kind": "resolution"} and event.golden_id]
    assert {event.kind for event in created} == {"golden.created"} and len(created) == golden_records
    assert len(created) > 7, "the run wrote several slices"
    with sessions() as session:
        announced = list(session.execute(select(OutboxEvent.type, OutboxEvent.golden_id).order_by(OutboxEvent.id)))
    assert announced[:len(created)] == [(event.kind, event.golden_id) for event in created]
    assert all(event.actor == "hub" and event.model_version and event.model_version.startswith("fs-")
               for event in events)
    # each creation names exactly the records the golden record was made of
    assert {event.golden_id: sorted(event.details["joined"]) for event in created} == {
        golden: sorted(f"{system}:{record}" for system, record in keys) for golden, keys in audited.items()}
    online = [event for event in events if event.cause["kind"] == "online" and event.golden_id]
    assert sorted(event.kind for event in online) == ["golden.split", "golden.updated"]
    moved = online[0].cause["records"]
    assert len(moved) == 1 and moved[0]["version"] == 2
    assert all(event.cause["records"] == moved for event in online)
    split = next(event for event in online if event.kind == "golden.split")
    updated = next(event for event in online if event.kind == "golden.updated")
    assert split.details["left"] == updated.details["joined"] == [moved[0]["record"]]
    assert split.details["split_into"] == [updated.golden_id]


def _change_details(session: Session, sequence: int) -> None:
    session.execute(update(AuditEvent).where(AuditEvent.sequence == sequence).values(details={"joined": []}))


def _delete(session: Session, sequence: int) -> None:
    session.execute(delete(AuditEvent).where(AuditEvent.sequence == sequence))


def _rehash(session: Session, sequence: int) -> None:
    """Change an event and recompute its own hash: the next event's hash no longer follows."""
    from mdm.audit import AuditEntry, _chain_hash, _timestamp

    event = session.get(AuditEvent, sequence)
    previous = session.get(AuditEvent, sequence - 1)
    assert event is not None and previous is not None
    entry = AuditEntry(event.kind, event.golden_id, "someone else", event.cause, event.model_version, event.details)
    forged = _chain_hash(previous.hash, sequence, _timestamp(event.occurred_at), entry)
    session.execute(update(AuditEvent).where(AuditEvent.sequence == sequence)
                    .values(actor="someone else", hash=forged))


@pytest.mark.parametrize(("tamper", "where", "broken_at", "problem"), [
    (_change_details, "middle", "same", "does not match its hash"),
    (_change_details, "last", "same", "does not match its hash"),
    (_delete, "middle", "same", "is missing"),
    (_delete, "first", "same", "is missing"),
    (_delete, "last", "same", "the chain head names"),
    (_rehash, "middle", "next", "does not match its hash"),
])
def test_tampering_is_found_and_named(
    sessions: sessionmaker[Session], audited: dict[str, list[tuple[str, str]]],
    tamper: Callable[[Session, int], None], where: str, broken_at: str, problem: str,
) -> None:
    with sessions() as session:
        last = session.scalar(select(func.max(AuditEvent.sequence)))
    assert last is not None and last > 10
    sequence = {"first": 1, "middle": last // 2, "last": last}[where]
    with sessions() as session:
        tamper(session, sequence)
        verdict = verify_chain(session)  # sees the tampering, which is then rolled back
        session.rollback()
    assert not verdict.intact
    assert verdict.first_broken == (sequence if broken_at == "same" else sequence + 1)
    assert verdict.problem is not None and problem in verdict.problem


def test_a_forged_chain_head_is_found(
    sessions: sessionmaker[Session], audited: dict[str, list[tuple[str, str]]],
) -> None:
    with sessions() as session:
        session.execute(update(AuditChainHead).values(hash="f" * 64))
        verdict = verify_chain(session)
        session.rollback()
    assert not verdict.intact and verdict.first_broken == verdict.events


def test_cli_audit_verify_exits_non_zero_on_a_break(
    module_database_url: str, sessions: sessionmaker[Session], audited: dict[str, list[tuple[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Config, "DATABASE_URL", module_database_url)
    runner = CliRunner()
    intact = runner.invoke(cli, ["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(AuditEvent))
    assert f"intact: {count:,} events" in intact.output
    with sessions() as session:
        original = session.get(AuditEvent, 3)
        assert original is not None
        details = dict(original.details)
    with transaction(sessions) as session:
        _change_details(session, 3)
    try:
        broken = runner.invoke(cli, ["audit", "verify"])
    finally:  # the shared hub gets its event back for the tests that follow
        with transaction(sessions) as session:
            session.execute(update(AuditEvent).where(AuditEvent.sequence == 3).values(details=details))
    assert broken.exit_code == 1
    assert "broken at event 3" in broken.output
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0


def test_a_session_appending_again_after_a_rollback_continues_the_committed_chain(
    sessions: sessionmaker[Session], audited: dict[str, list[tuple[str, str]]],
) -> None:
    entry = AuditEntry("golden.updated", None, "test", {"kind": "test"}, None, {})
    with sessions() as session:
        with session.begin():
            committed = lock_chain_head(session)[0]
        session.begin()
        append_events(session, [entry, entry], utc_now())
        session.rollback()  # the two entries never happened
        session.begin()
        append_events(session, [entry], utc_now())
        emit_many(session, [NewEvent("golden.updated", None, {})], utc_now())
        verdict = verify_chain(session)
        last = session.scalar(select(func.max(AuditEvent.sequence)))
        session.rollback()
    assert verdict.intact and last == committed + 1
