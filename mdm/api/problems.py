"""Every error leaves the hub as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask, Response, request
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, UnprocessableEntity

from mdm.errors import FieldError, MdmError
from schemas.problems import ProblemSchema

PROBLEM_JSON = "application/problem+json"


def problem_response(
    status: int, title: str, detail: str, errors: tuple[FieldError, ...] | list[FieldError] = (),
    problem_type: str = "about:blank",
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type, "title": title, "status": status, "detail": detail, "instance": request.path,
    }
    if errors:
        body["errors"] = [{"field": e.field, "rule": e.rule, "message": e.message} for e in errors]
    return Response(orjson.dumps(body), status=status, mimetype=PROBLEM_JSON)


def _slug(title: str) -> str:
    return "/problems/" + title.lower().replace(" ", "-")


def _field_errors(messages: Any, prefix: str = "") -> list[FieldError]:
    """Flatten marshmallow's nested messages into one error per field."""
    errors: list[FieldError] = []
    for name, value in messages.items():
        path = f"{prefix}.{name}" if prefix else str(name)
        if isinstance(value, dict):
            errors.extend(_field_errors(value, path))
        else:
            for message in value:
                rule = "unknown_field" if message == "Unknown field." else "invalid"
                errors.append(FieldError(path, rule, message))
    return errors


def handle_domain_error(error: MdmError) -> Response:
    response = problem_response(error.status, error.title, error.detail, error.errors, _slug(error.title))
    if error.status == 401:  # RFC 6750: tell the caller which scheme to use
        response.headers["WWW-Authenticate"] = 'Bearer realm="mdm"'
    return response


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    title = error.name
    if isinstance(error, UnprocessableEntity):
        messages = getattr(error, "data", {}).get("messages", {})
        # webargs nests errors by location (json, query): the field names are what callers need.
        errors = [e for location in messages.values() for e in _field_errors(location)]
        return problem_response(422, "Invalid input", "the request does not follow the contract", errors,
                                _slug("Invalid input"))
    return problem_response(status, title, error.description or title)


def handle_integrity_error(_error: IntegrityError) -> Response:
    return problem_response(409, "Conflict", "a concurrent write changed the same data; retry the request",
                            problem_type=_slug("Conflict"))


def register(api: Api) -> None:
    api.spec.components.schema("Problem", schema=ProblemSchema)


def init_app(app: Flask) -> None:
    # Registered after flask-smorest's own handler so these win for every HTTP error.
    app.register_error_handler(MdmError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
