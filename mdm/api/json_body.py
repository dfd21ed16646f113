"""Request bodies are read once and parsed as strict JSON, on every route that takes one."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from mdm.errors import FieldError, MalformedRequest
from mdm.strict_json import parse_json

_FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_NOTHING = object()


def read_json_body() -> Any:
    """The request's JSON body, parsed strictly; an empty body is a 400 naming ``$``."""
    parsed = g.get("mdm_json_body", _NOTHING)
    if parsed is _NOTHING:
        # Cached: webargs reads the same bytes again for the routes whose schema it loads.
        body = request.get_data(cache=True)
        limit = request.max_content_length
        # A chunked body is cut at the limit without a word (werkzeug's LimitedStream stops there): one that
        # reaches it is taken as too large rather than parsed truncated.
        if request.content_length is None and limit is not None and len(body) >= limit:
            raise RequestEntityTooLarge()
        if not body.strip():
            raise MalformedRequest("the request body is empty",
                                   (FieldError("$", "required", "a JSON body is required"),))
        parsed = g.mdm_json_body = parse_json(body)
    return parsed


def _check_body() -> None:
    # Every body the API reads is JSON; webargs would parse it leniently (last duplicate wins, NaN accepted), so
    # the strict parse runs first for all routes. Forms are left to the pages that will take them.
    if request.mimetype in _FORMS:
        return
    has_body = request.content_length or request.headers.get("Transfer-Encoding", "").lower() == "chunked"
    if has_body and request.get_data(cache=True).strip():
        read_json_body()


def init_app(app: Flask) -> None:
    app.before_request(_check_body)
