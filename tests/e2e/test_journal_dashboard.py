"""A manager reads the journal dashboard in a real browser: signs in, goes through its four sections, filters by
network and period, and downloads a table as CSV. A screenshot of each section is kept in test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.conftest import needs_chromium, screenshot, serve_hub, signed_in_browser
from tests.golden_scenarios import consolidate

pytestmark = needs_chromium
SECTIONS = (("Activity", "journal-activity"), ("Data quality", "journal-quality"), ("Hub health", "journal-health"),
            ("Portfolio", "journal-portfolio"))


@pytest.fixture(scope="module")
def app(sessions: sessionmaker[Session]) -> Iterator[Flask]:
    consolidate(sessions, 1500)
    yield from serve_hub(sessions)


@pytest.fixture(scope="module")
def signed_in(browser: Browser, app: Flask, base_url: str) -> Iterator[BrowserContext]:
    yield from signed_in_browser(browser, app, base_url, "manager", "/journal")


def test_a_manager_goes_through_every_section_and_sees_charts(page: Page) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journal").click()
    for title, name in SECTIONS:
        page.get_by_role("navigation", name="Journal sections").get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.locator("section.report").first).to_be_visible()
        assert page.locator("svg.chart").count() >= 1, f"{title} draws no chart"
        screenshot(page, name)


def test_filters_reach_every_table_and_a_table_downloads_as_csv(page: Page) -> None:
    page.goto("/journal/activity")
    filters = page.get_by_role("form", name="Filter the indicators")
    filters.get_by_label("Network").select_option("AGENT")
    filters.get_by_label("Group by").select_option("year")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"network=AGENT.*period=year"))
    by_network = page.locator("section#activity-by-network")
    expect(by_network.locator("tbody tr").first).to_contain_text("AGENT")
    screenshot(page, "journal-activity-agent-per-year")
    with page.expect_download() as download:
        by_network.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "activity-by-network.csv"
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("period,network,created_person,")
    assert {line.split(",")[1] for line in lines[1:]} == {"AGENT", "TOTAL"}
