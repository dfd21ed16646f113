"""The strict JSON parser the settings files and the request bodies share: each broken rule is named with where
the document breaks it, so a person fixing a file finds the place."""

from __future__ import annotations

import pytest

from matching.strict_json import PARSER_MAX_DEPTH, JSONRuleError, parse_strict_json


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"a": {"b": 1,\n "b": 2}}', ("$.a.b", "duplicate_key", "the key 'b' appears more than once in the same object")),
    (b'{"a":\n  NaN}', ("$", "non_finite_number", "NaN is not a JSON number at line 2 column 3")),
    (b'{"a": -Infinity}', ("$", "non_finite_number", "-Infinity is not a JSON number at line 1 column 7")),
    (b"[1e999]", ("$", "non_finite_number", "a number too large for a double is not a JSON number at line 1 column 2")),
    (b'{"a": 1', ("$", "json", "unexpected end of data at line 1 column 8")),
    (b'{"caf\xe9": 1}', ("$", "utf8", "not UTF-8 at byte 5")),
    ('{"a": "\ud800"}', ("$", "utf8", "not UTF-8 at byte 7")),
    (b"[" * (PARSER_MAX_DEPTH + 1) + b"]" * (PARSER_MAX_DEPTH + 1),
     ("$", "max_depth", f"the document is nested deeper than {PARSER_MAX_DEPTH} levels")),
])
def test_a_broken_rule_says_which_and_where(body: bytes | str, expected: tuple[str, str, str]) -> None:
    with pytest.raises(JSONRuleError) as broken:
        parse_strict_json(body)
    assert (broken.value.path, broken.value.rule, broken.value.detail) == expected


def test_the_message_leads_with_the_path_of_a_member() -> None:
    with pytest.raises(JSONRuleError, match=r"^\$\.a: the key 'a' appears more than once"):
        parse_strict_json(b'{"a": 1, "a": 2}')


def test_a_reader_may_allow_less_depth() -> None:
    assert parse_strict_json(b"[[1]]", max_depth=2) == [[1]]
    with pytest.raises(JSONRuleError) as broken:
        parse_strict_json(b'{"a": [[1]]}', max_depth=2)
    assert (broken.value.path, broken.value.rule) == ("$.a[0]", "max_depth")


def test_text_parses_as_its_utf8_bytes_would() -> None:
    assert parse_strict_json('{"first_name": "Aïcha"}') == parse_strict_json('{"first_name": "Aïcha"}'.encode())
