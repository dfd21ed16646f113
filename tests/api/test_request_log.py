"""The hub's request log names routes, statuses and record keys, and never a personal value."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

import mdm.api.records
from mdm.intake import IntakeResult
from tests.conftest import client_as

RECORD = {"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person",
          "first_name": "Khadija", "last_name": "Bennani", "phone": "0661234567"}
PERSONAL = ("Khadija", "Bennani", "0661234567")


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "mdm.requests"]


def test_writes_log_route_status_and_keys_searches_log_parameter_names(
    client: FlaskClient, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="mdm.requests")
    client.post("/api/v1/records", json=RECORD)
    client.post("/api/v1/records/batch", json=[{**RECORD, "source_record_id": "AG2"}, {"first_name": "Khadija"}])
    client.get("/api/v1/golden?name=Khadija+Bennani&phone=0661234567&Bennani=1")
    client.delete("/api/v1/records/AGENT/AG1")
    post, batch, search, delete = _lines(caplog)
    # Every line names the caller as the audit trail does: the token's name and id.
    assert re.match(r"POST /api/v1/records by=admin#\d+ records=AGENT:AG1 -> 201 ", post)
    assert re.match(r"POST /api/v1/records/batch by=admin#\d+ records=AGENT:AG2 -> 200 ", batch)
    # An unknown parameter is counted, not named: its name could be a value typed in the wrong place.
    assert re.match(r"GET /api/v1/golden by=admin#\d+ params=name,phone,\+1 other -> 422 ", search)
    assert re.match(r"DELETE /api/v1/records/<source_system>/<path:source_record_id> by=admin#\d+ "
                    r"records=AGENT:AG1 -> 200", delete)
    assert not [line for line in _lines(caplog) if any(value in line for value in PERSONAL)]


def test_a_failure_is_logged_by_type_and_keys_without_its_message(
    app: Flask, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*_args: object, **_kwargs: object) -> list[IntakeResult]:
        raise ValueError("duplicate row ('Khadija', 'Bennani', '0661234567')")

    monkeypatch.setattr(mdm.api.records, "take_in", fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    caplog.set_level(logging.INFO)
    response = client_as(app, "admin").post("/api/v1/records", json=RECORD)
    assert response.status_code == 500 and response.content_type == "application/problem+json"
    assert [line for line in _lines(caplog) if re.match(r"POST /api/v1/records by=admin#\d+ records=AGENT:AG1 failed: "
                                                        r"ValueError$", line)]
    everything = "\n".join(caplog.text.splitlines() + [str(record.exc_info) for record in caplog.records])
    assert not any(value in everything for value in PERSONAL)
