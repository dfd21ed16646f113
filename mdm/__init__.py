"""The client master-data hub: state and use cases, and the app factory that serves them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from flask import Flask

from config import Config
from native import search_path

__path__ = search_path(__name__, __path__)


class _Hub(Flask):
    """Flask, except that an unhandled exception is logged without its message and traceback, which can quote
    payload values (SQL parameters, the row that failed)."""

    def log_exception(
        self, exc_info: tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None],
    ) -> None:
        from mdm.api.request_log import log_failure

        log_failure(exc_info)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides the environment-driven defaults (tests use it)."""
    from mdm import api, journal_pages, pages, web
    from mdm.field_spec import configured_field_spec
    from mdm.match_settings import configured_match_settings

    configured_field_spec()  # a bad field specification stops the hub here, not at its first quality report
    configured_match_settings()  # and bad match settings, not at the first record resolved
    app = _Hub(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    web.init_app(app)
    api.init_app(app)
    pages.init_app(app)
    journal_pages.init_app(app)
    return app


def _instance_secret(folder: Path) -> str:
    """The key that signs session cookies when MDM_SECRET_KEY is not set: made once, kept in the instance folder
    (readable by the owner only), so every worker process and every restart signs alike."""
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f"secret_key.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as target:
            target.write(secrets.token_urlsafe(48))
        try:  # a link never replaces: when workers start together, the first key written is everyone's
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
