"""Access control: the role matrix over every operation of the OpenAPI spec, source scoping, token lifecycle, the
actor in the audit trail, and browser sessions with CSRF protection."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config import DEFAULT_SOURCE_SYSTEMS
from mdm.api.access import access_rule_of
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.models import AuditEvent, SourceRecordVersion
from mdm.tokens import issue_token
from tests.conftest import client_as, client_with_token, issue_test_token
from tests.golden_scenarios import consolidate, members_by_golden

ROLES = ("source", "steward", "auditor", "admin", "manager")
EVERYONE = frozenset(ROLES) - {"manager"}  # every role that reads clients; a manager reads counts
REFERENCE = frozenset(ROLES)
JOURNAL = frozenset({"steward", "auditor", "admin", "manager"})
READERS = frozenset({"steward", "auditor", "admin"})
ADMIN = frozenset({"admin"})
WRITERS = frozenset({"source", "admin"})
STEWARDS = frozenset({"steward", "admin"})

# Who may call each operation of the spec. A new operation fails test_every_operation_has_a_rule until it is here.
RULES: dict[tuple[str, str], frozenset[str]] = {
    ("post", "/api/v1/records"): WRITERS,
    ("post", "/api/v1/records/batch"): WRITERS,
    ("get", "/api/v1/records/{source_system}/{source_record_id}"): EVERYONE,
    ("delete", "/api/v1/records/{source_system}/{source_record_id}"): WRITERS,
    ("get", "/api/v1/records/{source_system}/{source_record_id}/versions"): EVERYONE,
    ("get", "/api/v1/golden"): READERS,
    ("get", "/api/v1/golden/{golden_id}"): EVERYONE,
    ("get", "/api/v1/golden/{golden_id}/lineage"): READERS,
    ("get", "/api/v1/golden/{golden_id}/movements"): EVERYONE,
    ("post", "/api/v1/golden/merge"): STEWARDS,
    ("post", "/api/v1/golden/{golden_id}/split"): STEWARDS,
    ("post", "/api/v1/golden/{golden_id}/unmerge"): STEWARDS,
    ("post", "/api/v1/golden/overrides/{override_id}/undo"): STEWARDS,
    ("get", "/api/v1/match/explain"): READERS,
    ("get", "/api/v1/points-of-sale"): REFERENCE,
    ("get", "/api/v1/points-of-sale/{code}"): REFERENCE,
    ("patch", "/api/v1/points-of-sale/{code}"): ADMIN,
    ("get", "/api/v1/events"): READERS,
    ("get", "/api/v1/tokens"): ADMIN,
    ("post", "/api/v1/tokens"): ADMIN,
    ("delete", "/api/v1/tokens/{token_id}"): ADMIN,
    ("get", "/api/v1/stewardship/tasks"): READERS,
    ("get", "/api/v1/stewardship/tasks/{task_id}"): READERS,
    ("post", "/api/v1/stewardship/tasks/{task_id}/decision"): STEWARDS,
    ("post", "/api/v1/stewardship/tasks/{task_id}/assignment"): STEWARDS,
    ("post", "/api/v1/stewardship/judgements"): STEWARDS,
    ("get", "/api/v1/journal"): JOURNAL,
    ("get", "/api/v1/quality"): JOURNAL,
    ("get", "/api/v1/journal/{indicator}"): JOURNAL,
    ("get", "/api/v1/quality/{indicator}"): JOURNAL,
}
PATH_VALUES = {"source_system": "AGENT", "source_record_id": "AG-1", "golden_id": "GC-0000000000000000",
               "code": "AG-CASA-01", "token_id": "999999", "task_id": "999999",
               "override_id": "999999", "indicator": "activity"}
QUERIES = {"/api/v1/golden": "?name=Idrissi", "/api/v1/match/explain": "?a=AGENT:AG-1&b=WEB:W-1"}
BODIES: dict[str, Any] = {
    "/api/v1/records": {"source_system": "AGENT", "source_record_id": "AG-1", "party_type": "person",
                        "last_name": "Idrissi"},
    "/api/v1/records/batch": [{"source_system": "AGENT", "source_record_id": "AG-2", "party_type": "person",
                               "last_name": "Alaoui"}],
    "/api/v1/points-of-sale/{code}": {"city": "Rabat"},
    "/api/v1/tokens": {"role": "auditor", "name": "matrix"},
    "/api/v1/stewardship/tasks/{task_id}/decision": {"verdict": "same"},
    "/api/v1/stewardship/tasks/{task_id}/assignment": {"assignee": "amina"},
    "/api/v1/stewardship/judgements": {"a": "AGENT:AG-1", "b": "WEB:W-1", "verdict": "not_same"},
    "/api/v1/golden/merge": {"golden_ids": ["GC-0000000000000000", "GC-0000000000000001"], "reason": "matrix"},
    "/api/v1/golden/{golden_id}/split": {"records": [{"source_system": "AGENT", "source_record_id": "AG-1"}],
                                         "reason": "matrix"},
    "/api/v1/golden/{golden_id}/unmerge": {"reason": "matrix"},
    "/api/v1/golden/overrides/{override_id}/undo": {"reason": "matrix"},
}


def _spec_operations(app: Flask) -> set[tuple[str, str]]:
    spec = app.test_client().get("/api/openapi.json").get_json()
    return {(method, path) for path, item in spec["paths"].items() for method in item
            if method in {"get", "post", "put", "patch", "delete"}}


def _call(client: FlaskClient, method: str, path: str) -> Any:
    url = re.sub(r"{(\w+)}", lambda m: PATH_VALUES[m.group(1)], path) + QUERIES.get(path, "")
    return client.open(url, method=method.upper(), json=BODIES.get(path))


def _assert_problem(response: Any, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == status


def test_every_operation_has_a_rule(app: Flask) -> None:
    assert _spec_operations(app) == set(RULES)
    with app.app_context():  # pages and documentation routes too: a route without a rule refuses everyone
        undeclared = [rule.rule for rule in app.url_map.iter_rules() if access_rule_of(rule.endpoint) is None]
    assert undeclared == []


def test_spec_declares_the_bearer_scheme_on_every_protected_operation(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["bearerToken"][
            "description"]}
    for method, path in RULES:
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"bearerToken": []}], (method, path)
        assert {"401", "403", "422"} <= set(operation["responses"]), (method, path)


@pytest.mark.parametrize(("method", "path"), sorted(RULES))
def test_role_matrix(app: Flask, method: str, path: str) -> None:
    _assert_problem(_call(app.test_client(), method, path), 401)
    for role in ROLES:
        client = client_as(app, role, "AGENT" if role == "source" else None)
        response = _call(client, method, path)
        if role in RULES[(method, path)]:
            assert response.status_code not in (401, 403), (role, response.get_data(as_text=True)[:300])
        else:
            _assert_problem(response, 403)


def test_a_missing_wrong_revoked_or_expired_token_is_a_401_problem(app: Flask, client: FlaskClient) -> None:
    url = "/api/v1/points-of-sale"
    anonymous = app.test_client().get(url)
    _assert_problem(anonymous, 401)
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    _assert_problem(app.test_client().get(url, headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401)
    _assert_problem(client_with_token(app, "mdm_not-a-token").get(url), 401)
    secret = issue_test_token(app, "auditor")
    auditor = client_with_token(app, secret)
    assert auditor.get(url).status_code == 200
    (token,) = [t for t in client.get("/api/v1/tokens").get_json() if t["role"] == "auditor"]
    assert client.delete(f"/api/v1/tokens/{token['id']}").get_json()["status"] == "revoked"
    _assert_problem(auditor.get(url), 401)
    with transaction(app.extensions["mdm.sessions"]) as session:
        expired = issue_token(session, "auditor", None, None, timedelta(hours=1), DEFAULT_SOURCE_SYSTEMS, "cli:test",
                              utc_now() - timedelta(hours=2))
    refused = client_with_token(app, expired.secret).get(url)
    _assert_problem(refused, 401)
    assert "expired" in refused.get_json()["detail"]


def test_tokens_api_issues_a_working_token_once_and_checks_its_request(client: FlaskClient, app: Flask) -> None:
    created = client.post("/api/v1/tokens", json={"role": "source", "source_system": "web", "name": "web shop",
                                                  "expires_in": "12h"})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["role"], body["source_system"], body["status"]) == ("source", "WEB", "active")
    assert body["token"].startswith(body["prefix"])
    listed = {t["id"]: t for t in client.get("/api/v1/tokens").get_json()}
    assert "token" not in listed[body["id"]]
    web = client_with_token(app, body["token"])
    stored = web.post("/api/v1/records", json={"source_system": "WEB", "source_record_id": "W1",
                                                "party_type": "person", "last_name": "Bennani"})
    assert stored.status_code == 201
    missing_network = client.post("/api/v1/tokens", json={"role": "source"})
    _assert_problem(missing_network, 422)
    assert missing_network.get_json()["errors"][0]["field"] == "source_system"
    bad_lifetime = client.post("/api/v1/tokens", json={"role": "auditor", "expires_in": "forever"})
    assert bad_lifetime.get_json()["errors"][0] == {
        "field": "expires_in", "rule": "duration", "message": "'forever' is not like 90d, 12h or 30m"}


def _record(system: str, record_id: str, **fields: str) -> dict[str, str]:
    return {"source_system": system, "source_record_id": record_id, "party_type": "person",
            "last_name": "Tazi", **fields}


def test_a_source_writes_and_reads_only_its_own_network(app: Flask, client: FlaskClient) -> None:
    agent = client_as(app, "source", "AGENT")
    assert agent.post("/api/v1/records", json=_record("AGENT", "A1")).status_code == 201
    _assert_problem(agent.post("/api/v1/records", json=_record("COURTIER", "C1")), 403)
    # One record of another network refuses the whole batch: nothing of it is stored.
    _assert_problem(agent.post("/api/v1/records/batch", json=[_record("AGENT", "A2"), _record("BGD", "B1")]), 403)
    assert client.get("/api/v1/records/AGENT/A2").status_code == 404
    assert client.post("/api/v1/records", json=_record("COURTIER", "C1")).status_code == 201
    _assert_problem(agent.get("/api/v1/records/COURTIER/C1"), 403)
    _assert_problem(agent.get("/api/v1/records/COURTIER/C1/versions"), 403)
    _assert_problem(agent.delete("/api/v1/records/COURTIER/C1"), 403)
    assert client.get("/api/v1/records/COURTIER/C1").get_json()["is_deleted"] is False
    assert agent.get("/api/v1/records/agent/A1").status_code == 200
    assert agent.delete("/api/v1/records/AGENT/A1").status_code == 200


def test_a_source_sees_the_golden_records_of_its_records_only(app: Flask, sessions: sessionmaker[Session]) -> None:
    consolidate(sessions, records=300)
    members = members_by_golden(sessions)
    own = next(g for g, keys in sorted(members.items()) if any(system == "AGENT" for system, _ in keys))
    foreign = next(g for g, keys in sorted(members.items()) if all(system != "AGENT" for system, _ in keys))
    agent = client_as(app, "source", "AGENT")
    assert agent.get(f"/api/v1/golden/{own}").status_code == 200
    assert agent.get(f"/api/v1/golden/{own}/movements").status_code == 200
    _assert_problem(agent.get(f"/api/v1/golden/{foreign}"), 403)
    _assert_problem(agent.get(f"/api/v1/golden/{foreign}/movements"), 403)
    _assert_problem(agent.get(f"/api/v1/golden/{own}/lineage"), 403)
    _assert_problem(agent.get("/api/v1/golden?name=Alaoui"), 403)
    _assert_problem(agent.get("/api/v1/golden/GC-UNKNOWN"), 404)
    auditor = client_as(app, "auditor")
    assert auditor.get(f"/api/v1/golden/{foreign}").status_code == 200
    assert auditor.get(f"/api/v1/golden/{own}/lineage").status_code == 200
    _assert_problem(auditor.post("/api/v1/records", json=_record("AGENT", "X1")), 403)


def test_every_write_names_its_actor(app: Flask, client: FlaskClient, sessions: sessionmaker[Session]) -> None:
    consolidate(sessions, records=200)
    secret = issue_test_token(app, "source", "WEB")
    web = client_with_token(app, secret)
    (token,) = [t for t in client.get("/api/v1/tokens").get_json() if t["role"] == "source"]
    actor = f"{token['name']}#{token['id']}"
    posted = web.post("/api/v1/records", json=_record("WEB", "W77", first_name="Salma", birth_date="1991-02-03"))
    golden_id = posted.get_json()["golden_id"]
    assert golden_id is not None
    assert web.get("/api/v1/records/WEB/W77/versions").get_json()[0]["recorded_by"] == actor
    assert web.delete("/api/v1/records/WEB/W77").status_code == 200
    with sessions() as session:
        tombstone = session.scalars(select(SourceRecordVersion).where(SourceRecordVersion.version == 2)
                                    .order_by(SourceRecordVersion.id.desc())).first()
        assert tombstone is not None and tombstone.is_tombstone and tombstone.recorded_by == actor
        events = session.execute(select(AuditEvent.kind, AuditEvent.golden_id, AuditEvent.actor)
                                 .order_by(AuditEvent.sequence)).all()
    by_web = [(kind, golden) for kind, golden, who in events if who == actor]
    assert ("golden.created", golden_id) in by_web and ("golden.retired", golden_id) in by_web
    assert ("token.created", "cli:test") in [(kind, who) for kind, _, who in events]


def test_point_of_sale_change_is_audited_with_before_and_after(client: FlaskClient,
                                                               sessions: sessionmaker[Session]) -> None:
    client.post("/api/v1/records", json=_record("AGENT", "A1", point_of_sale="AG-FES-02"))
    assert client.patch("/api/v1/points-of-sale/AG-FES-02", json={"city": "Fès"}).status_code == 200
    with sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.kind == "point_of_sale.updated")).one()
    assert event.details == {"point_of_sale": "AG-FES-02", "before": {"city": None}, "after": {"city": "Fès"}}
    assert event.actor.startswith("admin#")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_browser_signs_in_with_a_token_and_writes_only_with_the_csrf_token(app: Flask, client: FlaskClient) -> None:
    browser = app.test_client()
    home = browser.get("/")
    assert home.status_code == 303 and home.headers["Location"].startswith("/login?next=/")
    form = browser.get("/login?next=/")
    token = _csrf(form.get_data(as_text=True))
    secret = issue_test_token(app, "source", "AGENT")
    assert browser.post("/login", data={"token": secret, "next": "/"}).status_code == 403  # no CSRF token
    wrong = browser.post("/login", data={"token": "mdm_wrong", "csrf_token": token, "next": "/"})
    assert wrong.status_code == 401 and "not known" in wrong.get_data(as_text=True)
    signed_in = browser.post("/login", data={"token": secret, "csrf_token": token, "next": "//evil.example/x"})
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/"
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and secret not in cookie
    page = browser.get("/")
    assert page.status_code == 200 and "source-agent" in page.get_data(as_text=True)
    session_csrf = _csrf(page.get_data(as_text=True))
    assert session_csrf != token  # signing in starts a fresh session
    record = _record("AGENT", "A9")
    _assert_problem(browser.post("/api/v1/records", json=record), 403)
    assert browser.post("/api/v1/records", json=record, headers={"X-CSRF-Token": session_csrf}).status_code == 201
    assert browser.get("/api/v1/records/AGENT/A9").headers["Cache-Control"] == "no-store"
    _assert_problem(browser.get("/api/v1/records/WEB/W1"), 403)  # the session carries the token's role and scope
    (row,) = [t for t in client.get("/api/v1/tokens").get_json() if t["name"] == "source-agent"]
    client.delete(f"/api/v1/tokens/{row['id']}")
    assert browser.get("/").status_code == 303  # a revoked token ends its sessions
    _assert_problem(browser.get("/api/v1/records/AGENT/A9"), 401)


def test_sign_out_needs_the_csrf_token_and_ends_the_session(app: Flask) -> None:
    browser = app.test_client()
    token = _csrf(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"token": issue_test_token(app, "auditor"), "csrf_token": token, "next": "/"})
    session_csrf = _csrf(browser.get("/").get_data(as_text=True))
    assert browser.post("/logout").status_code == 403
    assert browser.get("/").status_code == 200
    assert browser.post("/logout", data={"csrf_token": session_csrf}).status_code == 303
    assert browser.get("/").status_code == 303


def test_login_page_is_html_that_no_other_site_can_frame(app: Flask) -> None:
    response = app.test_client().get("/login")
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
