"""The client master-data hub: state and use cases, and the app factory that serves them."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from flask import Flask

from config import Config


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
    from mdm import api, web

    app = _Hub(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    web.init_app(app)
    api.init_app(app)
    return app
