"""The steward console's queue pages: filters, a task side by side with its evidence, one-click decisions."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import client_as
from tests.golden_scenarios import members_by_golden
from tests.stewardship_scenarios import add_conflict, conflict_index, shared_hub


@pytest.fixture(scope="module")
def hub(module_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    shared_hub(module_sessions)
    return module_sessions


@pytest.fixture
def sessions(hub: sessionmaker[Session]) -> sessionmaker[Session]:
    return hub


@pytest.fixture
def app(module_app: Flask, hub: sessionmaker[Session]) -> Flask:
    return module_app


@pytest.fixture
def conflict(request: pytest.FixtureRequest, sessions: sessionmaker[Session], module_client: FlaskClient,
             ) -> dict[str, Any]:
    """An identifier conflict of the test's own, opened online in the module's shared hub."""
    return add_conflict(sessions, module_client, conflict_index(globals(), request.function.__name__))


def test_the_queue_lists_the_task_and_filters_it(app: Flask, conflict: dict[str, Any]) -> None:
    steward = client_as(app, "steward")
    task_id = conflict["task"]["task"]["id"]
    page = steward.get("/stewardship/queue")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"#{task_id}" in html and "identifier conflict" in html
    assert conflict["name"] in html
    filtered = steward.get("/stewardship/queue", query_string={"kind": "possible_match", "network": "WEB",
                                                              "party_type": "organization"})
    assert f"#{task_id}<" not in filtered.get_data(as_text=True)
    beyond = steward.get("/stewardship/queue", query_string={"offset": "9" * 30})
    assert beyond.status_code == 200 and "back to the first page" in beyond.get_data(as_text=True)
    wrong = steward.get("/stewardship/queue", query_string={"priority": "urgent"})
    assert wrong.status_code == 422 and "priority must be one of" in wrong.get_data(as_text=True)


def test_a_task_page_shows_both_records_and_a_decision_changes_the_golden_records(
    app: Flask, conflict: dict[str, Any], sessions: sessionmaker[Session],
) -> None:
    steward = client_as(app, "steward")
    task_id = conflict["task"]["task"]["id"]
    html = steward.get(f"/stewardship/tasks/{task_id}").get_data(as_text=True)
    assert conflict["name"] in html and 'class="differs"' in html and "Evidence" in html
    assert 'value="same"' in html and 'name="revision" value="1"' in html
    before = members_by_golden(sessions)
    decided = steward.post(f"/stewardship/tasks/{task_id}/decision", data={
        "verdict": "same", "comment": "one client, two channels", "revision": "1"})
    assert decided.status_code == 303
    after_page = steward.get(decided.headers["Location"]).get_data(as_text=True)
    assert "Decision recorded: same" in after_page and "one client, two channels" in after_page
    after = members_by_golden(sessions)
    joined = next(keys for keys in after.values() if conflict["key"] in keys)
    assert conflict["victim"] in joined and len(after) == len(before) - 1
    again = steward.post(f"/stewardship/tasks/{task_id}/decision", data={"verdict": "not_same", "revision": "2"})
    assert again.status_code == 409 and "already decided" in again.get_data(as_text=True)


def test_readers_see_the_task_without_deciding_and_sources_are_kept_out(
    app: Flask, conflict: dict[str, Any],
) -> None:
    task_id = conflict["task"]["task"]["id"]
    auditor = client_as(app, "auditor")
    html = auditor.get(f"/stewardship/tasks/{task_id}").get_data(as_text=True)
    assert conflict["name"] in html and 'value="same"' not in html
    assert auditor.post(f"/stewardship/tasks/{task_id}/decision", data={"verdict": "same"}).status_code == 403
    assert client_as(app, "source", "WEB").get("/stewardship/queue").status_code == 403
    anonymous = app.test_client().get("/stewardship/queue")
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["Location"]
    assert client_as(app, "steward").get("/stewardship/tasks/987654").status_code == 404
    trap = client_as(app, "steward").get(f"/stewardship/tasks/{task_id}", query_string={"back": "javascript:alert(1)"})
    assert "javascript:" not in trap.get_data(as_text=True) and 'href="/stewardship/queue"' in trap.get_data(
        as_text=True)
