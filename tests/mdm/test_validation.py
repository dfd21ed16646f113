"""The ingest contract, rule by rule (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from config import DEFAULT_SOURCE_SYSTEMS
from mdm.validation import IncomingRecord, validate_record

PERSON = {"source_system": "AGENT", "source_record_id": "AG1", "party_type": "person", "last_name": "ALAMI"}
COMPANY = {"source_system": "COURTIER", "source_record_id": "C1", "party_type": "organization",
           "company_name": "ATLAS TRANS SARL"}


def _errors(raw: Any) -> set[tuple[str, str]]:
    outcome = validate_record(raw, DEFAULT_SOURCE_SYSTEMS)
    return set() if isinstance(outcome, IncomingRecord) else {(e.field, e.rule) for e in outcome}


@pytest.mark.parametrize(("raw", "expected"), [
    (PERSON, set()),
    (COMPANY, set()),
    ({**PERSON, "last_name": None, "full_name": "ALAMI MOHAMED"}, set()),
    ({**COMPANY, "company_name": "", "trade_name": "ATLAS"}, set()),
    ({**PERSON, "source_system": "agent "}, set()),
    ({**PERSON, "party_type": "Organization", "company_name": "X SARL"}, set()),
    ({**PERSON, "source_system": "FAX"}, {("source_system", "one_of")}),
    ({**PERSON, "source_system": ""}, {("source_system", "required")}),
    ({k: v for k, v in PERSON.items() if k != "source_record_id"}, {("source_record_id", "required")}),
    ({**PERSON, "source_record_id": "x" * 129}, {("source_record_id", "max_length")}),
    ({**PERSON, "party_type": "robot"}, {("party_type", "one_of")}),
    ({**PERSON, "party_type": None}, {("party_type", "required")}),
    ({**PERSON, "last_name": "  "}, {("first_name", "required_one_of")}),
    ({**COMPANY, "company_name": None}, {("company_name", "required_one_of")}),
    ({**PERSON, "received_at": "yesterday"}, {("received_at", "iso8601")}),
    ({**PERSON, "received_at": "2024-13-01T00:00:00"}, {("received_at", "iso8601")}),
    ({**PERSON, "product_line": "AUTO"}, set()),
    ({**PERSON, "party_type": "PP"}, set()),
    ({**COMPANY, "party_type": "organisation"}, set()),
    ({**PERSON, "phone": {"number": "0661"}}, {("phone", "type")}),
    ({**PERSON, "email": "a" * 1001}, {("email", "max_length")}),
    ({**PERSON, "products": "AUTO"}, {("products", "type")}),
    ({**PERSON, "point_of_sale": "P" * 65}, {("point_of_sale", "max_length")}),
    (["not", "an", "object"], {("$", "type")}),
    ({}, {("source_system", "required"), ("source_record_id", "required"), ("party_type", "required")}),
])
def test_rules(raw: Any, expected: set[tuple[str, str]]) -> None:
    assert _errors(raw) == expected


def test_accepted_record_is_normalised_but_payload_kept_as_sent() -> None:
    raw = {**PERSON, "source_system": "agent", "point_of_sale": "ag-casa-01", "product_line": "epargne",
           "received_at": "2024-05-02T10:00:00+01:00", "agent_comment": "vu en agence"}
    record = validate_record(raw, DEFAULT_SOURCE_SYSTEMS)
    assert isinstance(record, IncomingRecord)
    assert record.key == ("AGENT", "AG1")
    assert record.point_of_sale == "AG-CASA-01"
    assert record.product_line == "EPARGNE"
    assert record.received_at == datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    assert orjson.loads(record.payload_text) == raw
    assert record.carried_fields == (*PERSON, "point_of_sale", "product_line", "received_at", "agent_comment")


@pytest.mark.parametrize("missing", [{"email": ""}, {"email": None}, {}, {"email": "   "}])
def test_three_forms_of_missing_give_the_same_content_hash(missing: dict[str, Any]) -> None:
    record = validate_record({**PERSON, **missing}, DEFAULT_SOURCE_SYSTEMS)
    assert isinstance(record, IncomingRecord)
    reference = validate_record(PERSON, DEFAULT_SOURCE_SYSTEMS)
    assert isinstance(reference, IncomingRecord)
    assert record.content_hash == reference.content_hash
    assert record.carried_fields == reference.carried_fields == tuple(PERSON)


def test_content_hash_ignores_arrival_time_but_not_content() -> None:
    first = validate_record({**PERSON, "received_at": "2024-01-01T00:00:00Z"}, DEFAULT_SOURCE_SYSTEMS)
    later = validate_record({**PERSON, "received_at": "2025-01-01T00:00:00Z"}, DEFAULT_SOURCE_SYSTEMS)
    changed = validate_record({**PERSON, "phone": "0661234567"}, DEFAULT_SOURCE_SYSTEMS)
    assert isinstance(first, IncomingRecord)
    assert isinstance(later, IncomingRecord)
    assert isinstance(changed, IncomingRecord)
    assert first.content_hash == later.content_hash
    assert first.content_hash != changed.content_hash


def test_party_type_spellings_and_unknown_product_lines_are_kept() -> None:
    record = validate_record({**PERSON, "party_type": "PP", "product_line": "AUTO"}, DEFAULT_SOURCE_SYSTEMS)
    assert isinstance(record, IncomingRecord)
    assert (record.party_type, record.product_line) == ("person", None)
    assert orjson.loads(record.payload_text)["product_line"] == "AUTO"


@pytest.mark.parametrize(("raw", "expected"), [
    ({**PERSON, "last_name": "A" * 200}, set()),
    ({**PERSON, "last_name": "A" * 201}, {("last_name", "max_length")}),
    ({**PERSON, "address_line": "x" * 501}, {("address_line", "max_length")}),
    ({**PERSON, "phone": "0" * 41}, {("phone", "max_length")}),
    ({**PERSON, "source_record_id": "x" * 128}, set()),
    ({**PERSON, "point_of_sale": "P" * 64}, set()),
    ({**PERSON, "received_at": "2024-01-01T00:00:00" + " " * 60}, {("received_at", "max_length")}),
    ({**PERSON, "product_line": "X" * 33}, {("product_line", "max_length")}),
    ({**PERSON, "first_name": "Kha\x00dija"}, {("first_name", "control_character")}),
    ({**PERSON, "last_name": "ALAMI\n"}, {("last_name", "control_character")}),
    ({**PERSON, "national_id": "BE\t123456"}, {("national_id", "control_character")}),
    ({**PERSON, "email": "a\x7fb@x.ma"}, {("email", "control_character")}),
    ({**PERSON, "city": "F\x85S"}, {("city", "control_character")}),
    ({**PERSON, "source_record_id": "AG\x001"}, {("source_record_id", "control_character")}),
    ({**PERSON, "point_of_sale": "AG\x1b01"}, {("point_of_sale", "control_character")}),
    ({**PERSON, "address_line": "12 RUE ATLAS\r\nAPPT 4\tMAARIF"}, set()),
    ({**PERSON, "address_line": "12 RUE\x00ATLAS"}, {("address_line", "control_character")}),
    ({**PERSON, "agent_comment": "rappeler\nlundi"}, set()),
    ({**PERSON, "agent_comment": "a\x00b"}, {("agent_comment", "control_character")}),
    ({**PERSON, "agent_comment": "x" * 1001}, {("agent_comment", "max_length")}),
    ({**PERSON, "a\x00b": "x"}, {("a\\u0000b", "control_character")}),
    ({**PERSON, "k" * 65: "x"}, {("k" * 64 + "…", "max_length")}),
    ({**PERSON, "extra": {"notes": ["ok", "bad\x00"]}}, {("extra.notes[1]", "control_character")}),
    ({**PERSON, "extra": {"a\x01": 1}}, {("extra.a\\u0001", "control_character")}),
    ({**PERSON, "extra": [[[["too deep"]]]]}, {("extra[0][0][0]", "max_depth")}),
    ({**PERSON, "extra": {"score": 3.5, "vip": True, "tags": ["a"]}}, set()),
    ({**PERSON, **{f"extra_{i}": "x" for i in range(50)}}, set()),
    ({**PERSON, **{f"extra_{i}": "x" for i in range(51)}}, {("$", "max_fields")}),
    ({**PERSON, **{f"extra_{i}": "x" * 1000 for i in range(40)}}, {("$", "max_size")}),
    ({**PERSON, "first_name": 123}, {("first_name", "type")}),
    ({**PERSON, "phone": 661234567}, {("phone", "type")}),
    ({**PERSON, "phone": 6.6e8}, {("phone", "type")}),
    ({**PERSON, "first_name": True}, {("first_name", "type")}),
    ({**PERSON, "last_name": ["ALAMI"]}, {("last_name", "type")}),
    ({**PERSON, "address_line": {"street": "RUE ATLAS"}}, {("address_line", "type")}),
    ({**PERSON, "payment_incidents": 2}, set()),
    ({**PERSON, "payment_incidents": -1}, {("payment_incidents", "type")}),
    ({**PERSON, "source_record_id": 12345}, set()),
    ({**PERSON, "source_record_id": 1.5}, {("source_record_id", "type")}),
    ({**PERSON, "product_line": 3}, {("product_line", "type")}),
    ({**PERSON, "products": ["AUTO"] * 51}, {("products", "max_items")}),
    ({**PERSON, "products": ["AUTO", "X\x00"]}, {("products[1]", "control_character")}),
])
def test_length_type_and_control_character_rules(raw: Any, expected: set[tuple[str, str]]) -> None:
    assert _errors(raw) == expected


def test_rejected_values_are_not_echoed_in_messages() -> None:
    outcome = validate_record({**PERSON, "received_at": "KHADIJA ALAMI 0661234567"}, DEFAULT_SOURCE_SYSTEMS)
    assert isinstance(outcome, list)
    assert all("0661234567" not in error.message for error in outcome)
