"""Movement history over REST: stints and current points of sale, redirects for merged ids, 404 problems."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from mdm.db import transaction
from mdm.models import GoldenRecord
from tests.movement_clients import TRANSFERRED, TWO_NETWORKS, load_moving_clients


def test_movements_of_a_client_taken_over_by_a_successor(client: FlaskClient,
                                                         sessions: sessionmaker[Session]) -> None:
    golden = load_moving_clients(sessions)
    name = TRANSFERRED[1]
    body = client.get(f"/api/v1/golden/{golden[name]}/movements").get_json()
    assert body["golden_id"] == golden[name] and body["current_points_of_sale"] == ["ZAGT2"]
    assert body["stints"] == [
        {"network": "AGENT", "point_of_sale": "ZAGT1", "from_point_of_sale": None, "start_date": "2021-01-11",
         "end_date": "2022-03-02", "reason": "initial", "source_system": "AGENT",
         "source_record_id": f"ZA-{name}-1", "version": 1},
        {"network": "AGENT", "point_of_sale": "ZAGT2", "from_point_of_sale": "ZAGT1", "start_date": "2022-03-02",
         "end_date": None, "reason": "portfolio_transfer", "source_system": "AGENT",
         "source_record_id": f"ZA-{name}-2", "version": 1},
    ]
    both = client.get(f"/api/v1/golden/{golden[TWO_NETWORKS]}/movements").get_json()
    assert both["current_points_of_sale"] == ["ZAGT3", "ZBQ1"]


def test_movements_of_a_merged_golden_record_redirect_to_its_survivor(client: FlaskClient,
                                                                      sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        session.add(GoldenRecord(id="GC-SURVIVOR", party_type="person", status="active", created_at=now,
                                 updated_at=now))
        session.flush()
        session.add(GoldenRecord(id="GC-OLD", party_type="person", status="merged", merged_into="GC-SURVIVOR",
                                 created_at=now, updated_at=now))
    response = client.get("/api/v1/golden/GC-OLD/movements")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/api/v1/golden/GC-SURVIVOR/movements")
    assert client.get("/api/v1/golden/GC-SURVIVOR/movements").get_json() == {
        "golden_id": "GC-SURVIVOR", "current_points_of_sale": [], "stints": []}


def test_movements_of_an_unknown_golden_record_are_a_404_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/golden/GC-NOPE/movements")
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert "GC-NOPE" in response.get_json()["detail"]
