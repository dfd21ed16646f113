"""Ingest contract: what a source record must carry, and the canonical content behind its version hash."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from matching.standardise import PARTY_TYPES as PARTY_TYPE_SPELLINGS
from mdm.db import json_text
from mdm.errors import FieldError
from mdm.text_rules import shown_name, text_error

PRODUCT_LINES = frozenset({"DOMMAGE", "EPARGNE", "PREVOYANCE"})
MAX_SOURCE_SYSTEM_LENGTH = 32
MAX_ID_LENGTH = 128  # source_record.source_record_id is String(128)
MAX_POINT_OF_SALE_LENGTH = 64  # point_of_sale.code is String(64)
MAX_PRODUCT_LINE_LENGTH = 32  # an unknown product line is kept in the payload, so it is bounded too
MAX_RECEIVED_AT_LENGTH = 64

# Text fields of the record format (DESIGN §3) and the longest value each may carry, in characters: generous for
# what sources send (names of several words, an address with its district), tight enough that a field cannot
# smuggle a document in.
TEXT_FIELD_MAX_LENGTHS: dict[str, int] = {
    "civility": 32, "first_name": 200, "last_name": 200, "full_name": 300, "birth_date": 32, "id_type": 32,
    "national_id": 64, "phone": 40, "phone_alt": 40, "email": 254, "address_line": 500, "city": 100,
    "postal_code": 16, "company_name": 300, "trade_name": 200, "legal_form": 100, "ice": 32, "rc_number": 64,
    "rc_court": 100, "tax_id": 64, "professional_tax_number": 64, "contact_person": 200, "loyalty_card": 64,
    "payment_incidents": 16,
}
TEXT_FIELDS = frozenset(TEXT_FIELD_MAX_LENGTHS)
# Only an address may span lines; no identity field holds a tab or a line break.
FREE_TEXT_FIELDS = frozenset({"address_line"})
# A count, which a source may send as a JSON number; every other text field must arrive as text (a number
# would already have lost a leading zero: 0661234567 as 661234567).
COUNT_FIELDS = frozenset({"payment_incidents"})
MAX_PRODUCTS, MAX_PRODUCT_CODE_LENGTH = 50, 64
# Unknown fields are kept in the payload: bounded in number, name, value size and nesting, and the whole record
# too (a typical record is under 1 kB of canonical JSON).
MAX_EXTRA_FIELDS = 50
MAX_EXTRA_NAME_LENGTH = 64
MAX_EXTRA_TEXT_LENGTH = 1000
MAX_EXTRA_DEPTH = 3
MAX_RECORD_BYTES = 32 * 1024
# Checked by their own rules, not as text fields or unknown fields.
_OWN_RULES = frozenset({
    "source_system", "source_record_id", "party_type", "point_of_sale", "received_at", "product_line", "products",
})
# Every field the record format names; any other field a source sends is kept and reported as unknown.
RECORD_FORMAT_FIELDS = TEXT_FIELDS | _OWN_RULES
PERSON_NAME_FIELDS = ("first_name", "last_name", "full_name")
ORGANIZATION_NAME_FIELDS = ("company_name", "trade_name")
# received_at says when, not what: a re-send of the same client data is the same version.
NOT_CONTENT = frozenset({"received_at"})


class IncomingRecord(NamedTuple):
    """A record that passed validation, with its identity and the hash of its content. A named tuple: a load makes
    a million, and a frozen dataclass sets each field through ``object.__setattr__``."""

    source_system: str
    source_record_id: str
    party_type: str
    product_line: str | None
    point_of_sale: str | None
    received_at: datetime | None
    # The record as sent, as the JSON text its version stores (the engines' own serializer's).
    payload_text: str
    # The fields of the payload that carry a value, in the payload's order: what the capture journal counts.
    carried_fields: tuple[str, ...]
    content_hash: str
    key: tuple[str, str]


def is_missing(value: object) -> bool:
    """``""`` (or blanks), ``null`` and an absent key all mean missing."""
    return value is None or (isinstance(value, str) and not value.strip())


def carries_value(value: object) -> bool:
    """A field counts as captured unless it is missing (``""``, blanks, ``null``) or an empty list or object."""
    return not is_missing(value) and value != [] and value != {}


def carried_fields(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields of a payload that ``carries_value``: text (nearly every field) tested inline, the rest by it."""
    return tuple(name for name, value in payload.items()
                 if (value.strip() != "" if value.__class__ is str else carries_value(value)))


def _scalar_text(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value).strip()


def _key_text(value: object) -> str | None:
    # Sources that number their records may send the id as a JSON integer; a fraction is no id.
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 to an aware UTC datetime; a timestamp without offset is taken as UTC."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _check_key(raw: Mapping[str, Any], source_systems: Collection[str], errors: list[FieldError]) -> tuple[str, str]:
    source_system = ""
    value = raw.get("source_system")
    if is_missing(value):
        errors.append(FieldError("source_system", "required", "source_system is required"))
    elif (text := _scalar_text(value)) is None or text.upper() not in source_systems:
        errors.append(FieldError(
            "source_system", "one_of", f"source_system must be one of {', '.join(sorted(source_systems))}",
        ))
    else:
        source_system = text.upper()

    source_record_id = ""
    value = raw.get("source_record_id")
    if is_missing(value):
        errors.append(FieldError("source_record_id", "required", "source_record_id is required"))
    elif (text := _key_text(value)) is None:
        errors.append(FieldError("source_record_id", "type", "source_record_id must be a string (or an integer)"))
    elif (error := text_error("source_record_id", text, MAX_ID_LENGTH)) is not None:
        errors.append(error)
    else:
        source_record_id = text
    return source_system, source_record_id


def _check_party_type(raw: Mapping[str, Any], errors: list[FieldError]) -> str:
    value = raw.get("party_type")
    if is_missing(value):
        errors.append(FieldError("party_type", "required", "party_type is required (person or organization)"))
        return ""
    text = _scalar_text(value)
    # Sources spell it their way (organisation, PP/PM for personne physique/morale): one canonical type.
    party_type = PARTY_TYPE_SPELLINGS.get(text.lower()) if text is not None else None
    if party_type is None:
        errors.append(FieldError("party_type", "one_of", "party_type must be person or organization"))
        return ""
    name_fields = PERSON_NAME_FIELDS if party_type == "person" else ORGANIZATION_NAME_FIELDS
    if all(is_missing(raw.get(field)) for field in name_fields):
        errors.append(FieldError(
            name_fields[0], "required_one_of",
            f"a {party_type} needs a name: one of {', '.join(name_fields)}",
        ))
    return party_type


def _check_optional_fields(raw: Mapping[str, Any], errors: list[FieldError]) -> tuple[str | None, str | None]:
    # An unknown product line is not a reason to lose a client: it stays in the payload for the journal to report.
    product_line = None
    value = raw.get("product_line")
    if not is_missing(value):
        if not isinstance(value, str):
            errors.append(FieldError("product_line", "type", "product_line must be a string"))
        elif (error := text_error("product_line", value, MAX_PRODUCT_LINE_LENGTH)) is not None:
            errors.append(error)
        elif value.strip().upper() in PRODUCT_LINES:
            product_line = value.strip().upper()

    point_of_sale = None
    value = raw.get("point_of_sale")
    if not is_missing(value):
        text = _scalar_text(value)
        if text is None:
            errors.append(FieldError("point_of_sale", "type", "point_of_sale must be a string"))
        elif (error := text_error("point_of_sale", text, MAX_POINT_OF_SALE_LENGTH)) is not None:
            errors.append(error)
        else:
            point_of_sale = text.upper()

    _check_values(raw, errors)
    _check_products(raw.get("products"), errors)
    return product_line, point_of_sale


def _check_values(raw: Mapping[str, Any], errors: list[FieldError]) -> None:
    """Text fields by their own limits, unknown fields by the bounds every kept value obeys."""
    extra_fields = 0
    for field, value in raw.items():
        limit = TEXT_FIELD_MAX_LENGTHS.get(field)
        if limit is None:
            if field not in _OWN_RULES:
                extra_fields += 1
                _check_extra_field(field, value, errors)
            continue
        if value.__class__ is str:
            # The common case, first: every field of every record goes through here.
            if (error := text_error(field, value, limit, field in FREE_TEXT_FIELDS)) is not None:
                errors.append(error)
        elif value is None or (field in COUNT_FIELDS and value.__class__ is int and value >= 0):
            continue
        else:
            errors.append(FieldError(field, "type", f"{field} must be a string, as the source captured it "
                                                    f"(not {_json_type(value)})"))
    if extra_fields > MAX_EXTRA_FIELDS:
        errors.append(FieldError("$", "max_fields", f"{extra_fields} unknown fields, at most {MAX_EXTRA_FIELDS}"))


def _check_products(products: object, errors: list[FieldError]) -> None:
    if products is None or products == "":
        return
    if not isinstance(products, list) or not all(isinstance(item, str) for item in products):
        errors.append(FieldError("products", "type", "products must be a list of product codes (strings)"))
    elif len(products) > MAX_PRODUCTS:
        errors.append(FieldError("products", "max_items", f"products holds at most {MAX_PRODUCTS} codes"))
    else:
        for index, code in enumerate(products):
            if (error := text_error(f"products[{index}]", code, MAX_PRODUCT_CODE_LENGTH)) is not None:
                errors.append(error)
                return


def _check_extra_field(field: str, value: object, errors: list[FieldError]) -> None:
    if (error := text_error("field name", field, MAX_EXTRA_NAME_LENGTH)) is not None:
        errors.append(FieldError(shown_name(field), error.rule, error.message))
        return
    if (error := _extra_value_error(field, value, 0)) is not None:
        errors.append(error)


def _extra_value_error(path: str, value: object, depth: int) -> FieldError | None:
    """The first bound a kept unknown value breaks: text length, control characters, names, nesting."""
    if value.__class__ is str:
        return text_error(path, str(value), MAX_EXTRA_TEXT_LENGTH, free_text=True)
    if isinstance(value, (dict, list)):
        if depth == MAX_EXTRA_DEPTH:
            return FieldError(path, "max_depth", f"{path} is nested deeper than {MAX_EXTRA_DEPTH} levels")
        if isinstance(value, list):
            children = ((f"{path}[{index}]", item) for index, item in enumerate(value))
        else:
            for name in value:
                if (error := text_error(f"{path} field name", name, MAX_EXTRA_NAME_LENGTH)) is not None:
                    return FieldError(f"{path}.{shown_name(name)}", error.rule, error.message)
            children = ((f"{path}.{name}", item) for name, item in value.items())
        for child_path, child in children:
            if (error := _extra_value_error(child_path, child, depth + 1)) is not None:
                return error
    return None


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _check_received_at(raw: Mapping[str, Any], errors: list[FieldError]) -> datetime | None:
    value = raw.get("received_at")
    if is_missing(value):
        return None
    if not isinstance(value, str):
        errors.append(FieldError("received_at", "iso8601", "received_at must be an ISO 8601 date-time string"))
        return None
    if len(value) > MAX_RECEIVED_AT_LENGTH:
        errors.append(FieldError("received_at", "max_length",
                                 f"received_at is longer than {MAX_RECEIVED_AT_LENGTH} characters"))
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        errors.append(FieldError("received_at", "iso8601", "received_at is not an ISO 8601 date-time"))
        return None


def canonical_content(payload: Mapping[str, Any], key: tuple[str, str], party_type: str) -> bytes:
    """What the record says, as canonical JSON: missing values and arrival metadata do not count."""
    content = {
        field: value for field, value in payload.items()
        if value is not None and value != [] and field not in NOT_CONTENT
        and (type(value) is not str or value.strip())
    }
    content["source_system"], content["source_record_id"] = key
    content["party_type"] = party_type
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


def content_hash(payload: Mapping[str, Any], key: tuple[str, str], party_type: str) -> str:
    """Hash of what the record says: missing values and arrival metadata do not count."""
    return _hash(canonical_content(payload, key, party_type))


def _hash(content: bytes) -> str:
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def validate_record(raw: object, source_systems: Collection[str]) -> IncomingRecord | list[FieldError]:
    """Check one raw record; answer the accepted record, or every broken rule at once."""
    if not isinstance(raw, dict):
        return [FieldError("$", "type", "a record must be a JSON object")]
    errors: list[FieldError] = []
    key = _check_key(raw, source_systems, errors)
    party_type = _check_party_type(raw, errors)
    product_line, point_of_sale = _check_optional_fields(raw, errors)
    received_at = _check_received_at(raw, errors)
    if errors:
        return errors
    content = canonical_content(raw, key, party_type)
    if len(content) > MAX_RECORD_BYTES:
        return [FieldError("$", "max_size", f"the record is {len(content):,} bytes of JSON, at most "
                                            f"{MAX_RECORD_BYTES:,}")]
    return IncomingRecord(
        source_system=key[0],
        source_record_id=key[1],
        party_type=party_type,
        product_line=product_line,
        point_of_sale=point_of_sale,
        received_at=received_at,
        payload_text=json_text(raw),
        carried_fields=carried_fields(raw),
        content_hash=_hash(content),
        key=key,
    )
