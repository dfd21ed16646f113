"""What every browser test shares: Debian's chromium driven by Playwright, the hub served over HTTP from the test
module's ``app`` fixture, and full-page screenshots under test-artifacts/screenshots/ (git-ignored) for a human eye."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import BaseWSGIServer, make_server

from hub import create_app
from mdm.db import make_engine, make_session_factory
from tests.conftest import _migrated_database, issue_test_token

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Playwright's own browser download is not reachable: `make install` puts Debian's chromium there (as root).
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: run `make install` as "
                                                                  "root, or `sudo apt-get install -y chromium`")


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite hub for the module (the pages' data functions are tested on both backends elsewhere)."""
    for url in _migrated_database("sqlite", tmp_path_factory):
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def serve_hub(sessions: sessionmaker[Session]) -> Iterator[Flask]:
    """The hub's app over the module's database, with a fixed key so that signed-in cookies last the module."""
    url = str(sessions.kw["bind"].url)
    app = create_app({"DATABASE_URL": url, "MIGRATE_ON_START": False, "SECRET_KEY": "browser-test-key"})
    yield app
    app.extensions["mdm.engine"].dispose()


@pytest.fixture(scope="module")
def base_url(app: Flask) -> Iterator[str]:
    """The module's hub served for real on a free port, in a thread of this process."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def signed_in_browser(browser: Browser, app: Flask, base_url: str, role: str, path: str) -> Iterator[BrowserContext]:
    """A browser of this role, signed in once through the login page with a real token: asking for ``path``
    leads to the login page, and signing in leads back."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(path)
    expect(page).to_have_url(f"{base_url}/login?next={path}")
    page.get_by_label("Access token").fill(issue_test_token(app, role))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}{path}")
    page.close()
    yield context
    context.close()


@pytest.fixture
def page(signed_in: BrowserContext) -> Iterator[Page]:
    """A new tab of the module's signed-in browser (each module defines ``signed_in``)."""
    page = signed_in.new_page()
    yield page
    page.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
