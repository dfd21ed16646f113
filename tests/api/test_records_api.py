"""REST contract for source records: status codes, problem+json, per-item batch results."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import client_as

RECORD = {"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person",
          "first_name": "Khadija", "last_name": "El Idrissi", "birth_date": "07/03/1984",
          "point_of_sale": "AG-CASA-01", "code_apporteur": "X12"}


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= set(body)
    return body


def test_post_creates_then_resend_is_unchanged_then_change_is_new_version(client: FlaskClient) -> None:
    created = client.post("/api/v1/records", json=RECORD)
    assert created.status_code == 201
    assert created.get_json()["status"] == "created"
    again = client.post("/api/v1/records", json={**RECORD, "email": None})
    assert (again.status_code, again.get_json()["status"], again.get_json()["version"]) == (200, "unchanged", 1)
    changed = client.post("/api/v1/records", json={**RECORD, "email": "k.idrissi@gmail.com"})
    assert (changed.status_code, changed.get_json()["version"]) == (200, 2)


def test_get_returns_current_version_with_unknown_fields_kept(client: FlaskClient) -> None:
    client.post("/api/v1/records", json=RECORD)
    body = client.get("/api/v1/records/AGENT/AG1").get_json()
    assert body["current"]["payload"]["code_apporteur"] == "X12"
    assert body["current"]["version"] == 1
    assert body["point_of_sale"] == "AG-CASA-01"


def test_invalid_record_is_a_422_problem_listing_every_field(client: FlaskClient) -> None:
    response = client.post("/api/v1/records", json={"source_system": "FAX", "party_type": "person",
                                                    "received_at": "hier"})
    body = _assert_problem(response, 422)
    assert {(e["field"], e["rule"]) for e in body["errors"]} == {
        ("source_system", "one_of"), ("source_record_id", "required"),
        ("first_name", "required_one_of"), ("received_at", "iso8601"),
    }
    assert client.get("/api/v1/records/FAX/x").status_code == 404


@pytest.mark.parametrize(("body", "content_type"), [
    (b"{not json", "application/json"),
    (b"", "application/json"),
])
def test_malformed_body_is_a_400_problem(client: FlaskClient, body: bytes, content_type: str) -> None:
    problem = _assert_problem(client.post("/api/v1/records", data=body, content_type=content_type), 400)
    assert problem["errors"][0]["field"] == "$"


def test_body_not_an_object_is_a_422_problem(client: FlaskClient) -> None:
    _assert_problem(client.post("/api/v1/records", json=[RECORD]), 422)


def test_body_too_large_is_a_413_problem(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client_as(app, "admin").post("/api/v1/records", json={**RECORD, "address_line": "x" * 2000})
    _assert_problem(response, 413)


def test_batch_keeps_good_items_and_reports_each_bad_one(client: FlaskClient) -> None:
    items = [RECORD, {**RECORD, "source_record_id": "AG2", "last_name": "", "first_name": None},
             {**RECORD, "source_record_id": "AG3"}, 42]
    response = client.post("/api/v1/records/batch", json=items)
    assert response.status_code == 200
    body = response.get_json()
    assert body["summary"] == {"received": 4, "created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    assert [item["status"] for item in body["items"]] == ["created", "rejected", "created", "rejected"]
    assert body["items"][1]["errors"][0]["rule"] == "required_one_of"
    assert body["items"][1]["source_record_id"] == "AG2"
    assert client.get("/api/v1/records/AGENT/AG3").status_code == 200
    assert client.get("/api/v1/records/AGENT/AG2").status_code == 404


def test_batch_accepts_an_object_with_records(client: FlaskClient) -> None:
    response = client.post("/api/v1/records/batch", json={"records": [RECORD]})
    assert response.get_json()["summary"]["created"] == 1


def test_batch_over_the_limit_is_refused_whole(app: Flask) -> None:
    app.config["BATCH_MAX_ITEMS"] = 2
    client = client_as(app, "admin")
    records = [{**RECORD, "source_record_id": f"AG{i}"} for i in range(3)]
    body = _assert_problem(client.post("/api/v1/records/batch", json=records), 422)
    assert body["errors"][0]["rule"] == "max_items"
    assert client.get("/api/v1/records/AGENT/AG0").status_code == 404


def test_batch_that_is_not_a_list_is_a_422_problem(client: FlaskClient) -> None:
    _assert_problem(client.post("/api/v1/records/batch", json={"source_system": "AGENT"}), 422)


def test_delete_writes_a_tombstone_and_versions_show_history(client: FlaskClient) -> None:
    client.post("/api/v1/records", json=RECORD)
    deleted = client.delete("/api/v1/records/AGENT/AG1")
    assert (deleted.status_code, deleted.get_json()["status"], deleted.get_json()["version"]) == (200, "deleted", 2)
    record = client.get("/api/v1/records/AGENT/AG1").get_json()
    assert record["is_deleted"] is True
    versions = client.get("/api/v1/records/AGENT/AG1/versions").get_json()
    assert [(v["version"], v["is_tombstone"]) for v in versions] == [(1, False), (2, True)]
    assert versions[0]["payload"]["first_name"] == "Khadija"


def test_unknown_record_is_a_404_problem(client: FlaskClient) -> None:
    _assert_problem(client.delete("/api/v1/records/AGENT/none"), 404)
    _assert_problem(client.get("/api/v1/records/AGENT/none/versions"), 404)


def test_record_ids_with_slashes_are_addressable(client: FlaskClient) -> None:
    client.post("/api/v1/records", json={**RECORD, "source_record_id": "2024/AG/77"})
    assert client.get("/api/v1/records/AGENT/2024/AG/77").get_json()["source_record_id"] == "2024/AG/77"


def test_openapi_and_swagger_ui_are_served(client: FlaskClient) -> None:
    spec = orjson.loads(client.get("/api/openapi.json").data)
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/records", "/api/v1/records/batch",
            "/api/v1/records/{source_system}/{source_record_id}"} <= set(spec["paths"])
    assert "RecordIn" in spec["components"]["schemas"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger" in docs.data.lower()
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_unknown_route_is_a_problem(client: FlaskClient) -> None:
    _assert_problem(client.get("/api/v1/nothing-here"), 404)
