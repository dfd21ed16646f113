"""Configuration of the hub, read from the environment (MDM_*)."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from matching.dates import DEFAULT_BIRTH_DATE_WINDOW, BirthDateWindow

PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_SOURCE_SYSTEMS = ("AGENT", "COURTIER", "BGD", "BANCASSURANCE", "WEB")


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'mdm.sqlite3'}"


def _env_list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return tuple(part.strip().upper() for part in raw.split(",") if part.strip())


def _env_json(name: str) -> dict[str, object]:
    raw = os.environ.get(name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"{name} is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object of field rules")
    return value


def _env_birth_date_window(name: str) -> BirthDateWindow:
    """The plausible birth dates, from the day (``1900-01-01``) or the year (``1900``) a variable names."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return DEFAULT_BIRTH_DATE_WINDOW
    try:
        return BirthDateWindow(date(int(raw), 1, 1) if raw.isdigit() else date.fromisoformat(raw))
    except ValueError as error:
        raise ValueError(f"{name} must be a year or an ISO date, not {raw!r}") from error


class Config:
    """Production defaults; every value can be overridden by an environment variable."""

    DATABASE_URL = os.environ.get("MDM_DATABASE_URL") or _default_database_url()
    SOURCE_SYSTEMS = _env_list("MDM_SOURCE_SYSTEMS", DEFAULT_SOURCE_SYSTEMS)
    # A batch of 1,000 typical records is about 600 kB; 16 MB leaves room without inviting abuse.
    MAX_CONTENT_LENGTH = int(os.environ.get("MDM_MAX_BODY_BYTES", 16 * 1024 * 1024))
    BATCH_MAX_ITEMS = int(os.environ.get("MDM_BATCH_MAX_ITEMS", 5000))
    # Survivorship rules replacing the defaults of the fields named, e.g.
    # {"phone": {"criteria": ["trust", "recency"], "trust": ["WEB", "AGENT"]}} (see mdm.survivorship).
    SURVIVORSHIP = _env_json("MDM_SURVIVORSHIP")
    # Which fields a capture must fill, per party type: what the data-quality journal counts as missing.
    FIELD_SPEC = os.environ.get("MDM_FIELD_SPEC") or str(PROJECT_ROOT / "mdm" / "field_spec.json")
    # Birth dates from this day until the day a record is received are plausible; an earlier real date (an old
    # register's) is kept as evidence and reported by the data-quality journal.
    BIRTH_DATE_WINDOW = _env_birth_date_window("MDM_EARLIEST_BIRTH_DATE")
    # Comparisons, blocking rules, thresholds and vetoes of matching (see matching.settings); the shipped file is
    # the hub's own matching.
    MATCH_SETTINGS = os.environ.get("MDM_MATCH_SETTINGS") or str(PROJECT_ROOT / "matching" / "match_settings.json")

    # Signs the browser session cookie; unset, a random key is made once and kept in the instance folder.
    SECRET_KEY = os.environ.get("MDM_SECRET_KEY") or None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("MDM_COOKIE_SECURE", "").lower() in ("1", "true", "yes")
    SESSION_COOKIE_NAME = "mdm_session"
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("MDM_SESSION_SECONDS", 8 * 3600))

    API_TITLE = "Client master-data hub"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Swagger UI assets are served by the hub itself (swagger-ui-bundle), so the docs work offline.
    OPENAPI_SWAGGER_UI_URL = "/api/docs/assets/"
    JSON_SORT_KEYS = False
