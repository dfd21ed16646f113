"""The journal and quality indicators through their three doors (REST, the dashboard's CSV, the command line),
on a hub loaded from a generated feed: the numbers are checked against counts made from the feed itself."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import Config
from mdm.cli import cli
from mdm.journal import sections
from tests.conftest import client_as
from tests.golden_scenarios import consolidate

FEED_SIZE = 600


@pytest.fixture(scope="module")
def hub(module_sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """The hub holds the feed, consolidated; answers the feed's records as sent."""
    consolidate(module_sessions, FEED_SIZE)
    return [generated.record for generated in generate(FEED_SIZE, seed=4)]


@pytest.fixture(scope="module")
def manager(module_app: Flask, hub: list[dict[str, Any]]) -> FlaskClient:
    return client_as(module_app, "manager")


@pytest.fixture
def cli_hub(module_database_url: str, hub: list[dict[str, Any]],
            monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setattr(Config, "DATABASE_URL", module_database_url)
    yield CliRunner()


def _created_by_network_and_party(records: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """Creations counted from the feed: one per distinct source record (a record sent twice is modified once)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r["received_at"]):
        seen.setdefault((record["source_system"], record["source_record_id"]), record)
    return Counter((record["source_system"], record["party_type"]) for record in seen.values())


def test_activity_by_network_counts_the_feeds_creations(manager: FlaskClient, hub: list[dict[str, Any]]) -> None:
    answer = manager.get("/api/v1/journal/activity-by-network")
    assert answer.status_code == 200, answer.get_json()
    table = answer.get_json()
    rows = {row["network"]: row for row in table["rows"]}
    expected = _created_by_network_and_party(hub)
    for (network, party_type), count in expected.items():
        assert rows[network][f"created_{party_type}"] == count, (network, party_type)
    assert rows["TOTAL"]["created_person"] == sum(c for (_, p), c in expected.items() if p == "person")
    assert {column["name"] for column in table["columns"]} >= {"network", "created_person", "created_organization"}


def test_a_period_filter_counts_only_the_captures_inside_it(manager: FlaskClient, hub: list[dict[str, Any]]) -> None:
    in_2020 = [r for r in hub if r["received_at"].startswith("2020")]
    rows = manager.get("/api/v1/journal/activity-by-network?from=2020-01-01&to=2020-12-31").get_json()["rows"]
    total = next(row for row in rows if row["network"] == "TOTAL")
    # Creations in 2020 are the records whose first capture falls in 2020.
    first_capture: dict[tuple[str, str], str] = {}
    for record in hub:
        key = (record["source_system"], record["source_record_id"])
        first_capture[key] = min(first_capture.get(key, record["received_at"]), record["received_at"])
    created_2020 = sum(1 for when in first_capture.values() if when.startswith("2020"))
    assert total["created_person"] + total["created_organization"] == created_2020
    assert in_2020, "the feed spreads over years"


def test_every_indicator_answers_json_and_the_same_rows_as_csv(manager: FlaskClient) -> None:
    index = manager.get("/api/v1/journal").get_json() + manager.get("/api/v1/quality").get_json()
    expected = {(section.api, name) for section in sections() for name in section.reports}
    assert {(item["url"].split("/")[3], item["name"]) for item in index} == expected
    for item in index:
        table = manager.get(f"{item['url']}?period=year").get_json()
        assert table["name"] == item["name"] and table["title"]
        download = manager.get(f"{item['url']}?period=year&format=csv")
        assert download.mimetype == "text/csv"
        assert download.headers["Content-Disposition"] == f'attachment; filename="{item["name"]}.csv"'
        lines = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
        assert lines[0] == [column["name"] for column in table["columns"]]
        assert len(lines) - 1 == len(table["rows"])


def test_broken_filters_are_a_problem_naming_each_field(manager: FlaskClient) -> None:
    answer = manager.get("/api/v1/journal/activity?from=2024-13-01&to=2023-01-01&period=fortnight")
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert {error["field"] for error in answer.get_json()["errors"]} == {"from", "period"}
    backwards = manager.get("/api/v1/quality/missing-fields?from=2024-02-01&to=2024-01-01").get_json()
    assert [(e["field"], e["rule"]) for e in backwards["errors"]] == [("to", "after_from")]
    unknown = manager.get("/api/v1/journal/nothing-here")
    assert unknown.status_code == 404


def test_a_source_system_reads_no_indicator(module_app: Flask, hub: list[dict[str, Any]]) -> None:
    assert client_as(module_app, "source", "AGENT").get("/api/v1/journal/activity").status_code == 403


def test_the_dashboard_shows_a_section_with_charts_and_downloads_its_tables(
    module_app: Flask, hub: list[dict[str, Any]],
) -> None:
    browser = client_as(module_app, "manager")
    page = browser.get("/journal/activity?period=year")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<svg class="chart"') >= 1
    assert 'href="/journal/activity/activity-by-network.csv?period=year"' in html
    download = browser.get("/journal/activity/activity-by-network.csv?period=year")
    assert download.mimetype == "text/csv"
    assert download.get_data(as_text=True) == browser.get(
        "/api/v1/journal/activity-by-network?period=year&format=csv").get_data(as_text=True)
    refused = browser.get("/journal/quality?from=yesterday")
    assert refused.status_code == 422 and "from must be a date" in refused.get_data(as_text=True)
    for section in sections():
        assert browser.get(f"/journal/{section.key}").status_code == 200


def test_the_journal_command_prints_activity_and_missing_fields_as_json(cli_hub: CliRunner,
                                                                         hub: list[dict[str, Any]]) -> None:
    result = cli_hub.invoke(cli, ["journal", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = orjson.loads(result.output)
    created = Counter()
    for row in document["activity"]:
        assert set(row) >= {"network", "product_line", "party_type", "created", "modified"}
        created[(row["network"], row["party_type"])] += row["created"]
    assert created == _created_by_network_and_party(hub)
    for row in document["missing_fields"]:
        assert set(row) >= {"party_type", "field", "requirement", "missing", "total", "share"}
    assert {row["party_type"] for row in document["missing_fields"]} == {"person", "organization"}


def test_the_journal_command_prints_tables_and_refuses_bad_dates(cli_hub: CliRunner) -> None:
    table = cli_hub.invoke(cli, ["journal", "--section", "activity", "--report", "activity-by-network"])
    assert table.exit_code == 0 and "TOTAL" in table.output
    refused = cli_hub.invoke(cli, ["journal", "--from", "01/02/2024"])
    assert refused.exit_code != 0 and "from must be a date" in refused.output
    unknown = cli_hub.invoke(cli, ["journal", "--report", "nothing-here"])
    assert unknown.exit_code != 0


def test_the_spec_documents_both_answers_of_an_indicator(manager: FlaskClient) -> None:
    spec = manager.get("/api/openapi.json").get_json()
    for api in ("journal", "quality"):
        answer = spec["paths"][f"/api/v1/{api}/{{indicator}}"]["get"]["responses"]["200"]["content"]
        assert set(answer) == {"application/json", "text/csv"}
        assert answer["application/json"]["schema"] == {"$ref": "#/components/schemas/ReportTable"}


def test_an_unknown_section_or_table_of_the_dashboard_is_a_404_page(module_app: Flask,
                                                                     hub: list[dict[str, Any]]) -> None:
    browser = client_as(module_app, "manager")
    for path in ("/journal/nowhere", "/journal/activity/golden-records.csv", "/journal/nowhere/activity.csv"):
        answer = browser.get(path)
        assert answer.status_code == 404 and answer.mimetype == "text/html", path
