"""Strict JSON: one meaning per document, so no duplicate keys, no NaN or Infinity, no deep nesting, UTF-8 only."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from mdm.errors import FieldError, MalformedRequest

# Deep enough for any record (a record is an object of strings, lists and small objects), shallow enough that
# walking a hostile document costs nothing.
MAX_DEPTH = 32

# The end of an object key: a closing quote, optional blanks, a colon. Every key ends so; a string value may too.
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
_NON_FINITE = re.compile(rb"-?(?:NaN|Infinity)")
_CONTAINERS = (dict, list)
_CONTAINER_TYPES = frozenset(_CONTAINERS)


def parse_json(body: bytes) -> Any:
    """Parse a JSON document strictly; a broken rule raises MalformedRequest naming ``$`` or the JSON path."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise _parse_error(body, error) from error
    members = _count_members(value)
    if members:
        _check_unique_keys(body, members)
    return value


def _fail(path: str, rule: str, message: str) -> MalformedRequest:
    return MalformedRequest(f"the request body breaks a JSON rule: {message}", (FieldError(path, rule, message),))


def _parse_error(body: bytes, error: orjson.JSONDecodeError) -> MalformedRequest:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as undecodable:
        return _fail("$", "utf8", f"the body is not UTF-8 (byte {undecodable.start})")
    if "depth limit" in error.msg:  # orjson's own ceiling (1024), far above ours
        return _fail("$", "max_depth", f"the document is nested deeper than {MAX_DEPTH} levels")
    # orjson refuses NaN and Infinity as any JSON parser must, and a number too large for a double; say which.
    if "infinity" in error.msg or any(_NON_FINITE.match(body, start) for start in (error.pos - 1, error.pos)):
        return _fail("$", "non_finite_number", f"NaN and Infinity are not JSON numbers (char {error.pos})")
    return _fail("$", "json", f"malformed JSON: {error}")


def _count_members(value: Any) -> int:
    """Object members in the document, checking the depth on the way (level by level, without recursion)."""
    members, depth = 0, 1
    level: list[Any] = [value] if value.__class__ in _CONTAINER_TYPES else []
    while level:
        if depth > MAX_DEPTH:
            raise _fail(_path_deeper_than(value, MAX_DEPTH), "max_depth",
                        f"the document is nested deeper than {MAX_DEPTH} levels")
        deeper: list[Any] = []
        for node in level:
            if node.__class__ is dict:
                members += len(node)
                deeper += [child for child in node.values() if child.__class__ in _CONTAINER_TYPES]
            else:
                deeper += [child for child in node if child.__class__ in _CONTAINER_TYPES]
        level, depth = deeper, depth + 1
    return members


def _path_deeper_than(value: Any, limit: int) -> str:
    """The path of the first container nested deeper than ``limit`` (only on the failure path)."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "$")]
    while stack:
        node, depth, path = stack.pop()
        if depth > limit:
            return path
        steps = ((_key_step(k), v) for k, v in node.items()) if type(node) is dict else (
            (f"[{i}]", v) for i, v in enumerate(node))
        stack.extend((child, depth + 1, path + step) for step, child in steps if isinstance(child, _CONTAINERS))
    return "$"


def _check_unique_keys(body: bytes, members: int) -> None:
    # As many key endings as members proves every key is unique: each member has one, and orjson kept one member
    # per distinct key. More (a duplicate, or a string value holding '":') sends us to the exact, slower check.
    if body.count(b'":') == members:
        return
    if sum(1 for _ in _KEY_END.finditer(body)) == members:
        return
    duplicate = _first_duplicate(json.loads(body.decode("utf-8"), object_pairs_hook=_Members), "$")
    if duplicate is not None:
        path, key = duplicate
        raise _fail(path, "duplicate_key", f"the key {key!r} appears more than once in the same object")


class _Members(list[tuple[str, Any]]):
    """An object's members in document order, duplicates included."""


def _first_duplicate(node: Any, path: str) -> tuple[str, str] | None:
    if isinstance(node, _Members):
        seen: set[str] = set()
        for key, child in node:
            if key in seen:
                return path + _key_step(key), key
            seen.add(key)
            if (found := _first_duplicate(child, path + _key_step(key))) is not None:
                return found
    elif type(node) is list:
        for index, child in enumerate(node):
            if (found := _first_duplicate(child, f"{path}[{index}]")) is not None:
                return found
    return None


def _key_step(key: str) -> str:
    return f".{key}" if key.isidentifier() else f"[{json.dumps(key)}]"
