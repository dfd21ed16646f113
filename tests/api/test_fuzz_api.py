"""Property-based fuzzing of the whole REST API from its own OpenAPI spec (schemathesis over the WSGI app).

Three callers fuzz every operation on each backend: an administrator (every right), a source system (its own
network only) and an anonymous caller. Whatever the input, the hub must never answer 5xx, every error must be
RFC 9457 problem+json, and every answer must be one the spec documents (status code, content type, schema). An
anonymous caller must get 401 from every protected operation. Generation is derandomised with a fixed seed, so a
run is reproducible and a failure shows the same example again.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from config import DEFAULT_SOURCE_SYSTEMS
from hub import create_app
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.models import metadata
from mdm.tokens import issue_token
from tests.conftest import client_with_token

PROBLEM_JSON = "application/problem+json"
# Budget: about 1,300 cases per caller and backend keep the fuzzing of one backend under 30 s. A deeper run, or
# another seed: MDM_FUZZ_MAX_EXAMPLES=500 MDM_FUZZ_SEED=7 .venv/bin/pytest tests/api/test_fuzz_api.py
MAX_EXAMPLES = int(os.environ.get("MDM_FUZZ_MAX_EXAMPLES", 25))
SEED = int(os.environ.get("MDM_FUZZ_SEED", 20260611))
FUZZ_CONFIG: dict[str, Any] = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
}

SEED_RECORDS = [
    {"source_system": "AGENT", "source_record_id": "AG0001234", "party_type": "person", "first_name": "Khadija",
     "last_name": "El Idrissi", "birth_date": "07/03/1984", "phone": "0661234567", "city": "Casablanca",
     "point_of_sale": "AG-CASA-012", "national_id": "BE123456"},
    {"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person", "first_name": "Mhamed",
     "last_name": "Idrissi", "email": "m.idrissi@menara.ma", "point_of_sale": "AG-CASA-012"},
    {"source_system": "BGD", "source_record_id": "B7", "party_type": "person", "first_name": "Mohamed",
     "last_name": "Idrissi", "email": "m.idrissi@menara.ma", "city": "Casa", "point_of_sale": "BGD-RABAT-01"},
    {"source_system": "COURTIER", "source_record_id": "C-42", "party_type": "organization",
     "company_name": "Atlas Négoce SARL", "legal_form": "SARL", "ice": "001525874000079",
     "point_of_sale": "CT-FES-02"},
]


@dataclass(slots=True)
class Bearer:
    """The token a fuzzing caller sends; issued again when the fuzz itself revoked it (DELETE /tokens/{id})."""

    app: Flask
    role: str
    source_system: str | None
    token_id: int = 0
    secret: str = ""

    def issue(self) -> None:
        with transaction(self.app.extensions["mdm.sessions"]) as session:
            issued = issue_token(session, self.role, self.source_system, f"fuzz-{self.role}", timedelta(hours=1),
                                 DEFAULT_SOURCE_SYSTEMS, "cli:test", utc_now())
        self.token_id, self.secret = issued.token.id, issued.secret

    def headers(self) -> dict[str, str]:
        if not self.secret:
            self.issue()
        return {"Authorization": f"Bearer {self.secret}"}

    def after(self, case: Case, response: Response) -> None:
        if (case.method.upper() == "DELETE" and case.path == "/api/v1/tokens/{token_id}"
                and response.status_code == 200 and (case.path_parameters or {}).get("token_id") == self.token_id):
            self.issue()


@schemathesis.check
def errors_are_problem_details(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx / 5xx answer is RFC 9457 problem+json with at least type, title and status."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    assert content_type == PROBLEM_JSON, f"{response.status_code} answered as {content_type!r}, not {PROBLEM_JSON}"
    body = response.json()
    assert isinstance(body, dict), "a problem is a JSON object"
    missing = {"type", "title", "status"} - set(body)
    assert not missing, f"the problem lacks {sorted(missing)}"
    assert body["status"] == response.status_code, "the problem's status differs from the HTTP status"
    return True


@schemathesis.check
def anonymous_is_unauthorized(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Without a valid token every protected operation answers 401, whatever the input (a CORS preflight aside:
    OPTIONS carries no credentials by design and answers only the allowed methods)."""
    if response.request.method == "OPTIONS":
        return None
    assert response.status_code == 401, f"an anonymous call answered {response.status_code}, not 401"
    challenge = response.headers.get("www-authenticate", [""])[0]
    assert challenge.startswith("Bearer"), "a 401 names the Bearer scheme in WWW-Authenticate"
    return True


CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
               unsupported_method, errors_are_problem_details]


def _seed(app: Flask) -> None:
    """A few real records (and the golden records and points of sale they make), so some generated paths hit."""
    admin = Bearer(app, "admin", None)
    client = client_with_token(app, admin.headers()["Authorization"].removeprefix("Bearer "))
    golden_ids: list[str] = []
    for record in SEED_RECORDS:
        answer = client.post("/api/v1/records", json=record)
        assert answer.status_code == 201, answer.get_data(as_text=True)
        golden_ids.append(answer.get_json()["golden_id"])
    KNOWN.clear()
    KNOWN.update({
        "source_system": [r["source_system"] for r in SEED_RECORDS],
        "source_record_id": [r["source_record_id"] for r in SEED_RECORDS],
        "golden_id": [g for g in golden_ids if g],
        "code": [r["point_of_sale"] for r in SEED_RECORDS],
        "token_id": [admin.token_id],
    })


def _spec_app() -> Flask:
    """An app used only to read the spec at collection time: it never opens its database."""
    return create_app({"DATABASE_URL": "sqlite://", "TESTING": True, "MIGRATE_ON_START": False,
                       "SECRET_KEY": "spec-only"})


# Path parameter values of the seeded data, per backend (filled by the fuzz_app fixture before any case runs).
KNOWN: dict[str, list[Any]] = {}
# Cases sent per caller and operation, printed when a backend's fuzzing ends (pytest -s shows it).
CASES: Counter[tuple[str, str]] = Counter()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _spec_app(),
                                        config=schemathesis.Config.from_dict(FUZZ_CONFIG))


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    # Half the cases keep what schemathesis generated; the others aim at the seeded records.
    names = [name for name in path_parameters or {} if KNOWN.get(name)]
    if not names:
        return st.just(path_parameters)
    seeded = st.fixed_dictionaries({name: st.sampled_from(KNOWN[name]) for name in names})
    return st.one_of(st.just(path_parameters), seeded.map(lambda values: {**(path_parameters or {}), **values}))


def _with_known_source_system(body: Any) -> st.SearchStrategy[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("source_system"), str):
        return st.just(body)
    return st.sampled_from(DEFAULT_SOURCE_SYSTEMS).map(lambda system: {**body, "source_system": system})


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    # A record of an unknown network is refused before it reaches the database; half the records generated name a
    # configured one, so their other fields get all the way to storage and matching.
    if not context.operation.path.startswith("/api/v1/records"):
        return st.just(body)
    if isinstance(body, list):
        steered: st.SearchStrategy[Any] = st.tuples(*map(_with_known_source_system, body)).map(list)
    else:
        steered = _with_known_source_system(body)
    return st.one_of(st.just(body), steered)


@pytest.fixture(scope="module")
def fuzz_app(database_url: str) -> Iterator[Flask]:
    """One seeded app per backend for every fuzz case; its tables are emptied afterwards like the engine fixture's."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "MIGRATE_ON_START": False,
                      "SECRET_KEY": "test-session-key"})
    _seed(app)
    CASES.clear()
    started = time.perf_counter()
    yield app
    per_caller = Counter(caller for caller, _ in CASES.elements())
    print(f"\nfuzzed {database_url.split(':')[0]}: {len({op for _, op in CASES})} operations, "
          f"cases per caller {dict(per_caller)}, {time.perf_counter() - started:.1f} s")
    engine = app.extensions["mdm.engine"]
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture(scope="module")
def admin_bearer(fuzz_app: Flask) -> Bearer:
    return Bearer(fuzz_app, "admin", None)


@pytest.fixture(scope="module")
def source_bearer(fuzz_app: Flask) -> Bearer:
    return Bearer(fuzz_app, "source", "AGENT")


@schema.parametrize()
def test_fuzz_as_admin(case: Case, fuzz_app: Flask, admin_bearer: Bearer) -> None:
    CASES["admin", case.operation.label] += 1
    response = case.call_and_validate(headers=admin_bearer.headers(), checks=CONFORMANCE, app=fuzz_app)
    admin_bearer.after(case, response)


@schema.parametrize()
def test_fuzz_as_source(case: Case, fuzz_app: Flask, source_bearer: Bearer) -> None:
    CASES["source", case.operation.label] += 1
    case.call_and_validate(headers=source_bearer.headers(), checks=CONFORMANCE, app=fuzz_app)


@schema.parametrize()
def test_fuzz_without_token(case: Case, fuzz_app: Flask) -> None:
    CASES["anonymous", case.operation.label] += 1
    # Whatever Authorization header schemathesis made up (or none) is sent as it is: none is a token the hub issued.
    case.call_and_validate(checks=[*CONFORMANCE, anonymous_is_unauthorized], app=fuzz_app)
