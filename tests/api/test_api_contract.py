"""The API answers only what its spec documents: the failures the fuzzing (test_fuzz_api.py) found, pinned as
plain examples so each one stays fixed whatever the fuzz's budget or seed."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

PROBLEM_JSON = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.content_type == PROBLEM_JSON
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status and {"type", "title"} <= set(body)
    return body


def _field_rules(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(error["field"], error["rule"]) for error in body.get("errors", [])]


def test_spec_has_no_catch_all_answer_and_documents_every_error_as_problem_details(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").get_json()
    components = spec["components"].get("responses", {})  # only those an operation refers to
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "default" not in operation["responses"], (method, path)
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    answer = components[answer["$ref"].rsplit("/", 1)[1]] if "$ref" in answer else answer
                    assert set(answer["content"]) == {PROBLEM_JSON}, (method, path, status)


@pytest.mark.parametrize(("method", "url"), [("POST", "/api/v1/tokens"), ("PATCH", "/api/v1/points-of-sale/AG-1"),
                                             ("POST", "/api/v1/records")])
def test_an_undecodable_json_body_is_a_400_naming_the_body_and_the_json_rule(
        client: FlaskClient, method: str, url: str) -> None:
    response = client.open(url, method=method, data=b"\x00{", content_type="application/json")
    assert _field_rules(_problem(response, 400)) == [("$", "json")]


def test_an_anonymous_caller_gets_401_even_for_urls_and_methods_the_api_does_not_have(app: Flask,
                                                                                       client: FlaskClient) -> None:
    anonymous = app.test_client()
    for method, url in [("TRACE", "/api/v1/golden/GC-1"), ("PUT", "/api/v1/tokens"), ("GET", "/api/v1/nowhere"),
                        ("GET", "/api/v1/tokens/not-a-number")]:
        refused = anonymous.open(url, method=method)
        _problem(refused, 401)
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    not_allowed = client.open("/api/v1/golden/GC-1", method="TRACE")
    _problem(not_allowed, 405)
    assert set(not_allowed.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}  # RFC 9110 needs Allow
    _problem(client.get("/api/v1/nowhere"), 404)
    assert anonymous.open("/api/v1/golden/GC-1", method="OPTIONS").status_code == 200  # a preflight, no data


def test_numbers_beyond_what_the_columns_hold_are_refused_before_any_query(client: FlaskClient) -> None:
    body = _problem(client.get(f"/api/v1/events?after={2**63}"), 422)
    assert _field_rules(body) == [("after", "invalid")]
    assert client.get(f"/api/v1/events?after={2**63 - 1}").get_json()["events"] == []
    _problem(client.delete(f"/api/v1/tokens/{2**31}"), 404)  # the route takes no larger token id
    _problem(client.delete(f"/api/v1/tokens/{2**31 - 1}"), 404)


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/points-of-sale?network=AG%00", "network"),
    ("/api/v1/golden?name=Tazi%00", "name"),
    ("/api/v1/golden?city=Casa%0A", "city"),
    ("/api/v1/match/explain?a=AGENT:A%00&b=WEB:W1", "a"),
    ("/api/v1/golden/GC-1/lineage?as_of=2026-01-01%00", "as_of"),
])
def test_a_control_character_in_a_query_parameter_is_a_422_naming_it(client: FlaskClient, url: str,
                                                                      field: str) -> None:
    assert _field_rules(_problem(client.get(url), 422)) == [(field, "control_character")]


@pytest.mark.parametrize(("method", "url", "body", "field"), [
    ("POST", "/api/v1/tokens", {"role": "auditor", "name": "feed\x00"}, "name"),
    ("POST", "/api/v1/tokens", {"role": "source", "source_system": "AGENT\x1b"}, "source_system"),
    ("PATCH", "/api/v1/points-of-sale/AG-1", {"city": "Rabat\x00"}, "city"),
])
def test_a_control_character_in_a_body_field_is_a_422_naming_it(client: FlaskClient, method: str, url: str,
                                                                 body: dict[str, str], field: str) -> None:
    assert _field_rules(_problem(client.open(url, method=method, json=body), 422)) == [(field, "control_character")]


@pytest.mark.parametrize("url", ["/api/v1/records/AGENT/AG%001", "/api/v1/records/AG%00ENT/AG1/versions",
                                 "/api/v1/golden/GC%00", "/api/v1/golden/GC%00/movements",
                                 "/api/v1/points-of-sale/AG%00"])
def test_a_path_holding_nul_is_refused_naming_the_parameter(client: FlaskClient, url: str) -> None:
    rules = _field_rules(_problem(client.get(url), 422))
    assert [rule for _, rule in rules] == ["control_character"]
    if url.startswith("/api/v1/records/") and not url.endswith("/versions"):
        assert _field_rules(_problem(client.delete(url), 422)) == rules


def test_a_nul_anywhere_in_a_record_rejects_it_naming_the_field(client: FlaskClient) -> None:
    record = {"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person", "last_name": "Tazi"}
    refused = client.post("/api/v1/records", json={**record, "last_name": "Ta\x00zi", "products": ["AUTO", "\x00"]})
    assert _field_rules(_problem(refused, 422)) == [("last_name", "control_character"),
                                                    ("products[1]", "control_character")]
    batch = client.post("/api/v1/records/batch", json=[record, {**record, "source_record_id": "AG\x002"}])
    assert batch.status_code == 200
    assert [item["status"] for item in batch.get_json()["items"]] == ["created", "rejected"]
    assert batch.get_json()["items"][1]["errors"][0]["rule"] == "control_character"
