"""Wiring of the stewardship workflow into the hub's app: its REST blueprints on the hub's API, its pages."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api, Blueprint

from mdm.access import Permission
from mdm.pages import NavLink, add_nav_link
from stewardship import override_pages, pages, queue_pages
from stewardship.api import overrides, tasks

# Each stewardship resource adds its blueprint here (REST under /api/v1, pages at the root).
API_BLUEPRINTS: tuple[Blueprint, ...] = (tasks.blp, overrides.blp)
# The console's pages in the navigation bar.
NAV_LINKS = (
    NavLink("Queue", "/stewardship/queue", Permission.READ_STEWARDSHIP, "the tasks waiting for a steward's decision"),
    NavLink("Search", "/search", Permission.READ_STEWARDSHIP,
            "find a client by name, identifier, phone, e-mail or city, and open its golden record"),
)


def init_app(app: Flask) -> None:
    api: Api = app.extensions["mdm.api"]
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
    app.register_blueprint(pages.blp)
    app.register_blueprint(queue_pages.blp)
    app.register_blueprint(override_pages.blp)
    for link in NAV_LINKS:
        add_nav_link(app, link)
