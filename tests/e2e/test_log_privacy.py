"""A whole run of the hub under gunicorn, with the logging options of `make run` (gunicorn.conf.py): a synthetic
feed pushed, searched and explained, and not one personal value of it in any log line.

Values checked: every name, birth date, identity document, phone, e-mail, address, company name and identifier
(ICE, RC, IF, taxe professionnelle, loyalty card) of the pushed records, rejected ones included, as sent and
URL-encoded, case-insensitively. Only values of at least 6 characters (8 when all digits) are checked, so that a
short value (a 5-digit RC number, "ALAMI") cannot match a timestamp, a duration or a record key by chance.
"""

from __future__ import annotations

import http.client
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import orjson
import pytest
from sqlalchemy import Engine

from benchmarks.synthetic import generate

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PERSONAL_FIELDS = (
    "first_name", "last_name", "full_name", "birth_date", "national_id", "phone", "phone_alt", "email",
    "address_line", "company_name", "trade_name", "contact_person", "ice", "rc_number", "tax_id",
    "professional_tax_number", "loyalty_card",
)
MAX_BODY_BYTES = 1024 * 1024
# Every request goes with these headers: the place to add the bearer token once routes require one.


def personal_values(records: list[dict[str, Any]]) -> set[str]:
    values = set()
    for record in records:
        for field in PERSONAL_FIELDS:
            value = record.get(field)
            if isinstance(value, str) and len(text := value.strip()) >= (8 if text.isdigit() else 6):
                values.add(text)
    return values


def leaks(lines: list[str], values: set[str]) -> list[tuple[str, str]]:
    """(value, line) for every value found in a line, as sent or URL-encoded, in any case."""
    lowered = [line.lower() for line in lines]
    found = []
    for value in values:
        forms = {value.lower(), quote(value).lower(), quote_plus(value).lower()}
        found.extend((value, lines[i]) for i, line in enumerate(lowered) if any(form in line for form in forms))
    return found


def test_the_leak_scan_finds_values_as_sent_and_url_encoded() -> None:
    values = personal_values([{"full_name": "Aïcha Benhaddou", "phone": "0661234567", "rc_number": "97333"}])
    assert values == {"Aïcha Benhaddou", "0661234567"}
    lines = ['GET /api/v1/golden?name=A%C3%AFcha+Benhaddou HTTP/1.1" 200', "phone=0661234567", "rc 97333"]
    assert {value for value, _ in leaks(lines, values)} == {"Aïcha Benhaddou", "0661234567"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Hub:
    """HTTP calls to the served hub, every one with the headers given (an access token)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = headers

    def call(self, method: str, path: str, body: bytes | None = None,
             extra: dict[str, str] | None = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {**self.headers, "Content-Type": "application/json", **(extra or {})}
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        is_json = response.getheader("Content-Type", "").endswith("json")
        return response.status, orjson.loads(data) if data and is_json else data

    def post(self, path: str, value: Any) -> tuple[int, Any]:
        return self.call("POST", path, orjson.dumps(value))

    def get(self, path: str, **query: str) -> tuple[int, Any]:
        return self.call("GET", f"{path}?{urlencode(query)}" if query else path)

    def post_chunked(self, path: str, body: bytes) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            pieces = (body[i:i + 65536] for i in range(0, len(body), 65536))
            connection.request("POST", path, body=pieces, encode_chunked=True,
                               headers={**self.headers, "Content-Type": "application/json",
                                        "Transfer-Encoding": "chunked"})
            response = connection.getresponse()
            response.read()
            assert response.getheader("Content-Type") == "application/problem+json"
            return response.status
        except (BrokenPipeError, ConnectionResetError):
            return 0  # the server answered and closed before the whole body was sent
        finally:
            connection.close()


@pytest.fixture
def served_hub(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[tuple[Hub, dict[str, str], Path]]:
    """Gunicorn serving the hub on a free port, with gunicorn.conf.py; its stdout and stderr go to files."""
    port = _free_port()
    env = {**os.environ, "MDM_DATABASE_URL": database_url, "MDM_MAX_BODY_BYTES": str(MAX_BODY_BYTES)}
    out, err = (tmp_path / "gunicorn.out").open("wb"), (tmp_path / "gunicorn.err").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", "1"], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=err)
    issued = subprocess.run([sys.executable, "-m", "mdm", "token", "create", "--role", "admin", "--name", "log scan"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True)
    secret = issued.stdout.splitlines()[-1]
    hub = Hub(port, {"Authorization": f"Bearer {secret}"})
    try:
        for _ in range(200):
            try:
                if hub.call("GET", "/login")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.err").read_text())
        yield hub, env, tmp_path
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        out.close()
        err.close()


def _keys(record: dict[str, Any]) -> str:
    return f"{record['source_system']}:{record['source_record_id']}"


def test_no_log_line_of_a_whole_run_holds_a_personal_value(served_hub: tuple[Hub, dict[str, str], Path]) -> None:
    hub, env, folder = served_hub
    feed = [generated.record for generated in itertools.islice(generate(400, seed=11), 300)]
    first, singles, last = feed[:150], feed[150:200], feed[200:]

    status, body = hub.post("/api/v1/records/batch", first)
    assert status == 200 and body["summary"]["created"] == 150
    # A model, so that the rest is resolved online, searched and explained as in production.
    resolved = subprocess.run([sys.executable, "-m", "mdm", "resolve", "--full", "--workers", "1"], cwd=PROJECT_ROOT,
                              env=env, capture_output=True, text=True, timeout=600)
    assert resolved.returncode == 0, resolved.stderr
    golden_ids = set()
    for record in singles:
        status, body = hub.post("/api/v1/records", record)
        assert status == 201, body
        golden_ids.add(body["golden_id"])
    status, body = hub.post("/api/v1/records/batch", {"records": last})
    assert status == 200 and body["summary"]["created"] == 100

    # Refused input carrying personal values: field rules, one in a batch, strict JSON, an oversized chunked body.
    rejected = [{**feed[0], "source_record_id": "BAD-1", "first_name": "X\x00"},
                {**feed[1], "source_record_id": "BAD-2", "phone": 661234567},
                {**feed[2], "source_record_id": "BAD-3", "address_line": "Z" * 501}]
    for record in rejected:
        assert hub.post("/api/v1/records", record)[0] == 422
    assert hub.post("/api/v1/records/batch", [feed[3], rejected[0]])[1]["summary"]["rejected"] == 1
    duplicate = orjson.dumps(feed[4])[:-1] + b', "first_name": "' + str(feed[4].get("last_name")).encode() + b'"}'
    assert hub.call("POST", "/api/v1/records", duplicate)[0] == 400
    assert hub.call("POST", "/api/v1/records", orjson.dumps(feed[5])[:-1])[0] == 400
    assert hub.post_chunked("/api/v1/records/batch", orjson.dumps(feed * 10)) in (413, 0)

    assert hub.call("DELETE", f"/api/v1/records/{feed[6]['source_system']}/{feed[6]['source_record_id']}")[0] == 200
    searched = 0
    for record in feed[150:190]:
        name = record.get("full_name") or record.get("company_name") or \
            f"{record.get('first_name') or ''} {record.get('last_name') or ''}".strip()
        criteria = {"name": name, "phone": record.get("phone"), "email": record.get("email"),
                    "identifier": record.get("national_id") or record.get("ice")}
        for criterion, value in criteria.items():
            if value:
                status, _ = hub.get("/api/v1/golden", **{criterion: value})
                assert status in (200, 422)
                searched += 1
    assert searched > 100
    for left, right in itertools.pairwise(feed[150:160]):
        assert hub.get("/api/v1/match/explain", a=_keys(left), b=_keys(right))[0] == 200
    for golden_id in sorted(golden_ids)[:5]:
        assert hub.get(f"/api/v1/golden/{golden_id}")[0] == 200

    hub_log = (folder / "gunicorn.err").read_text(errors="replace").splitlines()
    access_log = (folder / "gunicorn.out").read_text(errors="replace").splitlines()
    lines = hub_log + access_log + resolved.stdout.splitlines() + resolved.stderr.splitlines()
    # The scan reads the lines that matter: the hub's own request log and gunicorn's access log.
    assert any(f"records={_keys(singles[0])}" in line for line in hub_log)
    assert any(re.search(r"GET /api/v1/golden by=log scan#\d+ params=name", line) for line in hub_log)
    assert any('"GET /api/v1/golden HTTP/1.1" 200' in line for line in access_log)
    values = personal_values(feed + rejected)
    assert len(values) > 1000
    assert leaks(lines, values) == []
    assert leaks(lines, {hub.headers["Authorization"].removeprefix("Bearer ")}) == []  # nor the access token
