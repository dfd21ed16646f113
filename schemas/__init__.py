"""Marshmallow schemas: the HTTP contract of the hub's REST API."""

from typing import Any

from marshmallow import ValidationError, fields

from mdm.text_rules import CONTROL_CHARACTERS

# The largest ids the columns hold (BIGINT, and SQLite's INTEGER; INTEGER on PostgreSQL): a larger number names
# nothing and must not reach SQL, where it would overflow.
BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1

CONTROL_CHARACTER_MESSAGE = "Control characters (U+0000 to U+001F, U+007F to U+009F) are not allowed."


class Text(fields.String):
    """A string parameter or body field without control characters: they are never data, and PostgreSQL cannot
    even compare a text holding NUL, so they are refused (422) before any query; the spec says so as a pattern."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL_CHARACTERS.search(text):  # the same rule as record fields and parameters
            raise ValidationError(CONTROL_CHARACTER_MESSAGE)
        return text
