"""GET /events: one lifecycle event per golden record change, in commit order, paged with `after`; nothing is
written by a transaction that rolls back."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mdm.audit import verify_chain
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.events import emit
from mdm.models import AuditEvent, OutboxEvent
from mdm.resolution import resolve_changed
from mdm.source_records import retract_record
from tests.golden_scenarios import as_duplicate_of, consolidate, members_by_golden, pick


def _all_events(client: FlaskClient) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.get(f"/api/v1/events?after={after}&limit=1000").get_json()
        if not page["events"]:
            return events
        events.extend(page["events"])
        after = page["next_after"]


def test_golden_record_changes_appear_as_events(client: FlaskClient, sessions: sessionmaker[Session]) -> None:
    consolidate(sessions)
    members = members_by_golden(sessions)
    first = _all_events(client)
    created = [event for event in first if event["type"].startswith("golden.")]  # moves are announced too
    assert {event["type"] for event in created} == {"golden.created"}
    assert {event["type"] for event in first} <= {"golden.created", "client.moved", "task.created"}
    assert sorted(event["golden_id"] for event in created) == sorted(members)

    target = pick(members, 2, set())
    source = pick(members, 3, {target})
    gone = pick(members, 1, set())
    single = pick(members, 1, {gone})
    moved = client.post("/api/v1/records", json=as_duplicate_of(sessions, members[source][0], members[target][0]))
    assert moved.status_code == 200 and moved.get_json()["golden_id"] == target
    # the only record of `single` now describes the target's client: `single` is merged into `target`
    absorbed = client.post("/api/v1/records", json=as_duplicate_of(sessions, members[single][0], members[target][1]))
    assert absorbed.get_json()["golden_id"] == target
    assert client.delete(f"/api/v1/records/{members[gone][0][0]}/{members[gone][0][1]}").status_code == 200

    later = [event for event in _all_events(client)[len(first):] if event["type"].startswith("golden.")]
    by_golden = [(event["type"], event["golden_id"]) for event in later]
    assert by_golden == [("golden.split", source), ("golden.updated", target),
                         ("golden.updated", target), ("golden.merged", single), ("golden.retired", gone)]
    split, joined, merging, merged, retired = (event["payload"] for event in later)
    moved_name, single_name, gone_name = (":".join(members[g][0]) for g in (source, single, gone))
    assert split == {"left": [moved_name], "split_into": [target]}
    assert joined == {"joined": [moved_name]}
    assert merging == {"joined": [single_name], "absorbed": [single]}
    assert merged == {"left": [single_name], "survivor": target}
    assert retired == {"left": [gone_name]}
    assert [event["id"] for event in later] == sorted(event["id"] for event in later)


def test_paging_with_after_reads_every_event_once(client: FlaskClient, sessions: sessionmaker[Session]) -> None:
    consolidate(sessions, records=300)
    everything = client.get("/api/v1/events?limit=1000").get_json()["events"]
    assert len(everything) > 25
    first = client.get("/api/v1/events").get_json()
    assert first["events"] == everything[:100] and first["next_after"] == everything[99]["id"]
    pages, after = [], 0
    while True:
        page = client.get(f"/api/v1/events?after={after}&limit=7").get_json()
        if not page["events"]:
            assert page["next_after"] == after  # nothing new: poll again from the same place
            break
        assert len(page["events"]) <= 7
        pages.extend(page["events"])
        after = page["next_after"]
    assert pages == everything
    assert all(set(event) == {"id", "type", "golden_id", "occurred_at", "payload"} for event in pages)


@pytest.mark.parametrize(("query", "field"), [
    ("after=-1", "after"), ("after=abc", "after"), ("limit=0", "limit"), ("limit=1001", "limit"),
    ("limit=ten", "limit"),
])
def test_bad_paging_parameters_are_422_problems(client: FlaskClient, query: str, field: str) -> None:
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert [error["field"] for error in response.get_json()["errors"]] == [field]


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return (session.scalar(select(func.count()).select_from(OutboxEvent)) or 0,
                session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_nothing_is_written_when_the_transaction_rolls_back(sessions: sessionmaker[Session]) -> None:
    consolidate(sessions, records=300)
    members = members_by_golden(sessions)
    before = _counts(sessions)
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        result = retract_record(session, *members[pick(members, 2, set())][0])
        assert result.record_id is not None
        resolve_changed(session, {result.record_id})
        emit(session, "client.moved", None, {"from": "AGT1", "to": "AGT2"}, utc_now())
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == before[0] + 2
        raise RuntimeError("the request failed after resolving")
    assert _counts(sessions) == before
    with sessions() as session:
        assert verify_chain(session).intact


def test_unknown_event_types_are_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match=r"golden\.renamed"), transaction(sessions) as session:
        emit(session, "golden.renamed", "GC-X", {}, utc_now())
