"""REST API under /api/v1: OpenAPI 3 at /api/openapi.json, Swagger UI at /api/docs."""

from __future__ import annotations

import http

from flask import Flask, send_from_directory
from flask.typing import ResponseReturnValue
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path

from mdm.api import (
    access,
    events,
    golden,
    journal,
    json_body,
    matches,
    parameters,
    points_of_sale,
    problems,
    records,
    request_log,
    tokens,
)


class HubApi(Api):  # type: ignore[misc]
    """flask-smorest's Api with an honest contract: no catch-all ``default`` answer, so every status an operation
    can answer is documented on it, and the standard error answers it refers to (422 of ``@blp.arguments``) are
    problem details, as the hub really sends them."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, object] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {problems.PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            self.spec.components.response(status.name, response, lazy=True)


def init_app(app: Flask) -> None:
    api = HubApi(app, spec_kwargs={"info": {"description": "Single trusted référentiel client."}})
    app.extensions["mdm.api"] = api  # packages built on mdm (stewardship) register their blueprints on it
    problems.register(api)
    access.register(api)
    for blueprint in (records.blp, golden.blp, matches.blp, points_of_sale.blp, events.blp, tokens.blp,
                      journal.journal_blp, journal.quality_blp):
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
    problems.init_app(app)
    # The clock starts before any check, so refused requests are timed too.
    request_log.init_app(app)
    # Who is calling comes before what they sent: a caller without a valid token learns nothing about its input.
    access.init_app(app)
    # Parameters first: they are cheap to check, a body may be megabytes.
    parameters.init_app(app)
    json_body.init_app(app)

    @app.get("/api/docs/assets/<path:filename>")
    @access.public
    def swagger_ui_asset(filename: str) -> ResponseReturnValue:
        return send_from_directory(swagger_ui_path, filename)
