"""Points of sale appear on first sight and can be edited."""

from __future__ import annotations

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
