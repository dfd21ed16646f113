"""Strict JSON: one meaning per document, so UTF-8 only, no NaN or Infinity, no key twice in one object and no
nesting deeper than the reader allows; a broken rule is named with where the document breaks it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson

Checked = TypeVar("Checked")

# orjson refuses anything nested deeper by itself.
PARSER_MAX_DEPTH = 1024

# The end of an object key: a closing quote, optional blanks, a colon. Every key ends so; a string value may too.
_KEY_END = re.compile(rb'"[ \t\r\n]*:')
_NON_FINITE = re.compile(rb"-?(?:NaN|Infinity)")
_CONTAINERS = (dict, list)
_CONTAINER_TYPES = frozenset(_CONTAINERS)


class JSONRuleError(ValueError):
    """A document breaks a rule of strict JSON: ``rule`` names it (``utf8``, ``non_finite_number``,
    ``duplicate_key``, ``max_depth`` or ``json``), ``path`` says where (``$``, the whole document, or the JSON path
    of the offending member) and ``detail`` what, with its place in the text when the path cannot tell it."""

    def __init__(self, path: str, rule: str, detail: str) -> None:
        super().__init__(detail if path == "$" else f"{path}: {detail}")
        self.path, self.rule, self.detail = path, rule, detail


def parse_strict_json(body: bytes | str, max_depth: int = PARSER_MAX_DEPTH) -> Any:
    """Parse a JSON document strictly, nested at most ``max_depth`` levels (up to ``PARSER_MAX_DEPTH``); a broken
    rule raises ``JSONRuleError``."""
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise _parse_error(data, error, max_depth) from error
    members = _count_members(value, max_depth)
    if members:
        _check_unique_keys(data, members)
    return value


def _parse_error(body: bytes, error: orjson.JSONDecodeError, max_depth: int) -> JSONRuleError:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as undecodable:
        return JSONRuleError("$", "utf8", f"not UTF-8 at byte {undecodable.start}")
    where = f"at line {error.lineno} column {error.colno}"
    if "depth limit" in error.msg:  # orjson's own ceiling
        return JSONRuleError("$", "max_depth", f"the document is nested deeper than {max_depth} levels")
    # orjson refuses NaN and Infinity as any JSON parser must, and a number too large for a double; say which.
    if "infinity" in error.msg:
        return JSONRuleError("$", "non_finite_number", f"a number too large for a double is not a JSON number {where}")
    for start in (error.pos - 1, error.pos):  # orjson stops on the constant, or just after its sign
        if constant := _NON_FINITE.match(body, start):
            return JSONRuleError("$", "non_finite_number", f"{constant[0].decode()} is not a JSON number at line "
                                 f"{error.lineno} column {error.colno - (error.pos - start)}")
    return JSONRuleError("$", "json", f"{error.msg} {where}")


def _count_members(value: Any, max_depth: int) -> int:
    """Object members in the document, checking the depth on the way (level by level, without recursion)."""
    members, depth = 0, 1
    level: list[Any] = [value] if value.__class__ in _CONTAINER_TYPES else []
    while level:
        if depth > max_depth:
            raise JSONRuleError(_path_deeper_than(value, max_depth), "max_depth",
                                f"the document is nested deeper than {max_depth} levels")
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
        raise JSONRuleError(path, "duplicate_key", f"the key {key!r} appears more than once in the same object")


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


def load_strict_json_file(path: str | Path, what: str, check: Callable[[Any], Checked],
                          error: Callable[[str], Exception]) -> Checked:
    """Read a file of strict JSON and ``check`` its document (a ValueError names the problem). Whatever goes wrong
    (unreadable, not strict JSON, refused by the check) raises ``error`` with ``what`` the file is, its path and the
    problem, so a bad file stops the hub with a message that says which."""
    try:
        body = Path(path).read_bytes()
    except OSError as unreadable:
        raise error(f"{what} {path}: cannot be read ({unreadable})") from unreadable
    try:
        document = parse_strict_json(body)
    except JSONRuleError as broken:
        raise error(f"{what} {path}: not valid JSON ({broken})") from broken
    try:
        return check(document)
    except ValueError as refused:
        raise error(f"{what} {path}: {refused}") from refused
