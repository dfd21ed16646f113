"""Text from outside the hub: a bounded length and no control characters."""

from __future__ import annotations

import re

from mdm.errors import FieldError

# C0 controls, DEL and C1 controls: never part of a name, an identifier or a query. NUL is among them, and
# PostgreSQL can store it neither in text nor in jsonb.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL = CONTROL_CHARACTERS
# Free text (an address typed on several lines, a comment) may keep tab, line feed and carriage return.
_CONTROL_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def text_error(field: str, value: str, max_length: int, free_text: bool = False) -> FieldError | None:
    """The first rule ``value`` breaks as the text of ``field``, or None."""
    if len(value) > max_length:
        return FieldError(field, "max_length", f"{field} is longer than {max_length} characters")
    found = (_CONTROL_IN_FREE_TEXT if free_text else _CONTROL).search(value)
    if found is not None:
        return FieldError(field, "control_character",
                          f"{field} holds the control character U+{ord(found.group()):04X}")
    return None


def shown_name(name: str, max_length: int = 64) -> str:
    """A field name fit to be echoed in an error: control characters made visible, cut when too long."""
    visible = _CONTROL.sub(lambda found: f"\\u{ord(found.group()):04x}", name)
    return visible if len(visible) <= max_length else visible[:max_length] + "…"
