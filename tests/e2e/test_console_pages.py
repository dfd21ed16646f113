"""The steward's console in a real browser: the hub served over HTTP, Debian's chromium driven by Playwright. A
steward signs in on the login page, searches a client by name, opens its golden record and its lineage as of a
past date. A full-page screenshot of each page goes to test-artifacts/screenshots/ (git-ignored) for a human eye.

SQLite only: the pages' data functions are tested on both backends by tests/stewardship/test_console_pages.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import client_with_token, issue_test_token
from tests.e2e.conftest import needs_chromium, screenshot, serve_hub, signed_in_browser
from tests.golden_scenarios import moves_and_a_merge, payload_of
from tests.stewardship_scenarios import add_conflict

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def history(sessions: sessionmaker[Session]) -> dict[str, Any]:
    return moves_and_a_merge(sessions)


@pytest.fixture(scope="module")
def app(sessions: sessionmaker[Session], history: dict[str, Any]) -> Iterator[Flask]:
    yield from serve_hub(sessions)


@pytest.fixture(scope="module")
def signed_in(browser: Browser, app: Flask, base_url: str) -> Iterator[BrowserContext]:
    yield from signed_in_browser(browser, app, base_url, "steward", "/search")


def test_a_steward_searches_a_client_by_name_and_opens_its_golden_record(
    page: Page, history: dict[str, Any], sessions: sessionmaker[Session],
) -> None:
    client = payload_of(sessions, history["members"][history["target"]][0])
    page.goto("/")
    screenshot(page, "home")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_label("Name").fill(f"{client['first_name']} {client['last_name']}")
    page.get_by_label("Name").press("Enter")
    expect(page.get_by_role("heading", name="found")).to_be_visible()
    screenshot(page, "search")

    page.get_by_role("link", name=history["target"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(history["target"])
    expect(page.get_by_role("heading", name="Attributes")).to_be_visible()
    records = page.get_by_role("table", name="Current source records").locator("tbody tr")
    expect(records).to_have_count(len(history["members"][history["target"]]) + 2)  # one moved in, one merged in
    moved = f"{history['moved'][0]}:{history['moved'][1]}"
    versions = page.locator("details", has_text=f"{moved} — 2 versions")
    expect(versions.get_by_role("heading", name="Version 1")).to_be_hidden()
    versions.locator("summary").click()  # the versions unfold
    expect(versions.get_by_role("heading", name="Version 1")).to_be_visible()
    screenshot(page, "golden-record")


def test_a_steward_opens_the_lineage_as_of_a_past_date(page: Page, history: dict[str, Any], base_url: str) -> None:
    page.goto(f"/golden/{history['target']}")
    page.get_by_label("As of").fill("2026-01-20")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{base_url}/golden/{history['target']}?as_of=2026-01-20#lineage")
    lineage = page.locator("#lineage")
    expect(lineage).to_contain_text("As of 2026-01-20 23:59 UTC: status active")
    moved = f"{history['moved'][0]}:{history['moved'][1]}"
    expect(lineage.get_by_role("row", name=moved)).to_contain_text("joined since")
    screenshot(page, "lineage")


def test_the_keyboard_reaches_the_navigation_with_a_visible_focus(page: Page) -> None:
    page.goto("/search")
    expect(page.get_by_label("Name")).to_be_focused()  # ready to type; the bar is behind it: sign out, API docs
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("API docs")
    assert focused.evaluate("element => getComputedStyle(element).outlineStyle") == "solid"
    screenshot(page, "keyboard-focus")


def test_a_steward_opens_the_queue_decides_a_task_and_sees_the_golden_record_change(
    page: Page, app: Flask, sessions: sessionmaker[Session],
) -> None:
    """Last in the module: the decision joins two golden records of the shared hub."""
    conflict = add_conflict(sessions, client_with_token(app, issue_test_token(app, "admin")))
    task_id = conflict["task"]["task"]["id"]
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    expect(page.get_by_role("heading", name="Stewardship queue")).to_be_visible()
    screenshot(page, "queue")
    page.get_by_role("link", name=f"#{task_id}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Task #{task_id}: identifier conflict")
    comparison = page.get_by_role("table", name="The two records side by side")
    expect(comparison.locator("tr.differs").first).to_be_visible()
    expect(comparison).to_contain_text(conflict["name"])
    screenshot(page, "task")
    page.get_by_label("Comment (why)").fill("one client: same CIN, the web form mixed up the name")
    page.get_by_role("button", name="Same client").click()
    expect(page.get_by_role("status")).to_contain_text("Decision recorded: same")
    screenshot(page, "task-decided")
    golden = page.get_by_role("status").get_by_role("link")
    survivor = golden.first.inner_text() if golden.count() else None
    survivor = survivor or conflict["task"]["task"]["golden_ids"][0]
    page.goto(f"/golden/{survivor}")
    records = page.get_by_role("table", name="Current source records")
    expect(records).to_contain_text(conflict["key"][1])
    expect(records).to_contain_text(conflict["victim"][1])
    screenshot(page, "golden-after-decision")
