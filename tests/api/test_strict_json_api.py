"""Every JSON body is parsed strictly: duplicate keys, NaN/Infinity, deep nesting, non-UTF-8 are 400 problems,
size limits answer problem+json whatever the framing, and nothing of a refused body is stored."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import client_as

RECORD = {"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person",
          "first_name": "Khadija", "last_name": "El Idrissi", "point_of_sale": "AG-CASA-01"}
JSON = "application/json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = orjson.loads(response.data)
    assert body["status"] == status
    return body


def _rules(problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in problem["errors"]]


@pytest.mark.parametrize(("path", "body", "expected"), [
    ("/api/v1/records", b'{"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person", '
                        b'"first_name": "Khadija", "first_name": "Aicha"}', ("$.first_name", "duplicate_key")),
    ("/api/v1/records/batch", b'[{"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person", '
                              b'"last_name": "Alami"}, {"source_system": "AGENT", "source_record_id": "AG1", '
                              b'"source_record_id": "AG2", "party_type": "person", "last_name": "Alami"}]',
     ("$[1].source_record_id", "duplicate_key")),
    ("/api/v1/records/batch", b'{"records": [{"source_system": "AGENT", "source_record_id": "AG1", '
                              b'"party_type": "person", "last_name": "Alami"}], "records": []}',
     ("$.records", "duplicate_key")),
    ("/api/v1/records", b'{"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person", '
                        b'"last_name": "Alami", "payment_incidents": NaN}', ("$", "non_finite_number")),
    ("/api/v1/records", b'{"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person", '
                        b'"last_name": "Alami", "score": -Infinity}', ("$", "non_finite_number")),
    ("/api/v1/records", b'{"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person", '
                        b'"last_name": "Alami", "extra": ' + b"[" * 40 + b"]" * 40 + b"}", ("$.extra" + "[0]" * 31,
                                                                                            "max_depth")),
    ("/api/v1/records", '{"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person", '
                        '"last_name": "Aït Alami"}'.encode("latin-1"), ("$", "utf8")),
])
def test_non_strict_record_bodies_are_400_and_store_nothing(
    client: FlaskClient, path: str, body: bytes, expected: tuple[str, str],
) -> None:
    problem = _problem(client.post(path, data=body, content_type=JSON), 400)
    assert _rules(problem) == [expected]
    assert client.get("/api/v1/records/AGENT/AG1").status_code == 404
    assert client.get("/api/v1/records/AGENT/AG2").status_code == 404


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"name": "Agence Maarif", "name": "Agence Anfa"}', ("$.name", "duplicate_key")),
    (b'{"city": NaN}', ("$", "non_finite_number")),
])
def test_patch_point_of_sale_body_is_strict_too(client: FlaskClient, body: bytes, expected: tuple[str, str]) -> None:
    client.post("/api/v1/records", json=RECORD)
    problem = _problem(client.patch("/api/v1/points-of-sale/AG-CASA-01", data=body, content_type=JSON), 400)
    assert _rules(problem) == [expected]
    assert client.get("/api/v1/points-of-sale/AG-CASA-01").get_json()["name"] is None
    # The strict parse leaves the body readable for the route's own schema.
    changed = client.patch("/api/v1/points-of-sale/AG-CASA-01", json={"name": "Agence Maarif"})
    assert changed.status_code == 200 and changed.get_json()["name"] == "Agence Maarif"


def _chunked(client: FlaskClient, path: str, body: bytes) -> Any:
    # wsgi.input_terminated is what gunicorn sets for a chunked request: the body has no Content-Length.
    return client.post(path, input_stream=io.BytesIO(body), content_type=JSON,
                       headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})


@pytest.mark.parametrize("path", ["/api/v1/records", "/api/v1/records/batch"])
def test_chunked_body_over_the_size_limit_is_a_413_problem(app: Flask, path: str) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2000
    client = client_as(app, "admin")
    record = {**RECORD, "address_line": "x" * 3000}
    body = orjson.dumps(record if path.endswith("records") else [record])
    _problem(_chunked(client, path, body), 413)
    assert client.get("/api/v1/records/AGENT/AG1").status_code == 404
    # The same framing under the limit is read and stored.
    small = orjson.dumps(RECORD if path.endswith("records") else [RECORD])
    assert _chunked(client, path, small).status_code in (200, 201)
    assert client.get("/api/v1/records/AGENT/AG1").status_code == 200


def test_batch_object_form_over_the_item_limit_is_refused_whole(app: Flask) -> None:
    app.config["BATCH_MAX_ITEMS"] = 2
    client = client_as(app, "admin")
    records = [{**RECORD, "source_record_id": f"AG{i}"} for i in range(3)]
    problem = _problem(client.post("/api/v1/records/batch", json={"records": records}), 422)
    assert _rules(problem) == [("$", "max_items")]
    assert client.get("/api/v1/records/AGENT/AG0").status_code == 404
