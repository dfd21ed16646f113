"""GET /golden/{id}/lineage?as_of=: the links, source versions and audit trail of a golden record at a past
instant."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from tests.golden_scenarios import Key, moves_and_a_merge


# Every test here only reads: they share one hub per backend, built once.
@pytest.fixture(scope="module")
def sessions(module_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    return module_sessions


@pytest.fixture(scope="module")
def client(module_client: FlaskClient) -> FlaskClient:
    return module_client


@pytest.fixture(scope="module")
def history(sessions: sessionmaker[Session]) -> dict[str, Any]:
    return moves_and_a_merge(sessions)


def _lineage(client: FlaskClient, golden_id: str, as_of: str | None = None) -> dict[str, Any]:
    query = "" if as_of is None else f"?as_of={as_of}"
    response = client.get(f"/api/v1/golden/{golden_id}/lineage{query}")
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _linked(body: dict[str, Any]) -> dict[Key, dict[str, Any]]:
    return {(link["source_system"], link["source_record_id"]): link for link in body["links"]}


@pytest.mark.parametrize(("as_of", "moved_yet"), [
    ("2026-01-20", False),
    ("2026-02-10T08:59:59Z", False),
    ("2026-02-10", True),  # a date means the end of that day
    ("2026-02-20T00:00:00%2B01:00", True),
    (None, True),
])
def test_a_moved_record_is_under_its_golden_record_of_the_time(
    client: FlaskClient, history: dict[str, Any], as_of: str | None, moved_yet: bool,
) -> None:
    moved, members = history["moved"], history["members"]
    source = _lineage(client, history["source"], as_of)
    target = _lineage(client, history["target"], as_of)
    assert (moved in _linked(target), moved in _linked(source)) == (moved_yet, not moved_yet)
    assert set(_linked(source)) == set(members[history["source"]]) - ({moved} if moved_yet else set())
    link = (_linked(target) if moved_yet else _linked(source))[moved]
    version = link["version"]
    # the version current then: the old content before the move, the new one after
    assert version["number"] == (2 if moved_yet else 1)
    assert link["model_version"].startswith("fs-") and link["cause"] == ("online" if moved_yet else "resolution")
    assert link["valid_from"].startswith("2026-02-10T09:00" if moved_yet else "2026-01-10T09:00")
    assert source["status"] == target["status"] == "active"
    assert [event["kind"] for event in source["events"]] == (
        ["golden.created", "golden.split"] if moved_yet else ["golden.created"])
    assert all(event["occurred_at"] <= source["as_of"] for event in source["events"])


def test_the_version_shown_is_the_one_current_at_as_of(client: FlaskClient, history: dict[str, Any]) -> None:
    moved = history["moved"]
    before = _linked(_lineage(client, history["source"], "2026-01-20"))[moved]["version"]
    after = _linked(_lineage(client, history["target"], "2026-02-20"))[moved]["version"]
    current = client.get(f"/api/v1/records/{moved[0]}/{moved[1]}/versions").get_json()
    assert (before["number"], before["content_hash"]) == (1, current[0]["content_hash"])
    assert (after["number"], after["content_hash"]) == (2, current[1]["content_hash"])
    assert before["payload"] == current[0]["payload"] and after["payload"] == current[1]["payload"]
    assert before["recorded_at"].startswith("2026-01-10") and after["recorded_at"].startswith("2026-02-10")


def test_a_merged_id_redirects_to_its_survivor_keeping_the_query(
    client: FlaskClient, history: dict[str, Any],
) -> None:
    response = client.get(f"/api/v1/golden/{history['single']}/lineage?as_of=2026-01-20")
    assert response.status_code == 308
    assert response.headers["Location"].endswith(f"/api/v1/golden/{history['target']}/lineage?as_of=2026-01-20")
    survivor = _lineage(client, history["target"], "2026-03-20")
    assert survivor["events"][-1]["details"]["absorbed"] == [history["single"]]


@pytest.mark.parametrize(("path", "status", "field", "detail"), [
    ("/api/v1/golden/{target}/lineage?as_of=last+tuesday", 422, "as_of", "ISO 8601"),
    ("/api/v1/golden/{target}/lineage?as_of=2026-13-01", 422, "as_of", "ISO 8601"),
    ("/api/v1/golden/GC-NOPE/lineage", 404, None, "no golden record"),
    ("/api/v1/golden/{target}/lineage?as_of=2026-01-09", 404, None, "did not exist yet"),
])
def test_bad_or_impossible_requests_are_problems(
    client: FlaskClient, history: dict[str, Any], path: str, status: int, field: str | None, detail: str,
) -> None:
    response = client.get(path.format(target=history["target"]))
    assert response.status_code == status and response.content_type == "application/problem+json"
    body = response.get_json()
    assert detail in body["detail"]
    if field is not None:
        assert [error["field"] for error in body["errors"]] == [field]


def test_attributes_as_of_derive_from_the_versions_current_then(client: FlaskClient, history: dict[str, Any]) -> None:
    for golden in (history["source"], history["target"]):  # as of now: exactly today's golden record
        today = client.get(f"/api/v1/golden/{golden}").get_json()["attributes"]
        assert _lineage(client, golden)["attributes"] == today and today
    before = _lineage(client, history["source"], "2026-01-20")
    cited = {(a["source_system"], a["source_record_id"], a["version"]) for a in before["attributes"].values()}
    linked_then = {key: link["version"]["number"] for key, link in _linked(before).items()}
    assert cited and all(linked_then.get((system, record)) == version for system, record, version in cited)
    assert all(a["received_at"] <= before["as_of"] for a in before["attributes"].values())
