"""A hub with one identifier conflict in the stewardship queue: shared by the queue's API and page tests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from tests.golden_scenarios import Key, consolidate, members_by_golden, payload_of

TASKS = "/api/v1/stewardship/tasks"


def _person_with_id(sessions: sessionmaker[Session], members: dict[str, list[Key]], skip: int = 0) -> Key:
    """A record of a person holding a typed national id, chosen by its key (ids are random)."""
    found = [key for keys in members.values() for key in keys
             if (payload := payload_of(sessions, key)).get("party_type") == "person"
             and payload.get("national_id") and payload.get("id_type")]
    return sorted(found)[skip]


def _impostor(sessions: sessionmaker[Session], members: dict[str, list[Key]], victim: Key, record_id: str,
              ) -> dict[str, Any]:
    """Another client's record from another network, carrying the victim's national id: same strong identifier,
    nothing else in common, so the model keeps them apart and a steward must look."""
    other = next(key for keys in sorted(members.values()) for key in keys
                 if payload_of(sessions, key).get("party_type") == "person" and key != victim
                 and payload_of(sessions, key).get("national_id") != payload_of(sessions, victim)["national_id"]
                 and payload_of(sessions, key).get("last_name") != payload_of(sessions, victim).get("last_name"))
    victim_payload = payload_of(sessions, victim)
    return {**payload_of(sessions, other), "source_system": "WEB", "source_record_id": record_id,
            "national_id": victim_payload["national_id"], "id_type": victim_payload["id_type"]}


def open_conflict(sessions: sessionmaker[Session], client: FlaskClient) -> dict[str, Any]:
    """A consolidated hub and one identifier conflict opened online; answers the task and the records."""
    consolidate(sessions, records=300)
    return add_conflict(sessions, client)


def add_conflict(sessions: sessionmaker[Session], client: FlaskClient) -> dict[str, Any]:
    """One identifier conflict opened online in a consolidated hub; answers the task and the records."""
    members = members_by_golden(sessions)
    victim = _person_with_id(sessions, members)
    impostor = _impostor(sessions, members, victim, "IMPOSTOR-1")
    answer = client.post("/api/v1/records", json=impostor)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["decision"] in ("new", "possible") and len(body["tasks"]) == 1, body
    task = client.get(f"{TASKS}/{body['tasks'][0]}").get_json()
    return {"task": task, "victim": victim, "impostor": impostor, "golden": body["golden_id"]}
