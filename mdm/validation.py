"""Ingest contract: what a source record must carry, and the canonical content behind its version hash."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from matching.standardise import PARTY_TYPES as PARTY_TYPE_SPELLINGS
from mdm.errors import FieldError

PRODUCT_LINES = frozenset({"DOMMAGE", "EPARGNE", "PREVOYANCE"})
MAX_ID_LENGTH = 128
MAX_POINT_OF_SALE_LENGTH = 64
MAX_VALUE_LENGTH = 1000

# Text fields of the record format (DESIGN §3); each must be a scalar when present.
TEXT_FIELDS = frozenset({
    "civility", "first_name", "last_name", "full_name", "birth_date", "id_type", "national_id",
    "phone", "phone_alt", "email", "address_line", "city", "postal_code",
    "company_name", "trade_name", "legal_form", "ice", "rc_number", "rc_court", "tax_id",
    "professional_tax_number", "contact_person", "loyalty_card", "payment_incidents",
})
PERSON_NAME_FIELDS = ("first_name", "last_name", "full_name")
ORGANIZATION_NAME_FIELDS = ("company_name", "trade_name")
# received_at says when, not what: a re-send of the same client data is the same version.
NOT_CONTENT = frozenset({"received_at"})


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    """A record that passed validation, with its identity and the hash of its content."""

    source_system: str
    source_record_id: str
    party_type: str
    product_line: str | None
    point_of_sale: str | None
    received_at: datetime | None
    payload: dict[str, Any]
    content_hash: str
    key: tuple[str, str]


def is_missing(value: object) -> bool:
    """``""`` (or blanks), ``null`` and an absent key all mean missing."""
    return value is None or (isinstance(value, str) and not value.strip())


def _scalar_text(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value).strip()


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
    elif (text := _scalar_text(value)) is None:
        errors.append(FieldError("source_record_id", "type", "source_record_id must be a string"))
    elif len(text) > MAX_ID_LENGTH:
        errors.append(FieldError(
            "source_record_id", "max_length", f"source_record_id is longer than {MAX_ID_LENGTH} characters",
        ))
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
        text = _scalar_text(value)
        if text is not None and text.upper() in PRODUCT_LINES:
            product_line = text.upper()

    point_of_sale = None
    value = raw.get("point_of_sale")
    if not is_missing(value):
        text = _scalar_text(value)
        if text is None:
            errors.append(FieldError("point_of_sale", "type", "point_of_sale must be a string"))
        elif len(text) > MAX_POINT_OF_SALE_LENGTH:
            errors.append(FieldError(
                "point_of_sale", "max_length",
                f"point_of_sale is longer than {MAX_POINT_OF_SALE_LENGTH} characters",
            ))
        else:
            point_of_sale = text.upper()

    for field in TEXT_FIELDS.intersection(raw):
        value = raw[field]
        if type(value) is str and len(value) <= MAX_VALUE_LENGTH:
            continue  # the common case, checked first because every record goes through here
        if is_missing(value):
            continue
        text = _scalar_text(value)
        if text is None:
            errors.append(FieldError(field, "type", f"{field} must be a string"))
        elif len(text) > MAX_VALUE_LENGTH:
            errors.append(FieldError(field, "max_length", f"{field} is longer than {MAX_VALUE_LENGTH} characters"))

    products = raw.get("products")
    if products is not None and products != "" and (
        not isinstance(products, list) or not all(isinstance(item, str) for item in products)
    ):
        errors.append(FieldError("products", "type", "products must be a list of product codes (strings)"))
    return product_line, point_of_sale


def _check_received_at(raw: Mapping[str, Any], errors: list[FieldError]) -> datetime | None:
    value = raw.get("received_at")
    if is_missing(value):
        return None
    if not isinstance(value, str):
        errors.append(FieldError("received_at", "iso8601", "received_at must be an ISO 8601 date-time string"))
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        errors.append(FieldError(
            "received_at", "iso8601", f"received_at {value!r} is not an ISO 8601 date-time",
        ))
        return None


def content_hash(payload: Mapping[str, Any], key: tuple[str, str], party_type: str) -> str:
    """Hash of what the record says: missing values and arrival metadata do not count."""
    content = {
        field: value for field, value in payload.items()
        if value is not None and value != [] and field not in NOT_CONTENT
        and (type(value) is not str or value.strip())
    }
    content["source_system"], content["source_record_id"] = key
    content["party_type"] = party_type
    digest = hashlib.blake2b(orjson.dumps(content, option=orjson.OPT_SORT_KEYS), digest_size=16)
    return digest.hexdigest()


def _nul_fields(value: object, path: str) -> list[str]:
    """Where a NUL character hides in the record (``path`` names ``value``): keys and values, nested ones too."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            found.extend([inner] if "\x00" in str(key) else _nul_fields(item, inner))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_nul_fields(item, f"{path}[{index}]"))
    return found


def _check_no_nul(raw: Mapping[str, Any], errors: list[FieldError]) -> None:
    # A NUL is never client data, and PostgreSQL can store it neither in text nor in JSON.
    for field in _nul_fields(raw, ""):
        errors.append(FieldError(field, "control_character", f"{field} holds a NUL character (U+0000)"))


def validate_record(raw: object, source_systems: Collection[str]) -> IncomingRecord | list[FieldError]:
    """Check one raw record; answer the accepted record, or every broken rule at once."""
    if not isinstance(raw, dict):
        return [FieldError("$", "type", "a record must be a JSON object")]
    errors: list[FieldError] = []
    key = _check_key(raw, source_systems, errors)
    party_type = _check_party_type(raw, errors)
    product_line, point_of_sale = _check_optional_fields(raw, errors)
    received_at = _check_received_at(raw, errors)
    _check_no_nul(raw, errors)
    if errors:
        return errors
    return IncomingRecord(
        source_system=key[0],
        source_record_id=key[1],
        party_type=party_type,
        product_line=product_line,
        point_of_sale=point_of_sale,
        received_at=received_at,
        payload=raw,
        content_hash=content_hash(raw, key, party_type),
        key=key,
    )
