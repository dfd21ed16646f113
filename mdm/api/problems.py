"""Every error leaves the hub as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from flask import Flask, Response, request
from flask_smorest import Api, Blueprint
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest, HTTPException, UnprocessableEntity

from mdm.errors import FieldError, MdmError
from schemas import CONTROL_CHARACTER_MESSAGE
from schemas.problems import ProblemSchema

PROBLEM_JSON = "application/problem+json"
F = TypeVar("F", bound=Callable[..., Any])
# What a route that reads a JSON body can answer before its view runs: undecodable JSON, a body over the limit.
BODY_PROBLEMS = (400, 413)
_RULES_BY_MESSAGE = {"Unknown field.": "unknown_field", CONTROL_CHARACTER_MESSAGE: "control_character"}


def problem_answers(blp: Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document that the route answers these statuses, each as problem details."""
    def decorate(view: F) -> F:
        for status in statuses:
            view = blp.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_JSON)(view)
        return view
    return decorate


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
                rule = _RULES_BY_MESSAGE.get(message, "invalid")
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
    if isinstance(error, BadRequest) and "json" in getattr(error, "data", {}).get("messages", {}):
        # webargs could not decode the body of a route that reads its arguments from JSON.
        cause = getattr(error, "data", {}).get("exc")
        return problem_response(400, "Malformed request", "the request body is not valid JSON",
                                (FieldError("$", "json", f"malformed JSON: {cause or 'cannot be decoded'}"),),
                                _slug("Malformed request"))
    response = problem_response(status, title, error.description or title)
    for name, value in error.get_headers():  # e.g. Allow on a 405, which RFC 9110 requires
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


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
