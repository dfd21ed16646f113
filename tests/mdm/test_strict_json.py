"""Strict JSON, rule by rule: the path and rule a caller is told, and the documents that pass untouched."""

from __future__ import annotations

from typing import Any

import pytest

from mdm.errors import MalformedRequest
from mdm.strict_json import MAX_DEPTH, parse_json


def _broken(body: bytes) -> tuple[str, str]:
    with pytest.raises(MalformedRequest) as raised:
        parse_json(body)
    (error,) = raised.value.errors
    return error.field, error.rule


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"a": 1, "a": 2}', ("$.a", "duplicate_key")),
    (b'{"a" : 1, "b": 2, "a" : 3}', ("$.a", "duplicate_key")),
    (b'[{"x": 1}, {"x": {"b": 1, "c": {"d": 1, "d": 1}}}]', ("$[1].x.c.d", "duplicate_key")),
    (b'{"records": [{"first_name": "A", "first_name": "B"}]}', ("$.records[0].first_name", "duplicate_key")),
    (b'{"my key": 1, "my key": 2}', ('$["my key"]', "duplicate_key")),
    # A value holding '":' defeats the fast count; the exact check still finds the duplicate.
    (b'{"a": "say \\": hi", "a": 1}', ("$.a", "duplicate_key")),
    (b'{"a": NaN}', ("$", "non_finite_number")),
    (b'{"a": Infinity}', ("$", "non_finite_number")),
    (b'{"a": -Infinity}', ("$", "non_finite_number")),
    (b'[1e999]', ("$", "non_finite_number")),
    (b'{"a": ' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}", ("$.a" + "[0]" * (MAX_DEPTH - 1), "max_depth")),
    (b"[" * 2000 + b"]" * 2000, ("$", "max_depth")),
    ('{"first_name": "Aïcha"}'.encode("latin-1"), ("$", "utf8")),
    (b"\xff\xfe{\x00}\x00", ("$", "utf8")),
    (b"{not json", ("$", "json")),
])
def test_broken_rules_name_the_path_and_the_rule(body: bytes, expected: tuple[str, str]) -> None:
    assert _broken(body) == expected


@pytest.mark.parametrize(("body", "value"), [
    (b'{"a": 1, "b": {"a": 2}}', {"a": 1, "b": {"a": 2}}),
    (b'{"a" : "x\\":y", "b" : [1, {"c": 2}]}', {"a": 'x":y', "b": [1, {"c": 2}]}),
    (b'[{"a": 1}, {"a": 1}]', [{"a": 1}, {"a": 1}]),
    (b'{"a": ' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}", None),
    ('{"first_name": "Aïcha"}'.encode(), {"first_name": "Aïcha"}),
    (b'"text"', "text"),
    (b"{}", {}),
])
def test_strict_documents_parse_as_orjson_would(body: bytes, value: Any) -> None:
    parsed = parse_json(body)
    if value is not None:
        assert parsed == value
