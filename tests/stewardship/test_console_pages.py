"""The steward's console pages as a browser gets them: search, a golden record's dossier, its lineage as of a date;
who may open them; what a user sees when something is wrong."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import client_as
from tests.golden_scenarios import moves_and_a_merge, payload_of


# Every test here only reads: they share one hub per backend, built once.
@pytest.fixture(scope="module")
def history(module_sessions: sessionmaker[Session]) -> dict[str, Any]:
    return moves_and_a_merge(module_sessions)


@pytest.fixture(scope="module")
def steward(module_app: Flask) -> FlaskClient:
    return client_as(module_app, "steward")


def _page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.content_type.startswith("text/html")
    return html.unescape(response.get_data(as_text=True))


def _section(page: str, section_id: str) -> str:
    """The HTML of one section of the page (by its id)."""
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    assert match is not None, section_id
    return match.group(0)


def _rows(section: str) -> list[str]:
    """Each table row of the section as its text, cells separated by '|'."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S):
        cells = [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows.append("|".join(" ".join(cell.split()) for cell in cells))
    return rows


def _key(key: tuple[str, str]) -> str:
    return f"{key[0]}:{key[1]}"


def _records_of_target(history: dict[str, Any]) -> set[tuple[str, str]]:
    """The target's records today: its own, the one that moved in, the one of the client it absorbed."""
    return {*history["members"][history["target"]], history["moved"], history["members"][history["single"]][0]}


@pytest.mark.parametrize("role", ["steward", "auditor", "admin"])
def test_stewards_auditors_and_admins_open_the_console(
    module_app: Flask, history: dict[str, Any], role: str,
) -> None:
    client = client_as(module_app, role)
    assert "Search clients" in _page(client, "/search")
    assert history["target"] in _page(client, f"/golden/{history['target']}")
    home = _page(client, "/")
    for path in ('href="/stewardship/queue"', 'href="/search"', 'href="/api/docs"'):
        assert home.count(path) == 2, path  # in the navigation bar and on the page


def test_a_source_system_is_refused_with_a_page_and_sees_only_the_api_docs(
    module_app: Flask, history: dict[str, Any],
) -> None:
    source = client_as(module_app, "source", "AGENT")
    for path in ("/search?name=Alami", f"/golden/{history['target']}"):
        refused = _page(source, path, 403)
        assert "Not allowed" in refused and "stewardship:read" in refused
    home = _page(source, "/")
    assert 'href="/api/docs"' in home and 'href="/search"' not in home and "/stewardship/queue" not in home


def test_an_anonymous_visitor_is_sent_to_sign_in(module_app: Flask, history: dict[str, Any]) -> None:
    anonymous = module_app.test_client()
    for path in (f"/golden/{history['target']}?as_of=2026-01-20", "/search?city=Rabat"):
        response = anonymous.get(path)
        assert response.status_code == 303
        assert response.headers["Location"].startswith(f"/login?next={path.split('?')[0]}")
    assert "<nav" not in _page(anonymous, "/login")


def test_the_golden_record_page_shows_attributes_with_their_provenance(
    steward: FlaskClient, history: dict[str, Any],
) -> None:
    page = _page(steward, f"/golden/{history['target']}")
    attributes = _rows(_section(page, "attributes"))
    assert attributes[0].startswith("Field|Surviving value|From|Rule|Other values offered")
    sources = {_key(key) for key in _records_of_target(history)}
    named = {f"{s}:{r}" for s, r in re.findall(r"\|([A-Z]+):(\S+) v\d+ ", "\n".join(attributes[1:]))}
    assert named and named <= sources  # each surviving value names the source record (and version) it comes from
    rules = {row.split("|")[3] for row in attributes[1:]}
    assert rules <= {"trust", "recency", "completeness", "frequency", "validity", "single", "agreement", "tie break"}


def test_the_golden_record_page_lists_every_current_source_record_and_its_versions(
    steward: FlaskClient, history: dict[str, Any], module_sessions: sessionmaker[Session],
) -> None:
    target, moved = history["target"], history["moved"]
    records = _section(_page(steward, f"/golden/{target}"), "records")
    rows = _rows(records.split("<h3>")[0])
    assert rows[0] == ("Source system|Record id|Point of sale|Product line|Version|Linked since|Link probability|"
                       "Model version|Cause")
    current = {tuple(row.split("|")[:2]) for row in rows[1:]}
    assert current == _records_of_target(history)
    row_of_moved = next(row.split("|") for row in rows[1:] if tuple(row.split("|")[:2]) == moved)
    assert row_of_moved[4] == "2" and row_of_moved[5].startswith("2026-02-10 09:00")
    assert float(row_of_moved[6]) > 0.5 and row_of_moved[7].startswith("fs-") and row_of_moved[8] == "online"
    # each record's versions fold away; the moved record's second version says what changed since the first
    summaries = re.findall(r"<summary>(.*?)</summary>", records)
    assert f"{_key(moved)} — 2 versions" in summaries and len(summaries) == len(current)
    moved_versions = records.split(f"<summary>{_key(moved)} — 2 versions</summary>")[1].split("</details>")[0]
    assert moved_versions.index("Version 2") < moved_versions.index("Version 1")
    new_name = payload_of(module_sessions, moved)["last_name"]  # the name of the target's record it copied
    assert re.search(r"changed: <strong>[^<]*last_name", moved_versions) is not None
    assert re.search(rf'<tr class="changed">\s*<th scope="row">last_name</th><td>{re.escape(new_name)}</td>',
                     moved_versions) is not None


def test_the_golden_record_page_shows_movements_and_the_audit_trail(
    steward: FlaskClient, history: dict[str, Any],
) -> None:
    page = _page(steward, f"/golden/{history['target']}")
    stints = _rows(_section(page, "movements"))
    assert stints[0] == "Network|Point of sale|Took over from|From|Until|Reason|Opened by"
    assert len(stints) > 1 and any(row.split("|")[4] == "now" for row in stints[1:])
    events = _rows(_section(page, "events"))
    kinds = [row.split("|")[2] for row in events[1:]]  # newest first
    assert kinds[-1] == "golden.created" and "golden.updated" in kinds
    absorbing = next(row for row in events[1:] if history["single"] in row)
    assert "absorbed" in absorbing and f"{_key(history['members'][history['single']][0])} v2" in absorbing


def test_lineage_as_of_a_past_date_shows_what_differed_from_today(
    steward: FlaskClient, history: dict[str, Any],
) -> None:
    moved, single_record = _key(history["moved"]), _key(history["members"][history["single"]][0])
    lineage = _section(_page(steward, f"/golden/{history['target']}?as_of=2026-01-20"), "lineage")
    assert 'value="2026-01-20"' in lineage and "2026-01-20 23:59 UTC" in lineage
    links = {row.split("|")[0]: row.split("|") for row in _rows(lineage.split("Links then")[1])[1:]}
    assert links[moved][1] == links[single_record][1] == "joined since"  # not linked on 20 January
    assert {key for key, row in links.items() if row[1] == "unchanged"} == {
        _key(key) for key in history["members"][history["target"]]}
    later = _section(_page(steward, f"/golden/{history['target']}?as_of=2026-02-20"), "lineage")
    links = {row.split("|")[0]: row.split("|") for row in _rows(later.split("Links then")[1])[1:]}
    assert links[moved][1:3] == ["unchanged", "2 → 2"] and links[single_record][1] == "joined since"
    # on its former golden record, the moved record was there with its first version, and has left since
    before = _section(_page(steward, f"/golden/{history['source']}?as_of=2026-01-20"), "lineage")
    links = {row.split("|")[0]: row.split("|") for row in _rows(before.split("Links then")[1])[1:]}
    assert links[moved][1:3] == ["left since", "1 → —"]


@pytest.mark.parametrize(("as_of", "message"), [
    ("last tuesday", "as_of is not an ISO 8601 date or date-time"),
    ("2026-01-09", "did not exist yet"),
])
def test_a_lineage_date_that_cannot_be_shown_says_why_on_the_page(
    steward: FlaskClient, history: dict[str, Any], as_of: str, message: str,
) -> None:
    lineage = _section(_page(steward, f"/golden/{history['target']}?as_of={as_of}"), "lineage")
    assert re.search(r'<p class="error" role="alert">[^<]*' + re.escape(message), lineage) is not None


def test_a_merged_id_leads_to_its_survivor_and_an_unknown_one_is_a_404_page(
    steward: FlaskClient, history: dict[str, Any],
) -> None:
    moved = steward.get(f"/golden/{history['single']}?as_of=2026-02-20")
    assert moved.status_code == 308
    assert moved.headers["Location"] == f"/golden/{history['target']}?as_of=2026-02-20"
    missing = _page(steward, "/golden/GC-NOPE", 404)
    assert "Not found" in missing and "no golden record 'GC-NOPE'" in missing


def test_search_by_name_links_each_client_to_its_golden_record_page(
    steward: FlaskClient, history: dict[str, Any], module_sessions: sessionmaker[Session],
) -> None:
    payload = payload_of(module_sessions, history["members"][history["target"]][0])
    name = f"{payload['first_name']} {payload['last_name']}"
    page = _page(steward, f"/search?name={name}&city=")
    assert f'value="{name}"' in page  # the form keeps what was asked
    assert f'href="/golden/{history["target"]}"' in page
    row = next(row for row in _rows(page) if history["target"] in row).split("|")
    assert row[1] and row[3] == "person" and 0.8 <= float(row[4]) <= 1 and "name · " in row[5]
    assert _page(steward, "/search").count("<table") == 0  # no search before the form is sent


@pytest.mark.parametrize(("query", "message"), [
    ("name=&phone=", "give at least one criterion"),
    ("phone=0600000000", "phone is a placeholder value"),
    ("email=not-an-address", "email cannot be read as a email"),
])
def test_a_search_that_cannot_run_says_why_on_the_page(steward: FlaskClient, query: str, message: str) -> None:
    page = _page(steward, f"/search?{query}")
    assert "The search cannot run" in page and message in page and "<table" not in page


def test_a_parameter_breaking_the_text_rules_is_a_page_naming_it(steward: FlaskClient) -> None:
    page = _page(steward, "/search?name=Ala%00mi", 422)
    assert "name holds the control character U+0000" in page
