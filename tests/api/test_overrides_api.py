"""Steward overrides over HTTP: merge, split, unmerge and undo answer the golden records they leave; a merged id
redirects; bad input is a 422 problem naming the field and rule, an unknown id a 404, a stale undo a 409; only
stewards and administrators may override. The tests share one consolidated hub, each on its own clients."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import client_as
from tests.golden_scenarios import Key, consolidate, members_by_golden, pick

REASON = "one client: same CIN on the scanned documents"


@pytest.fixture(scope="module")
def hub(module_sessions: sessionmaker[Session]) -> dict[str, list[Key]]:
    """The shared hub's golden records as consolidation left them."""
    consolidate(module_sessions, records=300)
    return members_by_golden(module_sessions)


def _chosen(hub: dict[str, list[Key]]) -> dict[str, str]:
    """The golden records each test works on, none shared, whatever order the tests run in."""
    chosen: dict[str, str] = {}
    for role, size in (("survivor", 2), ("absorbed", 1), ("split", 3), ("bad", 2), ("other", 1)):
        chosen[role] = pick(hub, size, set(chosen.values()))
    return chosen


def _keys(records: list[Key]) -> list[dict[str, str]]:
    return [{"source_system": system, "source_record_id": record_id} for system, record_id in records]


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body: dict[str, Any] = response.get_json()
    return body


def _by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {golden["id"]: golden for golden in body["golden_records"]}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    return body


def test_merge_redirects_the_absorbed_id_and_unmerge_gives_it_back(
    module_app: Flask, module_client: FlaskClient, hub: dict[str, list[Key]],
) -> None:
    steward = client_as(module_app, "steward")
    survivor, absorbed = _chosen(hub)["survivor"], _chosen(hub)["absorbed"]
    merged = _ok(steward.post("/api/v1/golden/merge", json={"golden_ids": [absorbed, survivor],
                                                            "survivor": survivor, "reason": REASON}))
    assert (merged["kind"], merged["golden_id"], merged["reason"]) == ("merge", survivor, REASON)
    assert merged["actor"].startswith("steward#") and merged["judgements"]
    goldens = _by_id(merged)
    assert goldens[absorbed] == {"id": absorbed, "party_type": goldens[survivor]["party_type"], "status": "merged",
                                 "merged_into": survivor, "records": []}
    assert sorted(_keys(sorted(hub[survivor] + hub[absorbed])), key=str) == sorted(goldens[survivor]["records"],
                                                                                   key=str)
    moved = module_client.get(f"/api/v1/golden/{absorbed}")
    assert moved.status_code == 308 and moved.headers["Location"].endswith(f"/api/v1/golden/{survivor}")

    unmerged = _ok(steward.post(f"/api/v1/golden/{absorbed}/unmerge", json={"reason": "two brothers"}))
    goldens = _by_id(unmerged)
    assert {golden_id: (golden["status"], golden["records"]) for golden_id, golden in goldens.items()} == {
        absorbed: ("active", _keys(sorted(hub[absorbed]))), survivor: ("active", _keys(sorted(hub[survivor])))}
    assert module_client.get(f"/api/v1/golden/{absorbed}").status_code == 200

    again = _ok(steward.post(f"/api/v1/golden/overrides/{unmerged['id']}/undo", json={"reason": "misread"}))
    assert again["undoes"] == unmerged["id"] and _by_id(again)[absorbed]["status"] == "merged"
    stale = _problem(steward.post(f"/api/v1/golden/overrides/{unmerged['id']}/undo", json={"reason": "again"}), 409)
    assert str(unmerged["id"]) in stale["detail"]


def test_split_takes_records_out_and_its_undo_merges_them_back(
    module_app: Flask, hub: dict[str, list[Key]],
) -> None:
    steward = client_as(module_app, "admin")
    golden = _chosen(hub)["split"]
    keys = sorted(hub[golden])
    split = _ok(steward.post(f"/api/v1/golden/{golden}/split", json={
        "records": _keys(keys[:2]), "each_alone": True, "reason": REASON}))
    parts = {golden_id: [(key["source_system"], key["source_record_id"]) for key in state["records"]]
             for golden_id, state in _by_id(split).items()}
    assert parts[golden] == keys[2:] and sorted(parts.values()) == sorted([keys[:1], keys[1:2], keys[2:]])
    back = _ok(steward.post(f"/api/v1/golden/overrides/{split['id']}/undo", json={"reason": "one client after all"}))
    assert _by_id(back)[golden]["records"] == _keys(keys)
    assert {state["status"] for golden_id, state in _by_id(back).items() if golden_id != golden} == {"merged"}


def test_bad_input_is_a_problem_naming_the_field_and_rule_and_roles_are_checked(
    module_app: Flask, hub: dict[str, list[Key]],
) -> None:
    steward = client_as(module_app, "steward")
    golden, other = _chosen(hub)["bad"], _chosen(hub)["other"]
    itself = _problem(steward.post("/api/v1/golden/merge", json={"golden_ids": [golden, golden], "reason": REASON}),
                      422)
    assert itself["errors"][0]["field"] == "golden_ids" and itself["errors"][0]["rule"] == "distinct"
    no_reason = _problem(steward.post("/api/v1/golden/merge", json={"golden_ids": [golden, other]}), 422)
    assert no_reason["errors"][0]["field"] == "reason"
    foreign = _problem(steward.post(f"/api/v1/golden/{golden}/split", json={
        "records": _keys(hub[other]), "reason": REASON}), 422)
    assert (foreign["errors"][0]["field"], foreign["errors"][0]["rule"]) == ("records.0", "member")
    everything = _problem(steward.post(f"/api/v1/golden/{golden}/split", json={
        "records": _keys(hub[golden]), "reason": REASON}), 422)
    assert everything["errors"][0]["rule"] == "remainder"
    not_merged = _problem(steward.post(f"/api/v1/golden/{golden}/unmerge", json={"reason": REASON}), 422)
    assert (not_merged["errors"][0]["field"], not_merged["errors"][0]["rule"]) == ("golden_id", "merged")
    _problem(steward.post("/api/v1/golden/GC-UNKNOWN/unmerge", json={"reason": REASON}), 404)
    _problem(steward.post("/api/v1/golden/merge", json={"golden_ids": [golden, "GC-UNKNOWN"], "reason": REASON}),
             404)
    _problem(steward.post("/api/v1/golden/overrides/999999/undo", json={"reason": REASON}), 404)
    for role, network in (("auditor", None), ("source", "AGENT")):
        _problem(client_as(module_app, role, network).post("/api/v1/golden/merge", json={
            "golden_ids": [golden, other], "reason": REASON}), 403)
    xrefs = client_as(module_app, "auditor").get(f"/api/v1/golden/{golden}").get_json()["xrefs"]
    assert [(xref["source_system"], xref["source_record_id"]) for xref in xrefs] == sorted(hub[golden])
