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


# Invented clients, one per conflict a test opens: nothing in common with the synthetic feed but the national id.
_FIRST = ("Yasmine", "Othmane", "Ilyas", "Salma", "Reda", "Nora", "Hamza", "Lina")
_LAST = ("Skalli", "Lahlou", "Guessous", "Benjelloun", "Tahiri", "Filali", "Kettani", "Sqalli")


def impostor_key(index: int) -> Key:
    return ("WEB", f"IMPOSTOR-{index}")


def _impostor(victim_payload: dict[str, Any], index: int) -> dict[str, Any]:
    """Another client from another network, carrying the victim's national id: same strong identifier, nothing
    else in common, so the model keeps them apart and a steward must look."""
    first, last = _FIRST[index], _LAST[index]
    return {"source_system": "WEB", "source_record_id": impostor_key(index)[1], "party_type": "person",
            "point_of_sale": "WEB", "civility": "Mme" if index % 2 == 0 else "M.", "first_name": first,
            "last_name": last, "birth_date": f"{11 + index}/0{1 + index}/19{61 + index}",
            "id_type": victim_payload["id_type"], "national_id": victim_payload["national_id"],
            "phone": f"0661{index:02d}3459", "email": f"{first.lower()}.{last.lower()}@menara.ma",
            "address_line": f"{12 + index} RUE IBN BATOUTA", "city": "FES", "postal_code": "30000",
            "product_line": "DOMMAGE"}


def shared_hub(sessions: sessionmaker[Session]) -> None:
    """The hub a module's stewardship tests share: each test opens conflicts of its own in it."""
    consolidate(sessions, records=300)


def conflict_index(module_globals: dict[str, Any], test_name: str) -> int:
    """A test's own conflict number in its module's shared hub: its rank among the module's tests."""
    return sorted(name for name in module_globals if name.startswith("test_")).index(test_name)


def add_conflict(sessions: sessionmaker[Session], client: FlaskClient, index: int = 0) -> dict[str, Any]:
    """Identifier conflict number ``index`` (each its own victim and impostor) opened online in a consolidated
    hub; answers the task and the records."""
    members = members_by_golden(sessions)
    victim = _person_with_id(sessions, members, index)
    impostor = _impostor(payload_of(sessions, victim), index)
    answer = client.post("/api/v1/records", json=impostor)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["decision"] in ("new", "possible") and len(body["tasks"]) == 1, body
    task = client.get(f"{TASKS}/{body['tasks'][0]}").get_json()
    return {"task": task, "victim": victim, "impostor": impostor, "golden": body["golden_id"],
            "name": f"WEB:{impostor['source_record_id']}", "key": impostor_key(index)}
