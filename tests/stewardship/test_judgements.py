"""Steward judgements: ``not_same`` keeps two records apart and ``same`` joins them, at once and in every later
online or batch resolution, retrains and re-sends included."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mdm.clock import utc_now
from mdm.db import transaction
from mdm.errors import InvalidInput
from mdm.models import AuditEvent, Judgement
from mdm.resolution import current_links, resolve_all
from stewardship.judgements import record_judgement
from tests.golden_scenarios import Key, consolidate, members_by_golden, payload_of, pick, send_online


def _links(sessions: sessionmaker[Session]) -> dict[Key, str]:
    with sessions() as session:
        return {(system, record_id): golden for system, record_id, golden in current_links(session)}


def _judge(sessions: sessionmaker[Session], left: Key, right: Key, verdict: str) -> None:
    with transaction(sessions) as session:
        record_judgement(session, left, right, verdict, "steward#1", "checked the identity documents", utc_now())


def _resend_changed(sessions: sessionmaker[Session], key: Key) -> None:
    """A new version of the record from its source: the same client, one more detail."""
    send_online(sessions, [{**payload_of(sessions, key), "source_system": key[0], "source_record_id": key[1],
                            "email": f"client.{key[1].lower()}@menara.ma"}])


def test_not_same_keeps_two_linked_records_apart_through_every_later_run(sessions: sessionmaker[Session]) -> None:
    consolidate(sessions, records=300)
    members = members_by_golden(sessions)
    left, right = members[pick(members, 2, set())][:2]
    assert _links(sessions)[left] == _links(sessions)[right]  # the model put them together
    _judge(sessions, left, right, "not_same")
    assert _links(sessions)[left] != _links(sessions)[right]
    resolve_all(sessions)
    assert _links(sessions)[left] != _links(sessions)[right]
    resolve_all(sessions, retrain=True)
    assert _links(sessions)[left] != _links(sessions)[right]
    _resend_changed(sessions, left)
    _resend_changed(sessions, right)
    assert _links(sessions)[left] != _links(sessions)[right]
    with sessions() as session:
        stored = session.scalars(select(Judgement)).one()
        event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "judgement.recorded")).one()
    assert (stored.verdict, stored.actor, stored.reason) == ("not_same", "steward#1", "checked the identity documents")
    assert event.actor == "steward#1" and sorted(event.details["records"]) == sorted(f"{s}:{r}" for s, r in (
        left, right))


def test_same_joins_records_the_model_keeps_apart_and_the_latest_verdict_wins(
    sessions: sessionmaker[Session],
) -> None:
    consolidate(sessions, records=300)
    members = members_by_golden(sessions)
    (left,) = members[pick(members, 1, set())]
    (right,) = members[pick(members, 1, {_links(sessions)[left]})]
    assert _links(sessions)[left] != _links(sessions)[right]
    _judge(sessions, left, right, "same")
    assert _links(sessions)[left] == _links(sessions)[right]
    resolve_all(sessions)
    assert _links(sessions)[left] == _links(sessions)[right]
    _resend_changed(sessions, right)
    assert _links(sessions)[left] == _links(sessions)[right]
    _judge(sessions, left, right, "unsure")  # withdrawn: the model decides again
    resolve_all(sessions)
    assert _links(sessions)[left] != _links(sessions)[right]


def test_a_judgement_names_two_live_records(sessions: sessionmaker[Session]) -> None:
    consolidate(sessions, records=100)
    members = members_by_golden(sessions)
    (key,) = members[pick(members, 1, set())]
    with transaction(sessions) as session, pytest.raises(InvalidInput) as same_record:
        record_judgement(session, key, key, "same", "steward#1", None, utc_now())
    assert same_record.value.errors[0].rule == "distinct"
    with transaction(sessions) as session, pytest.raises(InvalidInput) as bad_verdict:
        record_judgement(session, key, key, "maybe", "steward#1", None, utc_now())
    assert bad_verdict.value.errors[0].field == "verdict"


def test_a_verdict_lapses_when_a_strong_identifier_of_its_record_changes(sessions: sessionmaker[Session]) -> None:
    """A new e-mail keeps the steward's ``same``; a new national id makes the record another as far as identity
    goes, so the verdict no longer holds and the model decides again."""
    consolidate(sessions, records=300)
    members = members_by_golden(sessions)
    singles = sorted(keys[0] for keys in members.values() if len(keys) == 1 and (
        payload := payload_of(sessions, keys[0])).get("party_type") == "person" and payload.get("national_id"))
    left, right = singles[0], singles[-1]
    _judge(sessions, left, right, "same")
    assert _links(sessions)[left] == _links(sessions)[right]
    _resend_changed(sessions, right)  # a new version, the same identifiers: the verdict holds
    assert _links(sessions)[left] == _links(sessions)[right]
    send_online(sessions, [{**payload_of(sessions, right), "source_system": right[0], "source_record_id": right[1],
                            "national_id": "ZK482913"}])
    assert _links(sessions)[left] != _links(sessions)[right]
    resolve_all(sessions)
    assert _links(sessions)[left] != _links(sessions)[right]
