"""Field, query and path rules at the REST edge, on both backends: a clear 422 naming the field and the rule, and
nothing of a refused record written (values PostgreSQL cannot store, such as NUL, included)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from flask.testing import FlaskClient

RECORD = {"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person",
          "first_name": "Khadija", "last_name": "El Idrissi", "point_of_sale": "AG-CASA-01"}
BAD_POINT_OF_SALE = "AG-RABAT-77"


def _problem(response: Any, status: int = 422) -> set[tuple[str, str]]:
    assert response.status_code == status, response.data
    assert response.content_type == "application/problem+json"
    body = orjson.loads(response.data)
    return {(e["field"], e["rule"]) for e in body["errors"]}


BAD_RECORDS = [
    ({"first_name": "Kha\x00dija"}, ("first_name", "control_character")),
    ({"agent_comment": "appel\x00"}, ("agent_comment", "control_character")),
    ({"a\x00b": "x"}, ("a\\u0000b", "control_character")),
    ({"extra": {"notes": ["a\x00"]}}, ("extra.notes[0]", "control_character")),
    ({"source_record_id": "AG\x001"}, ("source_record_id", "control_character")),
    ({"last_name": "EL\x1bIDRISSI"}, ("last_name", "control_character")),
    ({"last_name": "E" * 201}, ("last_name", "max_length")),
    ({"source_record_id": "A" * 129}, ("source_record_id", "max_length")),
    ({"phone": 661234567}, ("phone", "type")),
    ({"first_name": {"given": "Khadija"}}, ("first_name", "type")),
    ({f"extra_{i}": "x" for i in range(51)}, ("$", "max_fields")),
]


@pytest.mark.parametrize(("change", "expected"), BAD_RECORDS)
def test_a_bad_record_is_a_422_and_stores_nothing(
    client: FlaskClient, change: dict[str, Any], expected: tuple[str, str],
) -> None:
    record = {**RECORD, "point_of_sale": BAD_POINT_OF_SALE, **change}
    assert expected in _problem(client.post("/api/v1/records", json=record))
    assert client.get("/api/v1/records/AGENT/AG1").status_code == 404
    assert client.get(f"/api/v1/points-of-sale/{BAD_POINT_OF_SALE}").status_code == 404


@pytest.mark.parametrize(("change", "expected"), BAD_RECORDS)
def test_a_batch_keeps_the_good_items_and_nothing_of_the_bad_one(
    client: FlaskClient, change: dict[str, Any], expected: tuple[str, str],
) -> None:
    bad = {**RECORD, "source_record_id": "AG2", "point_of_sale": BAD_POINT_OF_SALE, **change}
    items = [RECORD, bad, {**RECORD, "source_record_id": "AG3"}]
    response = client.post("/api/v1/records/batch", json=items)
    assert response.status_code == 200
    body = response.get_json()
    assert [item["status"] for item in body["items"]] == ["created", "rejected", "created"]
    assert expected in {(e["field"], e["rule"]) for e in body["items"][1]["errors"]}
    assert client.get("/api/v1/records/AGENT/AG1").status_code == 200
    assert client.get("/api/v1/records/AGENT/AG3").status_code == 200
    assert client.get("/api/v1/records/AGENT/AG2").status_code == 404
    assert client.get(f"/api/v1/points-of-sale/{BAD_POINT_OF_SALE}").status_code == 404


def test_an_address_may_span_lines_and_is_stored_as_sent(client: FlaskClient) -> None:
    record = {**RECORD, "address_line": "12 RUE ATLAS\r\nAPPT 4\tMAARIF", "agent_comment": "rappeler\nlundi"}
    assert client.post("/api/v1/records", json=record).status_code == 201
    payload = client.get("/api/v1/records/AGENT/AG1").get_json()["current"]["payload"]
    assert payload["address_line"] == "12 RUE ATLAS\r\nAPPT 4\tMAARIF"


@pytest.mark.parametrize(("url", "expected"), [
    ("/api/v1/golden?name=%00Khadija", ("name", "control_character")),
    ("/api/v1/golden?name=" + "a" * 301, ("name", "max_length")),
    ("/api/v1/golden?phone=0661%0A234567", ("phone", "control_character")),
    ("/api/v1/golden?email=k%C2%85@x.ma", ("email", "control_character")),
    ("/api/v1/golden?identifier=" + "1" * 65, ("identifier", "max_length")),
    ("/api/v1/golden?city=Casa&city=F%00s", ("city", "control_character")),
    ("/api/v1/golden?na%00me=x", ("na\\u0000me", "control_character")),
    ("/api/v1/match/explain?a=AGENT:AG%001&b=AGENT:AG2", ("a", "control_character")),
    ("/api/v1/match/explain?a=AGENT:" + "1" * 200 + "&b=AGENT:AG2", ("a", "max_length")),
    ("/api/v1/golden/GC-1/lineage?as_of=2024-01-01%00", ("as_of", "control_character")),
    ("/api/v1/points-of-sale?network=" + "N" * 33, ("network", "max_length")),
    ("/api/v1/records/AGENT/" + "A" * 129, ("source_record_id", "max_length")),
    ("/api/v1/records/AGENT/AG%001", ("source_record_id", "control_character")),
    ("/api/v1/records/AGENT/AG%001/versions", ("source_record_id", "control_character")),
    ("/api/v1/records/AG%00ENT/AG1", ("source_system", "control_character")),
    ("/api/v1/records/" + "S" * 33 + "/AG1", ("source_system", "max_length")),
    ("/api/v1/golden/GC-%00", ("golden_id", "control_character")),
    ("/api/v1/golden/" + "G" * 33, ("golden_id", "max_length")),
    ("/api/v1/golden/GC-%00/movements", ("golden_id", "control_character")),
    ("/api/v1/points-of-sale/AG%00", ("code", "control_character")),
    ("/api/v1/points-of-sale/" + "P" * 65, ("code", "max_length")),
])
def test_query_and_path_parameters_break_rules_with_a_422(
    client: FlaskClient, url: str, expected: tuple[str, str],
) -> None:
    assert _problem(client.get(url)) == {expected}


def test_a_retraction_of_a_malformed_key_is_a_422(client: FlaskClient) -> None:
    assert _problem(client.delete("/api/v1/records/AGENT/AG%001")) == {("source_record_id", "control_character")}


@pytest.mark.parametrize(("change", "expected"), [
    ({"name": "Agence\x00Maarif"}, ("name", "control_character")),
    ({"city": "Casa\nblanca"}, ("city", "control_character")),
])
def test_a_point_of_sale_edit_with_control_characters_is_a_422(
    client: FlaskClient, change: dict[str, str], expected: tuple[str, str],
) -> None:
    client.post("/api/v1/records", json=RECORD)
    assert expected in _problem(client.patch("/api/v1/points-of-sale/AG-CASA-01", json=change))
    assert client.get("/api/v1/points-of-sale/AG-CASA-01").get_json()["name"] is None
