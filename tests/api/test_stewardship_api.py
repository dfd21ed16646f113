"""The stewardship queue over HTTP: writes open and refresh tasks, the data closes them, stewards decide them and
every later resolution honours the decision; two stewards deciding one task at once get one winner and one 409."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mdm.models import Judgement, OutboxEvent, SourceRecord, StewardshipTask
from mdm.resolution import resolve_all
from tests.conftest import client_as
from tests.golden_scenarios import members_by_golden
from tests.stewardship_scenarios import TASKS, add_conflict, conflict_index, shared_hub


@pytest.fixture(scope="module")
def hub(module_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    shared_hub(module_sessions)
    return module_sessions


@pytest.fixture
def sessions(hub: sessionmaker[Session]) -> sessionmaker[Session]:
    return hub


@pytest.fixture
def app(module_app: Flask, hub: sessionmaker[Session]) -> Flask:
    return module_app


@pytest.fixture
def client(module_client: FlaskClient, hub: sessionmaker[Session]) -> FlaskClient:
    return module_client


@pytest.fixture
def conflict(request: pytest.FixtureRequest, sessions: sessionmaker[Session], client: FlaskClient) -> dict[str, Any]:
    """An identifier conflict of the test's own, opened online in the module's shared hub."""
    return add_conflict(sessions, client, conflict_index(globals(), request.function.__name__))


def _open_tasks_of(sessions: sessionmaker[Session], record: str) -> list[StewardshipTask]:
    with sessions() as session:
        return [task for task in session.scalars(select(StewardshipTask).where(StewardshipTask.status == "open"))
                if record in _names(session, task)]


def _names(session: Session, task: StewardshipTask) -> list[str]:
    return [f"{r.source_system}:{r.source_record_id}" for r in (
        session.get_one(SourceRecord, task.record_a_id), session.get_one(SourceRecord, task.record_b_id))]


def test_a_shared_national_id_opens_one_task_with_its_evidence_side_by_side(
    conflict: dict[str, Any], client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    detail = conflict["task"]
    task = detail["task"]
    assert (task["kind"], task["status"], task["party_type"], task["detail"]) == (
        "identifier_conflict", "open", "person", "typed_national_id")
    victim_golden = next(golden for golden, keys in members_by_golden(sessions).items() if conflict["victim"] in keys)
    assert conflict["name"] in task["records"] and victim_golden in task["golden_ids"]
    assert task["golden_ids"][0] != task["golden_ids"][1] and conflict["golden"] in task["golden_ids"]
    assert task["revision"] == 1 and task["age_days"] == 0 and task["priority"] >= 30
    # Side by side: the national id agrees, the names differ, and the model says why it kept them apart.
    assert "national_id" in detail["fields"] and "national_id" not in detail["differing"]
    assert {"first_name", "birth_date"} & set(detail["differing"])
    explanation = detail["explanation"]
    assert explanation["band"] != "match" and explanation["model_version"] == task["model_version"]
    assert any(item["comparison"] == "national_id" and item["weight"] > 0 for item in explanation["evidence"])
    with sessions() as session:
        created = session.scalars(select(OutboxEvent).where(OutboxEvent.type == "task.created")).all()
    assert [event.payload["task"] for event in created if conflict["name"] in event.payload["records"]] == [
        task["id"]]


def test_a_new_version_refreshes_the_task_and_a_retraction_closes_it(
    conflict: dict[str, Any], client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    task = conflict["task"]["task"]
    answer = client.post("/api/v1/records", json={**conflict["impostor"], "email": "new.address@menara.ma"})
    assert answer.status_code == 200 and answer.get_json()["tasks"] == [task["id"]]
    refreshed = client.get(f"{TASKS}/{task['id']}").get_json()["task"]
    assert refreshed["revision"] == 2 and refreshed["status"] == "open"
    assert [t.id for t in _open_tasks_of(sessions, conflict["name"])] == [task["id"]]  # never two open tasks
    # A decision on what the steward saw before the refresh is refused.
    stale = client.post(f"{TASKS}/{task['id']}/decision", json={"verdict": "not_same", "revision": 1})
    assert stale.status_code == 409 and stale.content_type == "application/problem+json"
    assert client.delete(f"/api/v1/records/WEB/{conflict['key'][1]}").status_code == 200
    closed = client.get(f"{TASKS}/{task['id']}").get_json()["task"]
    assert (closed["status"], closed["outcome"]) == ("closed", "retracted")
    assert client.get(TASKS, query_string={"status": "closed"}).get_json()["total"] >= 1


def test_not_same_ends_the_task_and_the_pair_never_comes_back(
    conflict: dict[str, Any], client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    task = conflict["task"]["task"]
    answer = client.post(f"{TASKS}/{task['id']}/decision", json={
        "verdict": "not_same", "comment": "two clients: the web form copied the id", "revision": 1})
    assert answer.status_code == 200, answer.get_json()
    decided = answer.get_json()
    assert (decided["task"]["status"], decided["task"]["outcome"]) == ("decided", "not_same")
    assert decided["task"]["comment"] == "two clients: the web form copied the id"
    assert decided["judgement"]["golden_ids"][0] != decided["judgement"]["golden_ids"][1]
    again = client.post(f"{TASKS}/{task['id']}/decision", json={"verdict": "same"})
    assert again.status_code == 409 and "already decided" in again.get_json()["detail"]
    # An auditor finds the decision in the lineage of the impostor's golden record.
    golden = next(golden for golden, keys in members_by_golden(sessions).items() if conflict["key"] in keys)
    (decision,) = client.get(f"/api/v1/golden/{golden}/lineage").get_json()["decisions"]
    assert (decision["verdict"], decision["reason"], decision["superseded"]) == (
        "not_same", "two clients: the web form copied the id", False)
    assert conflict["name"] in decision["records"] and decision["actor"].startswith("admin")
    for retrain in (False, True):
        resolve_all(sessions, retrain=retrain)
        assert _open_tasks_of(sessions, conflict["name"]) == []
    client.post("/api/v1/records", json={**conflict["impostor"], "phone": "0661234567"})
    assert _open_tasks_of(sessions, conflict["name"]) == []
    with sessions() as session:
        events = session.scalars(select(OutboxEvent).where(OutboxEvent.type == "task.decided")).all()
    assert [(e.payload["task"], e.payload["verdict"]) for e in events if e.payload["task"] == task["id"]] == [
        (task["id"], "not_same")]


def test_same_joins_the_two_golden_records_and_holds_through_full_runs(
    conflict: dict[str, Any], client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    task = conflict["task"]["task"]
    decided = client.post(f"{TASKS}/{task['id']}/decision", json={"verdict": "same"}).get_json()
    golden_a, golden_b = decided["judgement"]["golden_ids"]
    assert golden_a == golden_b is not None
    resolve_all(sessions, retrain=True)
    together = [keys for keys in members_by_golden(sessions).values() if conflict["key"] in keys]
    assert conflict["victim"] in together[0]


def test_queue_filters_pages_and_access(app: Flask, conflict: dict[str, Any], client: FlaskClient) -> None:
    task = conflict["task"]["task"]
    everything = client.get(TASKS).get_json()
    assert everything["total"] >= 1 and task["id"] in [t["id"] for t in everything["tasks"]]
    priorities = [t["priority"] for t in everything["tasks"]]
    assert priorities == sorted(priorities, reverse=True)
    assert task["id"] in [t["id"] for t in client.get(TASKS, query_string={
        "kind": "identifier_conflict", "party_type": "person", "network": "web"}).get_json()["tasks"]]
    assert client.get(TASKS, query_string={"kind": "possible_match", "network": "WEB"}).get_json()["tasks"] == [] or \
        task["id"] not in [t["id"] for t in client.get(TASKS, query_string={"kind": "possible_match"}).get_json()[
            "tasks"]]
    first = client.get(TASKS, query_string={"limit": 1}).get_json()
    assert first["limit"] == 1 and len(first["tasks"]) == 1
    bad = client.get(TASKS, query_string={"kind": "maybe"})
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    assert client.get(f"{TASKS}/999999").status_code == 404
    auditor, source = client_as(app, "auditor"), client_as(app, "source", "WEB")
    assert auditor.get(f"{TASKS}/{task['id']}").status_code == 200
    assert auditor.post(f"{TASKS}/{task['id']}/decision", json={"verdict": "same"}).status_code == 403
    assert source.get(TASKS).status_code == 403
    steward = client_as(app, "steward")
    taken = steward.post(f"{TASKS}/{task['id']}/assignment", json={"assignee": "amina"}).get_json()
    assert taken["assignee"] == "amina"
    assert [t["id"] for t in steward.get(TASKS, query_string={"assignee": "amina"}).get_json()["tasks"]] == [
        task["id"]]


def test_a_judgement_against_a_golden_record_keeps_the_record_out(
    conflict: dict[str, Any], client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    victim_golden = next(golden for golden, keys in members_by_golden(sessions).items() if conflict["victim"] in keys)
    answer = client.post("/api/v1/stewardship/judgements", json={
        "a": conflict["name"], "golden_id": victim_golden, "verdict": "not_same", "reason": "another person"})
    assert answer.status_code == 201, answer.get_json()
    closed = client.get(f"{TASKS}/{conflict['task']['task']['id']}").get_json()["task"]
    assert (closed["status"], closed["outcome"]) == ("closed", "judged")
    both = client.post("/api/v1/stewardship/judgements", json={"a": conflict["name"], "verdict": "same"})
    assert both.status_code == 422 and both.get_json()["errors"][0]["field"] == "b"


@pytest.mark.postgresql
def test_two_stewards_deciding_one_task_at_once_get_one_winner_and_one_conflict(
    app: Flask, module_database_url: str, conflict: dict[str, Any], sessions: sessionmaker[Session],
) -> None:
    if not module_database_url.startswith("postgresql"):
        pytest.skip("concurrent writers take turns on PostgreSQL row locks; SQLite serialises whole transactions")
    task_id = conflict["task"]["task"]["id"]
    stewards = [client_as(app, "steward"), client_as(app, "steward")]
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def decide(index: int, verdict: str) -> None:
        barrier.wait()
        answers[index] = stewards[index].post(f"{TASKS}/{task_id}/decision", json={"verdict": verdict,
                                                                                     "revision": 1})

    threads = [threading.Thread(target=decide, args=(0, "same")), threading.Thread(target=decide, args=(1, "not_same"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 409], [answer.get_json() for answer in answers]
    loser = next(answer for answer in answers if answer.status_code == 409)
    assert loser.content_type == "application/problem+json"
    winner = next(answer for answer in answers if answer.status_code == 200).get_json()
    with sessions() as session:
        task = session.get_one(StewardshipTask, task_id)
        judgements = session.scalars(select(Judgement).where(Judgement.record_a_id == task.record_a_id,
                                                             Judgement.record_b_id == task.record_b_id)).all()
        decided_events = [event for event in session.scalars(select(OutboxEvent).where(
            OutboxEvent.type == "task.decided")) if event.payload["task"] == task_id]
    assert [j.verdict for j in judgements] == [winner["task"]["outcome"]] == [task.outcome]
    assert task.status == "decided" and len(decided_events) == 1
