"""Strict JSON for what the hub is sent (request bodies, ``load`` lines): the strict parse of
``matching.strict_json`` within the depth a record needs, a broken rule told as a request problem."""

from __future__ import annotations

from typing import Any

from matching.strict_json import JSONRuleError, parse_strict_json
from mdm.errors import FieldError, MalformedRequest

# Deep enough for any record (a record is an object of strings, lists and small objects), shallow enough that
# walking a hostile document costs nothing.
MAX_DEPTH = 32


def parse_json(body: bytes) -> Any:
    """Parse a JSON document strictly; a broken rule raises MalformedRequest naming ``$`` or the JSON path."""
    try:
        return parse_strict_json(body, MAX_DEPTH)
    except JSONRuleError as error:
        raise MalformedRequest(f"the request body breaks a JSON rule: {error.detail}",
                               (FieldError(error.path, error.rule, error.detail),)) from error
