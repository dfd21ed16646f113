"""Points of sale appear on first sight and can be edited, and declared closed with a successor."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

RECORD = {"source_system": "BANCASSURANCE", "source_record_id": "B1", "party_type": "organization",
          "company_name": "ATLAS SARL", "point_of_sale": "bq-fes-03"}


def test_point_of_sale_created_from_a_record_and_edited(client: FlaskClient) -> None:
    client.post("/api/v1/records", json=RECORD)
    listed = client.get("/api/v1/points-of-sale?network=bancassurance").get_json()
    assert [(p["code"], p["network"], p["city"]) for p in listed] == [("BQ-FES-03", "BANCASSURANCE", None)]
    edited = client.patch("/api/v1/points-of-sale/bq-fes-03", json={"city": "Fès", "name": "Agence Fès Saïs"})
    assert edited.status_code == 200
    assert client.get("/api/v1/points-of-sale/BQ-FES-03").get_json()["city"] == "Fès"


def test_editing_with_an_unknown_field_is_a_422_problem(client: FlaskClient) -> None:
    client.post("/api/v1/records", json=RECORD)
    response = client.patch("/api/v1/points-of-sale/BQ-FES-03", json={"manager": "x"})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.get_json()["errors"] == [{"field": "manager", "rule": "unknown_field", "message": "Unknown field."}]


def test_unknown_point_of_sale_is_a_404(client: FlaskClient) -> None:
    assert client.patch("/api/v1/points-of-sale/NOPE", json={"city": "Rabat"}).status_code == 404


def test_a_closure_with_its_successor_is_declared_and_withdrawn(client: FlaskClient) -> None:
    client.post("/api/v1/records", json=RECORD)
    client.post("/api/v1/records", json=RECORD | {"source_record_id": "B2", "point_of_sale": "BQ-FES-04"})
    closure = {"closed_on": "2023-06-30", "successor": "bq-fes-04"}
    closed = client.patch("/api/v1/points-of-sale/bq-fes-03", json=closure)
    assert closed.status_code == 200
    body = client.get("/api/v1/points-of-sale/BQ-FES-03").get_json()
    assert (body["closed_on"], body["successor"]) == ("2023-06-30", "BQ-FES-04")
    assert client.get("/api/v1/points-of-sale/BQ-FES-04").get_json()["closed_on"] is None
    client.patch("/api/v1/points-of-sale/BQ-FES-03", json={"closed_on": None, "successor": None})
    body = client.get("/api/v1/points-of-sale/BQ-FES-03").get_json()
    assert (body["closed_on"], body["successor"]) == (None, None)


BAD_CLOSURES = {
    "a day not written YYYY-MM-DD": ({"closed_on": "30/06/2023", "successor": "BQ-FES-04"}, "closed_on", "date"),
    "a day that does not exist": ({"closed_on": "2023-02-30"}, "closed_on", "date"),
    "an unknown successor": ({"closed_on": "2023-06-30", "successor": "BQ-NOPE"}, "successor",
                             "known_point_of_sale"),
    "the point of sale itself": ({"closed_on": "2023-06-30", "successor": "bq-fes-03"}, "successor", "not_itself"),
    "a successor of an open point of sale": ({"successor": "BQ-FES-04"}, "successor", "needs_closed_on"),
}


@pytest.mark.parametrize(("changes", "field", "rule"), BAD_CLOSURES.values(), ids=BAD_CLOSURES.keys())
def test_a_closure_that_breaks_a_rule_is_a_422_problem_naming_it(client: FlaskClient, changes: dict[str, str],
                                                                  field: str, rule: str) -> None:
    client.post("/api/v1/records", json=RECORD)
    client.post("/api/v1/records", json=RECORD | {"source_record_id": "B2", "point_of_sale": "BQ-FES-04"})
    response = client.patch("/api/v1/points-of-sale/BQ-FES-03", json=changes)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert [(e["field"], e["rule"]) for e in response.get_json()["errors"]] == [(field, rule)]
    assert client.get("/api/v1/points-of-sale/BQ-FES-03").get_json()["closed_on"] is None
