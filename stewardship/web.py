"""Wiring of the stewardship workflow into the hub's app: its REST blueprints on the hub's API, its pages."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api, Blueprint

from stewardship.api import overrides

# Each stewardship resource adds its blueprint here (REST under /api/v1, pages at the root).
API_BLUEPRINTS: tuple[Blueprint, ...] = (overrides.blp,)


def init_app(app: Flask) -> None:
    api: Api = app.extensions["mdm.api"]
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
