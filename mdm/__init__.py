"""The client master-data hub: state and use cases, and the app factory that serves them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from config import Config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides the environment-driven defaults (tests use it)."""
    from mdm import api, web

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    web.init_app(app)
    api.init_app(app)
    return app
