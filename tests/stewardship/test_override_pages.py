"""Overrides from the golden record page: merge another golden record in, give it back, split a record out."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import client_as
from tests.golden_scenarios import consolidate, members_by_golden, pick


@pytest.fixture(scope="module")
def sessions(module_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """One hub per backend: the first test leaves it as it found it, the second splits a golden record."""
    consolidate(module_sessions, records=300)
    return module_sessions


@pytest.fixture
def app(module_app: Flask, sessions: sessionmaker[Session]) -> Flask:
    return module_app


def test_a_steward_merges_then_unmerges_from_the_page_and_gets_the_old_id_back(
    app: Flask, sessions: sessionmaker[Session],
) -> None:
    members = members_by_golden(sessions)
    keeper = pick(members, 2, set())
    absorbed = pick(members, 2, {keeper})
    steward = client_as(app, "steward")
    merged = steward.post(f"/golden/{keeper}/merge", data={"golden_ids": absorbed, "reason": "same ICE, one client"})
    assert merged.status_code == 303 and f"/golden/{keeper}?override=" in merged.headers["Location"]
    page = steward.get(merged.headers["Location"]).get_data(as_text=True)
    assert "applied" in page and f"Unmerge {absorbed}" in page
    assert steward.get(f"/golden/{absorbed}").status_code == 308
    assert sorted(members_by_golden(sessions)[keeper]) == sorted(members[keeper] + members[absorbed])
    given_back = steward.post(f"/golden/{absorbed}/unmerge", data={"reason": "two establishments after all"})
    assert given_back.status_code == 303
    assert steward.get(f"/golden/{absorbed}").status_code == 200
    after = members_by_golden(sessions)
    assert sorted(after[absorbed]) == sorted(members[absorbed]) and sorted(after[keeper]) == sorted(members[keeper])


def test_a_steward_splits_a_record_out_and_bad_forms_say_why(app: Flask, sessions: sessionmaker[Session]) -> None:
    members = members_by_golden(sessions)
    golden = pick(members, 2, set())
    out = members[golden][0]
    steward = client_as(app, "steward")
    no_reason = steward.post(f"/golden/{golden}/split", data={"records": f"{out[0]}:{out[1]}", "reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_data(as_text=True)
    split = steward.post(f"/golden/{golden}/split", data={"records": f"{out[0]}:{out[1]}",
                                                          "reason": "another person, same household"})
    assert split.status_code == 303
    after = members_by_golden(sessions)
    assert out not in after[golden] and len(after[golden]) == len(members[golden]) - 1
    auditor = client_as(app, "auditor")
    assert 'id="overrides"' not in auditor.get(f"/golden/{golden}").get_data(as_text=True)
    assert auditor.post(f"/golden/{golden}/merge", data={"golden_ids": "GC-1", "reason": "x"}).status_code == 403
