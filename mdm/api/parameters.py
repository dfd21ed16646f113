"""Query and path parameters obey the text rules: a bounded length per parameter and no control characters."""

from __future__ import annotations

from flask import Flask, request

from mdm.errors import FieldError, InvalidInput
from mdm.text_rules import shown_name, text_error
from mdm.validation import MAX_ID_LENGTH, MAX_POINT_OF_SALE_LENGTH, MAX_SOURCE_SYSTEM_LENGTH, TEXT_FIELD_MAX_LENGTHS

MAX_GOLDEN_ID_LENGTH = 32  # golden_record.id is String(32)
_RECORD_REFERENCE = MAX_SOURCE_SYSTEM_LENGTH + 1 + MAX_ID_LENGTH  # SOURCE_SYSTEM:source_record_id

PATH_MAX_LENGTHS: dict[str, int] = {
    "source_system": MAX_SOURCE_SYSTEM_LENGTH, "source_record_id": MAX_ID_LENGTH,
    "golden_id": MAX_GOLDEN_ID_LENGTH, "code": MAX_POINT_OF_SALE_LENGTH,
}
# Search criteria are bounded like the record fields they look up; a name may be a full name.
QUERY_MAX_LENGTHS: dict[str, int] = {
    "name": TEXT_FIELD_MAX_LENGTHS["full_name"], "identifier": TEXT_FIELD_MAX_LENGTHS["national_id"],
    "phone": TEXT_FIELD_MAX_LENGTHS["phone"], "email": TEXT_FIELD_MAX_LENGTHS["email"],
    "city": TEXT_FIELD_MAX_LENGTHS["city"], "party_type": 32, "limit": 16, "after": 20,
    "a": _RECORD_REFERENCE, "b": _RECORD_REFERENCE, "as_of": 64, "network": MAX_SOURCE_SYSTEM_LENGTH,
}
# A parameter no table names (a future route's) is still bounded.
DEFAULT_MAX_LENGTH = 256


def parameter_errors() -> list[FieldError]:
    """Every rule the request's path and query parameters break."""
    errors = []
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and (error := text_error(
                name, value, PATH_MAX_LENGTHS.get(name, DEFAULT_MAX_LENGTH))) is not None:
            errors.append(error)
    for name, values in request.args.lists():
        shown = shown_name(name)
        if (error := text_error(shown, name, 64)) is not None:
            errors.append(FieldError(shown, error.rule, f"the parameter name: {error.message}"))
            continue
        limit = QUERY_MAX_LENGTHS.get(name, DEFAULT_MAX_LENGTH)
        errors.extend(error for value in values if (error := text_error(name, value, limit)) is not None)
    return errors


def _check_parameters() -> None:
    if errors := parameter_errors():
        raise InvalidInput("the request's parameters break a rule", tuple(errors))


def init_app(app: Flask) -> None:
    app.before_request(_check_parameters)
