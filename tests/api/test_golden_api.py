"""Golden records over REST: cross-references after consolidation, redirects for merged ids, 404 problems."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from mdm.db import transaction
from mdm.models import GoldenRecord
from mdm.resolution import current_links, resolve_all


def test_golden_record_lists_its_source_records(client: FlaskClient, sessions: sessionmaker[Session]) -> None:
    records = [g.record for g in generate(600, seed=4)]
    assert client.post("/api/v1/records/batch", json=records).get_json()["summary"]["created"] == 600
    resolve_all(sessions)
    with sessions() as session:
        links = list(current_links(session))
    by_golden: dict[str, list[tuple[str, str]]] = {}
    for system, record_id, golden_id in links:
        by_golden.setdefault(golden_id, []).append((system, record_id))
    golden_id, members = max(by_golden.items(), key=lambda item: len(item[1]))
    body = client.get(f"/api/v1/golden/{golden_id}").get_json()
    assert body["id"] == golden_id and body["status"] == "active"
    assert sorted((x["source_system"], x["source_record_id"]) for x in body["xrefs"]) == sorted(members)
    assert all(x["model_version"].startswith("fs-") for x in body["xrefs"])
    assert len(members) > 1 and all(x["probability"] is not None for x in body["xrefs"])


def test_merged_golden_record_redirects_to_its_survivor(client: FlaskClient, sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        session.add(GoldenRecord(id="GC-SURVIVOR", party_type="person", status="active", created_at=now,
                                 updated_at=now))
        session.flush()
        session.add(GoldenRecord(id="GC-MIDDLE", party_type="person", status="merged", merged_into="GC-SURVIVOR",
                                 created_at=now, updated_at=now))
        session.flush()
        session.add(GoldenRecord(id="GC-OLD", party_type="person", status="merged", merged_into="GC-MIDDLE",
                                 created_at=now, updated_at=now))
    response = client.get("/api/v1/golden/GC-OLD")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/api/v1/golden/GC-SURVIVOR")
    assert client.get("/api/v1/golden/GC-SURVIVOR").get_json()["xrefs"] == []


def test_unknown_golden_record_is_a_404_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/golden/GC-NOPE")
    assert response.status_code == 404 and response.content_type == "application/problem+json"


def test_match_explain_gives_per_field_evidence(client: FlaskClient, sessions: sessionmaker[Session]) -> None:
    generated = list(generate(600, seed=4))
    client.post("/api/v1/records/batch", json=[g.record for g in generated])
    refused = client.get("/api/v1/match/explain?a=AGENT:x&b=BGD:y")
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    resolve_all(sessions)
    by_entity: dict[str, list[str]] = {}
    for g in generated:
        by_entity.setdefault(g.entity_id, []).append(f"{g.record['source_system']}:{g.record['source_record_id']}")
    a, b = next(keys for keys in by_entity.values() if len(keys) > 1)[:2]
    body = client.get(f"/api/v1/match/explain?a={a}&b={b}").get_json()
    assert body["model_version"].startswith("fs-") and body["band"] in {"match", "possible", "non_match"}
    assert {item["comparison"] for item in body["evidence"]} >= {"name", "birth_date", "national_id"} or {
        item["comparison"] for item in body["evidence"]} >= {"company_name", "ice"}
    assert abs(sum(item["weight"] for item in body["evidence"]) - body["weight"]) < 0.05
    assert client.get(f"/api/v1/match/explain?a={a}&b=nonsense").status_code == 422
    assert client.get(f"/api/v1/match/explain?a={a}&b=AGENT:missing").status_code == 404


def test_post_answers_with_the_golden_record_once_a_model_exists(
    client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    generated = list(generate(600, seed=4))
    first = client.post("/api/v1/records", json=generated[0].record).get_json()
    assert (first["golden_id"], first["decision"]) == (None, None)  # no model trained yet
    client.post("/api/v1/records/batch", json=[g.record for g in generated[1:]])
    resolve_all(sessions)
    with sessions() as session:
        links = {(system, record_id): golden for system, record_id, golden in current_links(session)}
    twin = {**generated[0].record, "source_system": "WEB", "source_record_id": "W-TWIN"}
    answer = client.post("/api/v1/records", json=twin)
    body = answer.get_json()
    assert answer.status_code == 201
    expected = links[(str(generated[0].record["source_system"]), str(generated[0].record["source_record_id"]))]
    assert (body["decision"], body["golden_id"]) == ("linked", expected)
    assert expected in body["affected_golden_ids"]
    deleted = client.delete("/api/v1/records/WEB/W-TWIN").get_json()
    assert (deleted["status"], deleted["decision"], deleted["golden_id"]) == ("deleted", "retracted", None)


def _post(client: FlaskClient, record: dict[str, str]) -> dict[str, Any]:
    response = client.post("/api/v1/records", json=record)
    assert response.status_code in (200, 201), response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def _holders(client: FlaskClient, golden_id: str) -> set[str]:
    body = client.get(f"/api/v1/golden/{golden_id}").get_json()
    return {x["source_record_id"] for x in body["xrefs"]}


def test_golden_ids_stay_stable_through_merge_split_delete_and_resend(
    client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    """One client known from two partial records, joined by a third that carries both sides' evidence."""
    client.post("/api/v1/records/batch", json=[g.record for g in generate(600, seed=4)])
    resolve_all(sessions)  # trains the model the online path uses
    agent = {"source_system": "AGENT", "source_record_id": "X1", "party_type": "person",
             "first_name": "Fatima Zahra", "last_name": "Bennani", "birth_date": "1987-05-14",
             "phone": "0661234567", "city": "Rabat"}
    office = {"source_system": "BGD", "source_record_id": "Y1", "party_type": "person",
              "first_name": "Fatima-Zahra", "last_name": "Benani", "id_type": "CIN", "national_id": "BK482913",
              "email": "fz.bennani@gmail.com", "city": "Sale"}
    web = {"source_system": "WEB", "source_record_id": "Z1", "party_type": "person", "first_name": "Fatima Zahra",
           "last_name": "Bennani", "birth_date": "14/05/1987", "phone": "+212661234567", "id_type": "CIN",
           "national_id": "BK482913", "email": "fz.bennani@gmail.com", "city": "Rabat"}
    first, second = _post(client, agent)["golden_id"], _post(client, office)["golden_id"]
    assert first != second  # too little in common on their own

    joined = _post(client, web)  # merge: the bridge joins both; one id survives, the other redirects to it
    survivor = joined["golden_id"]
    absorbed = ({first, second} - {survivor}).pop()
    assert joined["decision"] == "linked" and set(joined["affected_golden_ids"]) == {first, second}
    assert _holders(client, survivor) == {"X1", "Y1", "Z1"}
    moved = client.get(f"/api/v1/golden/{absorbed}")
    assert moved.status_code == 308 and moved.headers["Location"].endswith(f"/golden/{survivor}")

    stranger = {**web, "first_name": "Karim", "last_name": "Tazi", "birth_date": "1970-01-02",
                "phone": "0677000111", "national_id": "JA718245", "email": "k.tazi@yahoo.fr"}
    split = _post(client, stranger)  # split: the bridge now describes someone else
    assert split["status"] == "updated" and split["decision"] == "new"
    assert split["golden_id"] not in {first, second}
    parts = {_post(client, agent)["golden_id"], _post(client, office)["golden_id"]}
    assert survivor in parts and len(parts) == 2 and absorbed not in parts  # a merged id is never reused
    assert _holders(client, survivor) in ({"X1"}, {"Y1"})

    gone = client.delete("/api/v1/records/WEB/Z1").get_json()  # delete: its client is retired, the others stay
    assert gone["decision"] == "retracted" and gone["affected_golden_ids"] == [split["golden_id"]]
    retired = client.get(f"/api/v1/golden/{split['golden_id']}").get_json()
    assert retired["status"] == "retired" and retired["xrefs"] == []
    assert {_post(client, agent)["golden_id"], _post(client, office)["golden_id"]} == parts

    resent = _post(client, agent)  # re-send: nothing changes, and the answer still names the client
    assert resent["status"] == "unchanged" and resent["golden_id"] in parts and resent["decision"] is None
    revived = _post(client, web)  # the bridge comes back: the two parts join again under one of their ids
    assert revived["status"] == "updated" and revived["golden_id"] in parts
    assert _holders(client, revived["golden_id"]) == {"X1", "Y1", "Z1"}
    other = (parts - {revived["golden_id"]}).pop()
    assert client.get(f"/api/v1/golden/{other}").status_code == 308


def test_explaining_a_person_and_a_company_is_valid_json_with_a_null_weight(
    client: FlaskClient, sessions: sessionmaker[Session],
) -> None:
    generated = [g.record for g in generate(600, seed=4)]
    client.post("/api/v1/records/batch", json=generated)
    resolve_all(sessions)
    person = next(r for r in generated if r["party_type"] == "person")
    company = next(r for r in generated if r["party_type"] == "organization")
    response = client.get(f"/api/v1/match/explain?a={person['source_system']}:{person['source_record_id']}"
                          f"&b={company['source_system']}:{company['source_record_id']}")
    body = orjson.loads(response.get_data())  # strict JSON: no Infinity
    assert (body["weight"], body["probability"], body["band"]) == (None, 0.0, "non_match")
