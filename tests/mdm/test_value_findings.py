"""Value findings: placeholders by rule and by frequency and invalid values, kept per current record version by both
resolution paths and counted by network, point of sale, party type and field. Expectations are written by hand from
the records below, never read back from the findings table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from config import DEFAULT_SOURCE_SYSTEMS
from mdm.db import transaction
from mdm.models import PlaceholderValueUse, RecordFinding, SourceRecord
from mdm.reports import TOTAL, ReportFilters
from mdm.resolution import resolve_all, resolve_changed
from mdm.source_records import ingest_records, retract_record
from mdm.value_findings import REPORTS

JANUARY, MARCH = datetime(2025, 1, 10, 9, 0, tzinfo=UTC), datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
SHARED_EMAIL = "contact.agence@gmail.com"  # typed for eight different clients: a placeholder by frequency
SHARED_MAILBOX = "contactagence@gmail.com"  # how matching reads it (Gmail ignores dots)
RULE, FREQUENCY, INVALID = "placeholder_rule", "placeholder_frequency", "invalid"
FIRST_NAMES = ["HABIBA", "YOUSSEF", "KARIM", "SALMA", "NADIA", "OMAR", "RACHID", "LEILA", "MEHDI", "SANAA",
               "HICHAM", "AMINA", "TARIK", "ZINEB", "BILAL", "HOUDA", "ANAS", "IMANE", "SAMIR", "WAFAE"]
LAST_NAMES = ["ENNAJI", "BENNANI", "ALAOUI", "TAZI", "FASSI", "IDRISSI", "CHRAIBI", "BERRADA", "SQALLI", "KETTANI",
              "LAHLOU", "BENJELLOUN", "SEBTI", "OUAZZANI", "TAHIRI", "MANSOURI", "ZIANI", "AMRANI", "HAJJI", "RAMI"]
# Mobile numbers of no recognisable pattern: none is a placeholder, each held by one client.
PHONES = [f"066{n}" for n in ("1873940", "2937481", "3048572", "4159683", "5260794", "6371805", "7482916", "8593027",
                              "9604138", "1715249", "2826350", "3937461", "4048579", "5159680", "6260791", "7371802",
                              "8482913", "9593024", "1604135", "2715246")]
Expected = frozenset[tuple[str, str, str | None, str | None]]  # (field, kind, rule, value)


def _person(index: int, **fields: str) -> dict[str, Any]:
    return {"party_type": "person", "first_name": FIRST_NAMES[index], "last_name": LAST_NAMES[index],
            "birth_date": f"{1 + index:02d}/05/19{60 + index}", "phone": PHONES[index], "city": "CASABLANCA",
            **fields}


def _company(index: int, **fields: str) -> dict[str, Any]:
    return {"party_type": "organization", "company_name": f"{LAST_NAMES[index]} NEGOCE SARL",
            "phone": PHONES[index], "city": "RABAT", **fields}


ABROAD = {"birth_date": "12/05/1887", "postal_code": "TQ13 8DF"}
ABROAD_FINDINGS = frozenset({("birth_date", INVALID, "birth_date_outside_window", None),
                             ("postal_code", INVALID, "not_a_moroccan_postal_code", None)})
# (source system, record id, point of sale, received, payload, the findings it must carry)
HUB: list[tuple[str, str, str | None, datetime, dict[str, Any], Expected]] = [
    ("AGENT", "A1", "AGT-Q1", JANUARY, _person(0), frozenset()),
    ("AGENT", "A2", "AGT-Q1", JANUARY, _person(1, phone="0600000000"), frozenset({("phone", RULE, None, None)})),
    ("AGENT", "A3", "AGT-Q1", MARCH, _person(2, email="nc@nc.com"), frozenset({("email", RULE, None, None)})),
    ("AGENT", "A4", "AGT-Q1", MARCH, _person(3, phone="06123"),
     frozenset({("phone", INVALID, "not_a_phone_number", None)})),
    ("AGENT", "A5", "AGT-Q2", JANUARY, _person(4, birth_date="01/01/1900"),
     frozenset({("birth_date", RULE, None, None)})),
    ("AGENT", "A6", "AGT-Q2", MARCH, _person(5, id_type="CIN", national_id="12345X"),
     frozenset({("national_id", INVALID, "malformed_document_number", None)})),
    ("AGENT", "A7", "AGT-Q2", MARCH, _person(6, birth_date="31/02/1985", phone="0600000000"),
     frozenset({("birth_date", INVALID, "impossible_date", None), ("phone", RULE, None, None)})),
    ("COURTIER", "C1", "CRT-Q1", JANUARY, _company(7, ice="001561191000067"),
     frozenset({("ice", INVALID, "ice_check_digits", None)})),
    ("COURTIER", "C2", "CRT-Q1", MARCH, _company(8, ice="12345"),
     frozenset({("ice", INVALID, "ice_not_15_digits", None)})),
    ("COURTIER", "C3", "CRT-Q1", MARCH, _company(9, ice="001561191000066"), frozenset()),
    # A client born abroad long ago, living in England: both values are kept as evidence and reported.
    ("COURTIER", "C4", "CRT-Q1", JANUARY, _person(10, **ABROAD), ABROAD_FINDINGS),
    # A broker's record captured at an agency counts under the agency's network.
    ("COURTIER", "C5", "AGT-Q1", MARCH, _person(11, email="xx@xx.xx"), frozenset({("email", RULE, None, None)})),
    # The same clients again in another network: pairs the model is trained on.
    ("BGD", "B1", "BGD-Q1", JANUARY, _person(0), frozenset()),
    ("BGD", "B2", "BGD-Q1", MARCH, _person(10, **ABROAD), ABROAD_FINDINGS),
    ("BGD", "B3", "BGD-Q1", MARCH, _person(1, phone="0600000000"), frozenset({("phone", RULE, None, None)})),
    ("BANCASSURANCE", "K1", "BNK-Q1", JANUARY, _company(9, ice="001561191000066"), frozenset()),
    ("BANCASSURANCE", "K2", "BNK-Q1", JANUARY, _company(7, ice="001561191000067"),
     frozenset({("ice", INVALID, "ice_check_digits", None)})),
] + [
    ("WEB", f"W{index}", None, JANUARY if index < 16 else MARCH, _person(index, email=SHARED_EMAIL),
     frozenset({("email", FREQUENCY, "email", SHARED_MAILBOX)}))
    for index in range(12, 20)
]
NETWORK = {"AGT-Q1": "AGENT", "AGT-Q2": "AGENT", "CRT-Q1": "COURTIER", "BGD-Q1": "BGD", "BNK-Q1": "BANCASSURANCE"}
PLACEHOLDER_KINDS = (RULE, FREQUENCY)


def _feed() -> list[dict[str, Any]]:
    return [{"source_system": system, "source_record_id": key, "received_at": received.isoformat(),
             **({"point_of_sale": point_of_sale} if point_of_sale else {}), **payload}
            for system, key, point_of_sale, received, payload, _ in HUB]


def _load(sessions: sessionmaker[Session]) -> None:
    """Stored in January's order (the agency first names AGT-Q1) and consolidated in full: the model is trained on
    these records, so it finds the shared e-mail."""
    with transaction(sessions) as session:
        ingest_records(session, _feed(), DEFAULT_SOURCE_SYSTEMS, JANUARY)
    resolve_all(sessions, now=MARCH)


@pytest.fixture(scope="module")
def hub(module_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    _load(module_sessions)
    return module_sessions


def _report(sessions: sessionmaker[Session], name: str, **filters: Any) -> list[dict[str, Any]]:
    with sessions() as session:
        return REPORTS[name](session, ReportFilters(**filters)).rows


def _in_scope(start: date | None = None, network: str | None = None, party_type: str | None = None,
              point_of_sale: str | None = None) -> Iterator[tuple[str, str | None, str, Expected]]:
    """(network, point of sale, party type, findings) of the hub's records the filters keep."""
    for system, _, record_point_of_sale, received, payload, findings in HUB:
        record_network = NETWORK.get(record_point_of_sale or "", system)
        if (start and received.date() < start) or (network and record_network != network) or (
                party_type and payload["party_type"] != party_type) or (
                point_of_sale and record_point_of_sale != point_of_sale):
            continue
        yield record_network, record_point_of_sale, payload["party_type"], findings


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4)


SCOPES = [{}, {"start": date(2025, 3, 1)}, {"network": "AGENT"}, {"party_type": "person"},
          {"point_of_sale": "AGT-Q1"}]


@pytest.mark.parametrize("scope", SCOPES)
def test_placeholders_count_records_by_party_type_and_field(hub: sessionmaker[Session], scope: dict[str, Any]) -> None:
    records = Counter(party for _, _, party, _ in _in_scope(**scope))
    by_rule: Counter[tuple[str, str]] = Counter()
    by_frequency: Counter[tuple[str, str]] = Counter()
    either: Counter[tuple[str, str]] = Counter()
    for _, _, party, findings in _in_scope(**scope):
        placeholders = {(field, kind) for field, kind, _, _ in findings if kind in PLACEHOLDER_KINDS}
        for field in {field for field, _ in placeholders}:
            by_rule[party, field] += (field, RULE) in placeholders
            by_frequency[party, field] += (field, FREQUENCY) in placeholders
            either[party, field] += 1
        if placeholders:
            by_rule[party, TOTAL] += any(kind == RULE for _, kind in placeholders)
            by_frequency[party, TOTAL] += any(kind == FREQUENCY for _, kind in placeholders)
            either[party, TOTAL] += 1
    expected = {key: (by_rule[key], by_frequency[key], count, _share(count, records[key[0]]), records[key[0]])
                for key, count in either.items()}

    rows = _report(hub, "placeholders", **scope)

    assert {(row["party_type"], row["field"]): (row["by_rule"], row["by_frequency"], row["records"], row["share"],
                                                row["current_records"]) for row in rows} == expected
    if scope in ({}, {"start": date(2025, 3, 1)}):  # the hub as designed
        assert expected[("person", "email")][:3] == ((2, 8, 10) if not scope else (2, 4, 6))


def test_invalid_values_count_records_by_field_and_rule(hub: sessionmaker[Session]) -> None:
    records = Counter(party for _, _, party, _ in _in_scope())
    counted: Counter[tuple[str, str, str | None]] = Counter()
    for _, _, party, findings in _in_scope():
        invalid = {(field, rule) for field, kind, rule, _ in findings if kind == INVALID}
        counted.update((party, field, rule) for field, rule in invalid)
        counted[party, TOTAL, None] += bool(invalid)
    expected = {key: (count, _share(count, records[key[0]])) for key, count in counted.items() if count}

    rows = _report(hub, "invalid-values")

    assert {(row["party_type"], row["field"], row["rule"]): (row["records"], row["share"]) for row in rows} == expected
    assert {("organization", "ice", "ice_check_digits"), ("organization", "ice", "ice_not_15_digits"),
            ("person", "phone", "not_a_phone_number"), ("person", "birth_date", "impossible_date"),
            ("person", "birth_date", "birth_date_outside_window"),
            ("person", "postal_code", "not_a_moroccan_postal_code")} <= set(expected)


def test_placeholder_values_list_the_values_the_model_found_shared(hub: sessionmaker[Session]) -> None:
    rows = _report(hub, "placeholder-values")

    assert rows[0] == {"feature": "email", "field": "email", "value": SHARED_MAILBOX, "records": 8}
    assert [row["value"] for row in _report(hub, "placeholder-values", start=date(2025, 3, 1))
            if row["records"]] == [SHARED_MAILBOX]
    assert _report(hub, "placeholder-values", start=date(2025, 3, 1))[0]["records"] == 4


@pytest.mark.parametrize("scope", SCOPES)
def test_findings_by_point_of_sale_put_the_worst_first(hub: sessionmaker[Session], scope: dict[str, Any]) -> None:
    counts: dict[tuple[str, str | None], list[int]] = {}
    fields: dict[tuple[str, str | None], Counter[str]] = {}
    for record_network, point_of_sale, _, findings in _in_scope(**scope):
        key = (record_network, point_of_sale)
        total = counts.setdefault(key, [0, 0, 0, 0])
        total[0] += 1
        total[1] += bool(findings)
        total[2] += any(kind in PLACEHOLDER_KINDS for _, kind, _, _ in findings)
        total[3] += any(kind == INVALID for _, kind, _, _ in findings)
        fields.setdefault(key, Counter()).update({field for field, _, _, _ in findings})

    rows = _report(hub, "findings-by-point-of-sale", **scope)

    assert {(row["network"], row["point_of_sale"]): [row["current_records"], row["records"], row["placeholders"],
                                                     row["invalid"]] for row in rows} == counts
    shares = [row["share"] for row in rows]
    assert shares == sorted(shares, reverse=True)
    for row in rows:  # the field wrong in most records; of equals, the first by name
        wrong = fields[row["network"], row["point_of_sale"]]
        most = max(wrong.values(), default=0)
        worst = min((field for field, count in wrong.items() if count == most), default=None)
        assert (row["worst_field"], row["worst_field_records"]) == (worst, most)
    if not scope:  # the hub as designed: every client of the web shares one e-mail
        assert (rows[0]["network"], rows[0]["point_of_sale"], rows[0]["share"]) == ("WEB", None, 1.0)


def test_a_period_groups_records_by_the_month_their_current_version_came(hub: sessionmaker[Session]) -> None:
    records: Counter[tuple[str, str]] = Counter()
    invalid: Counter[tuple[str, str]] = Counter()
    for _, _, _, received, payload, findings in HUB:
        month = received.strftime("%Y-%m")
        records[month, payload["party_type"]] += 1
        invalid[month, payload["party_type"]] += any(kind == INVALID for _, kind, _, _ in findings)

    rows = _report(hub, "invalid-values", grain="month")

    assert {(row["period"], row["party_type"]): (row["records"], row["current_records"])
            for row in rows if row["field"] == TOTAL} == {key: (count, records[key]) for key, count in invalid.items()
                                                          if count}
    with hub() as session:  # a ranking by point of sale says it is not split by period
        ranking = REPORTS["findings-by-point-of-sale"](session, ReportFilters(grain="month"))
    assert ranking.rows == _report(hub, "findings-by-point-of-sale") and "not grouped by period" in (ranking.note or "")


def _stored_findings(sessions: sessionmaker[Session]) -> set[tuple[str, str, int, str, str, str | None, str | None]]:
    """(record, source, version, field, kind, rule, value) as stored: the flags of each field found wrong, and the
    values found by frequency."""
    stored: set[tuple[str, str, int, str, str, str | None, str | None]] = set()
    with sessions() as session:
        versions = {}
        for key, system, version, field, by_rule, invalid, rule in session.execute(
            select(SourceRecord.source_record_id, RecordFinding.source_system, RecordFinding.version,
                   RecordFinding.field, RecordFinding.placeholder_rule, RecordFinding.invalid, RecordFinding.rule)
            .join(SourceRecord, SourceRecord.id == RecordFinding.record_id)
            .where(RecordFinding.field != "*")):
            versions[key] = version
            stored.update({(key, system, version, field, RULE, None, None)} if by_rule else set())
            stored.update({(key, system, version, field, INVALID, rule, None)} if invalid else set())
        for key, system, field, feature, value in session.execute(
            select(SourceRecord.source_record_id, PlaceholderValueUse.source_system, PlaceholderValueUse.field,
                   PlaceholderValueUse.feature, PlaceholderValueUse.value)
            .join(SourceRecord, SourceRecord.id == PlaceholderValueUse.record_id)):
            stored.add((key, system, versions[key], field, FREQUENCY, feature, value))
    return stored


def _expected_findings() -> set[tuple[str, str, int, str, str, str | None, str | None]]:
    return {(key, system, 1, *finding) for system, key, _, _, _, findings in HUB for finding in findings}


def test_online_and_batch_resolution_write_the_same_findings(sessions: sessionmaker[Session]) -> None:
    _load(sessions)
    batch = _stored_findings(sessions)
    with transaction(sessions) as session:
        session.execute(delete(RecordFinding))
        session.execute(delete(PlaceholderValueUse))
        resolve_changed(session, set(session.scalars(select(SourceRecord.id))), MARCH)

    assert batch == _stored_findings(sessions) == _expected_findings()


def test_a_fixed_value_and_a_retraction_remove_the_findings(sessions: sessionmaker[Session]) -> None:
    _load(sessions)
    fixed = {**_feed()[1], "phone": "0677493021"}  # A2's placeholder phone replaced by a real number
    still_wrong = {**_feed()[6], "phone": "0677493022"}  # A7 keeps its impossible birth date
    with transaction(sessions) as session:
        stored = ingest_records(session, [fixed, still_wrong], DEFAULT_SOURCE_SYSTEMS, MARCH)
        retracted = retract_record(session, "AGENT", "A3", MARCH)
        resolve_changed(session, {result.record_id for result in [*stored, retracted] if result.record_id}, MARCH)

    expected = {row for row in _expected_findings() if row[0] not in {"A2", "A3", "A7"}}
    expected.add(("A7", "AGENT", 2, "birth_date", INVALID, "impossible_date", None))
    assert _stored_findings(sessions) == expected
    rows = _report(sessions, "findings-by-point-of-sale", network="AGENT")
    assert {row["point_of_sale"]: (row["current_records"], row["records"]) for row in rows} == {
        "AGT-Q1": (4, 2), "AGT-Q2": (3, 3)}
