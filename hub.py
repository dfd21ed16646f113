"""The whole hub as it is served: mdm's core (records, golden records, API, pages) with the stewardship workflow
on top. mdm never imports stewardship, so the two meet here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import mdm
import stewardship.web


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides the environment-driven defaults (tests use it)."""
    app = mdm.create_app(config)
    stewardship.web.init_app(app)
    return app
