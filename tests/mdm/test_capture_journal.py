"""The capture journal and its reports: every count checked against the feed's own records, counted here."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import DEFAULT_SOURCE_SYSTEMS
from mdm.activity_journal import REPORTS as ACTIVITY_REPORTS
from mdm.capture_journal import (
    JOURNAL_TABLES,
    field_month_table,
    fold_capture_journal,
    journal_key,
    unknown_field_month_table,
)
from mdm.capture_quality import REPORTS as QUALITY_REPORTS
from mdm.db import downgrade_database, make_engine, transaction, upgrade_database
from mdm.field_spec import configured_field_spec
from mdm.points_of_sale import update_point_of_sale
from mdm.reports import ReportFilters, ReportTable
from mdm.resolution import resolve_all
from mdm.source_records import ingest_records, retract_record
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_schema,
    drop_postgres_schema,
    journal_state,
    postgres_schema_url,
)

# The record format of DESIGN §3, written out here so the unknown fields are told apart independently.
FORMAT_FIELDS = {
    "source_system", "source_record_id", "point_of_sale", "received_at", "party_type", "product_line", "civility",
    "first_name", "last_name", "full_name", "birth_date", "id_type", "national_id", "phone", "phone_alt", "email",
    "address_line", "city", "postal_code", "company_name", "trade_name", "legal_form", "ice", "rc_number",
    "rc_court", "tax_id", "professional_tax_number", "contact_person", "loyalty_card", "payment_incidents",
    "products",
}
MODIFIED_AT = "2025-11-03T10:00:00Z"
RETRACTED_AT = datetime(2025, 12, 1, 8, 30, tzinfo=UTC)
MOVED_NETWORK = "BANCASSURANCE"  # a point of sale handed to another network after the feed was captured


@dataclass(frozen=True)
class Expected:
    """One capture as this test reads it from the records it sent."""

    kind: str  # created | modified | retracted
    day: date
    network: str
    point_of_sale: str
    product_line: str
    party_type: str
    payload: dict[str, Any] | None


def _feed() -> list[dict[str, Any]]:
    records = [g.record for g in generate(400, seed=11)]
    # Without a product line, with a field outside the format, and with empty values in every missing form.
    records[0] = {**records[0], "product_line": None, "code_parrain": "P-17", "email": "  ", "phone": None}
    records[1] = {**records[1], "products": [], "code_parrain": ""}
    records[2].pop("product_line", None)
    return records


def _carries(value: object) -> bool:
    return value is not None and value != [] and value != {} and not (isinstance(value, str) and not value.strip())


def _expected_capture(kind: str, record: dict[str, Any], day: date) -> Expected:
    # Every point of sale of the synthetic feed belongs to the network of the source that captures for it.
    return Expected(kind, day, record["source_system"], record["point_of_sale"], record.get("product_line") or "",
                    record["party_type"], record if kind != "retracted" else None)


def _send(sessions: sessionmaker[Session]) -> list[Expected]:
    """Load the feed, then modify, re-send unchanged, retract and reject, the way sources do; answer what the
    journal must count."""
    records = _feed()
    rejected = [{"source_system": "AGENT"}, {"source_record_id": "X", "party_type": "person"}, "not a record"]
    with transaction(sessions) as session:
        ingest_records(session, [*records[:200], *rejected], DEFAULT_SOURCE_SYSTEMS)
    with transaction(sessions) as session:
        ingest_records(session, records[200:], DEFAULT_SOURCE_SYSTEMS)
    expected = [_expected_capture("created", r, date.fromisoformat(r["received_at"][:10])) for r in records]

    modified = [{**r, "phone": "0661000000", "received_at": MODIFIED_AT} for r in records[10:30]]
    resent = [dict(r) for r in records[30:50]] + [{**r, "received_at": MODIFIED_AT} for r in records[50:60]]
    with transaction(sessions) as session:
        ingest_records(session, [*modified, *resent, *rejected], DEFAULT_SOURCE_SYSTEMS)
    expected += [_expected_capture("modified", r, date(2025, 11, 3)) for r in modified]

    retracted = records[25:35]  # some were modified first
    with transaction(sessions) as session:
        for record in retracted:
            retract_record(session, record["source_system"], record["source_record_id"], now=RETRACTED_AT)
        retract_record(session, retracted[0]["source_system"], retracted[0]["source_record_id"], now=RETRACTED_AT)
    expected += [_expected_capture("retracted", r, RETRACTED_AT.date()) for r in retracted]
    return expected


@pytest.fixture(scope="module")
def hub(module_sessions: sessionmaker[Session]) -> list[Expected]:
    expected = _send(module_sessions)
    # The journal is history: a point of sale that later changes network keeps its past captures where they were.
    moved = expected[0].point_of_sale
    with transaction(module_sessions) as session:
        update_point_of_sale(session, moved, {"network": MOVED_NETWORK}, datetime.now(UTC))
    return expected


def run_report(sessions: sessionmaker[Session], name: str, **filters: Any) -> ReportTable:
    reports = {**ACTIVITY_REPORTS, **QUALITY_REPORTS}
    with sessions() as session:
        return reports[name](session, ReportFilters(**filters))


def _report(sessions: sessionmaker[Session], name: str, **filters: Any) -> list[dict[str, Any]]:
    return run_report(sessions, name, **filters).rows


def _select(expected: list[Expected], *, network: str | None = None, point_of_sale: str | None = None,
            party_type: str | None = None, start: date | None = None, end: date | None = None,
            monthly: bool = False) -> list[Expected]:
    def month(day: date) -> date:
        return day.replace(day=1) if monthly else day

    return [e for e in expected if (network is None or e.network == network)
            and (point_of_sale is None or e.point_of_sale == point_of_sale)
            and (party_type is None or e.party_type == party_type)
            and (start is None or month(e.day) >= month(start)) and (end is None or month(e.day) <= month(end))]


def _activity(expected: list[Expected], period: Any = None) -> dict[tuple[Any, ...], dict[str, int]]:
    counts: dict[tuple[Any, ...], dict[str, int]] = defaultdict(Counter)
    for e in expected:
        key = (e.network, e.product_line or None, e.party_type)
        counts[(period(e.day), *key) if period else key][e.kind] += 1
    return {key: {kind: tally[kind] for kind in ("created", "modified", "retracted")} for key, tally in counts.items()}


def _activity_rows(rows: list[dict[str, Any]], grain: bool = False) -> dict[tuple[Any, ...], dict[str, int]]:
    names = ("period", "network", "product_line", "party_type") if grain else ("network", "product_line", "party_type")
    return {tuple(row[name] for name in names): {kind: row[kind] for kind in ("created", "modified", "retracted")}
            for row in rows}


def test_activity_counts_creations_modifications_and_retractions(
    module_sessions: sessionmaker[Session], hub: list[Expected],
) -> None:
    kinds = Counter(e.kind for e in hub)
    # Unchanged re-sends and rejected items count nothing; a second retraction of the same record neither.
    assert kinds == {"created": 400, "modified": 20, "retracted": 10}
    assert _activity_rows(_report(module_sessions, "activity")) == _activity(hub)


@pytest.mark.parametrize("filters", [
    {"network": "COURTIER"}, {"party_type": "organization"},
    {"start": date(2020, 3, 15), "end": date(2022, 6, 2)}, {"end": date(2019, 12, 31), "network": "agent"},
])
def test_activity_honours_its_filters(
    module_sessions: sessionmaker[Session], hub: list[Expected], filters: dict[str, Any],
) -> None:
    wanted = {**filters, "network": filters["network"].upper()} if "network" in filters else filters
    assert _activity_rows(_report(module_sessions, "activity", **filters)) == _activity(_select(hub, **wanted))


@pytest.mark.parametrize(("grain", "period"), [
    ("month", lambda day: day.strftime("%Y-%m")), ("year", lambda day: str(day.year)),
    ("quarter", lambda day: f"{day.year}-Q{(day.month + 2) // 3}"),
])
def test_activity_by_period(module_sessions: sessionmaker[Session], hub: list[Expected], grain: str,
                            period: Any) -> None:
    rows = _report(module_sessions, "activity", grain=grain)
    assert _activity_rows(rows, grain=True) == _activity(hub, period)
    assert [row["period"] for row in rows] == sorted(row["period"] for row in rows)


def test_a_point_of_sale_filter_reads_whole_months(module_sessions: sessionmaker[Session], hub: list[Expected]) -> None:
    point_of_sale = Counter(e.point_of_sale for e in hub).most_common(1)[0][0]
    start, end = date(2018, 5, 20), date(2023, 2, 3)
    table = ACTIVITY_REPORTS["activity"]
    with module_sessions() as session:
        answer = table(session, ReportFilters(start=start, end=end, point_of_sale=point_of_sale.lower()))
    assert answer.note is not None and "whole months" in answer.note
    assert _activity_rows(answer.rows) == _activity(
        _select(hub, point_of_sale=point_of_sale, start=start, end=end, monthly=True))


def _split(expected: list[Expected], dimension: Any) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for e in expected:
        for label in (dimension(e), "TOTAL"):
            if e.kind == "retracted":
                counts[label]["retracted"] += 1
            else:
                counts[label][f"{e.kind}_{e.party_type}"] += 1
    return {label: dict(tally) for label, tally in counts.items()}


SPLIT_COUNTS = ("created_person", "created_organization", "modified_person", "modified_organization", "retracted")


def _split_rows(rows: list[dict[str, Any]], dimension: str) -> dict[str, dict[str, int]]:
    return {row[dimension]: {name: row[name] for name in SPLIT_COUNTS if row[name]} for row in rows}


def test_activity_by_network_splits_persons_and_organisations_with_shares(
    module_sessions: sessionmaker[Session], hub: list[Expected],
) -> None:
    rows = _report(module_sessions, "activity-by-network")
    assert [row["network"] for row in rows] == ["AGENT", "COURTIER", "BGD", "BANCASSURANCE", "WEB", "TOTAL"]
    assert _split_rows(rows, "network") == _split(hub, lambda e: e.network)
    total = rows[-1]
    for row in rows[:-1]:
        assert row["created_person_share"] == round(row["created_person"] / total["created_person"], 4)
        assert row["modified_organization_share"] == (
            round(row["modified_organization"] / total["modified_organization"], 4)
            if total["modified_organization"] else None)
    assert total["created_person_share"] == 1.0


def test_the_journal_keeps_the_network_at_capture(module_sessions: sessionmaker[Session], hub: list[Expected]) -> None:
    moved = hub[0].point_of_sale
    rows = _report(module_sessions, "activity-by-point-of-sale", point_of_sale=moved)
    assert {row["network"] for row in rows} == {hub[0].network, "TOTAL"}


def test_activity_by_product_line_has_a_row_for_captures_without_one(
    module_sessions: sessionmaker[Session], hub: list[Expected],
) -> None:
    rows = _report(module_sessions, "activity-by-product-line", party_type="person")
    assert [row["product_line"] for row in rows] == ["DOMMAGE", "EPARGNE", "PREVOYANCE", "(none)", "TOTAL"]
    persons = _select(hub, party_type="person")
    assert _split_rows(rows, "product_line") == _split(persons, lambda e: e.product_line or "(none)")


def test_activity_by_point_of_sale_ranks_the_whole_window_even_when_asked_per_month(
    module_sessions: sessionmaker[Session], hub: list[Expected],
) -> None:
    table = run_report(module_sessions, "activity-by-point-of-sale", network="WEB", grain="month")
    web = _select(hub, network="WEB")
    expected = _split(web, lambda e: e.point_of_sale)
    del expected["TOTAL"]
    assert {row["point_of_sale"]: {name: row[name] for name in SPLIT_COUNTS if row[name]}
            for row in table.rows if row["network"] != "TOTAL"} == expected
    assert "period" not in table.rows[0] and "not split by period" in (table.note or "")


def _missing(expected: list[Expected], party_type: str, field: str) -> tuple[int, int]:
    captures = [e for e in expected if e.kind != "retracted" and e.party_type == party_type]
    return sum(1 for e in captures if not _carries((e.payload or {}).get(field))), len(captures)


@pytest.mark.parametrize("filters", [{}, {"network": "BGD", "end": date(2021, 6, 30)}, {"party_type": "person"}])
def test_missing_fields_against_the_specification(
    module_sessions: sessionmaker[Session], hub: list[Expected], filters: dict[str, Any],
) -> None:
    rows = _report(module_sessions, "missing-fields", **filters)
    selected = _select(hub, **filters, monthly=True)
    spec = configured_field_spec()
    party_types = [filters["party_type"]] if "party_type" in filters else ["person", "organization"]
    assert {(row["party_type"], row["field"]): (row["missing"], row["total"]) for row in rows} == {
        (party_type, field): _missing(selected, party_type, field)
        for party_type in party_types for field, _ in spec.requirements(party_type)}
    for party_type in party_types:  # mandatory fields first, worst share first
        of_type = [row for row in rows if row["party_type"] == party_type]
        order = [(row["requirement"] != "mandatory", -(row["share"] or 0)) for row in of_type]
        assert order == sorted(order)


def test_points_of_sale_that_capture_badly(module_sessions: sessionmaker[Session], hub: list[Expected]) -> None:
    spec = configured_field_spec()
    groups: dict[tuple[str, str, str], list[Expected]] = defaultdict(list)
    for e in hub:
        if e.kind != "retracted":
            groups[(e.network, e.point_of_sale, e.party_type)].append(e)
    rows = _report(module_sessions, "missing-fields-by-point-of-sale")
    counted = {(row["network"], row["point_of_sale"], row["party_type"]): row for row in rows}
    assert set(counted) == set(groups)
    for key, captures in groups.items():
        missing = {field: sum(1 for e in captures if not _carries((e.payload or {}).get(field)))
                   for field in spec.mandatory(key[2])}
        row = counted[key]
        assert (row["captures"], row["missing_mandatory"]) == (len(captures), sum(missing.values()))
        worst = max(missing.values())
        assert missing[row["most_missing_field"]] == worst if worst else row["most_missing_field"] is None
    ratios = [row["missing_per_capture"] for row in rows]
    assert ratios == sorted(ratios, reverse=True)


def test_unknown_fields_name_the_networks_that_send_them(
    module_sessions: sessionmaker[Session], hub: list[Expected],
) -> None:
    carried: dict[str, Counter[str]] = defaultdict(Counter)
    for e in hub:
        for field, value in (e.payload or {}).items():
            if field not in FORMAT_FIELDS and _carries(value):
                carried[field][e.network] += 1
    rows = _report(module_sessions, "unknown-fields")
    assert "code_parrain" in carried
    assert {row["field"]: (row["captures"], set(row["networks"].split(", "))) for row in rows} == {
        field: (sum(networks.values()), set(networks)) for field, networks in carried.items()}


def test_the_field_tables_hold_a_row_only_where_fields_were_captured(
    module_sessions: sessionmaker[Session], hub: list[Expected],
) -> None:
    captured = [((e.day.replace(day=1), e.network, e.point_of_sale, e.party_type), e.payload)
                for e in hub if e.payload is not None]
    unknown = {(*key, field) for key, payload in captured for field, value in payload.items()
               if field not in FORMAT_FIELDS and _carries(value)}
    with module_sessions() as session:
        rows = {tuple(row) for row in session.execute(
            select(*(field_month_table.c[name] for name in journal_key(field_month_table))))}
        unknown_rows = {tuple(row) for row in session.execute(
            select(*(unknown_field_month_table.c[name] for name in journal_key(unknown_field_month_table))))}
    assert rows == {key for key, _ in captured}
    assert unknown_rows == unknown


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'journal.sqlite3'}")
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("MDM_TEST_POSTGRES_URL is not set")
    schema = create_postgres_schema()
    engine = make_engine(postgres_schema_url(schema))
    yield engine
    engine.dispose()
    drop_postgres_schema(schema)


def _rows_per_key(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return [max(connection.execute(select(func.count()).select_from(table)
                                       .group_by(*(table.c[name] for name in journal_key(table)))).scalars())
                for table in JOURNAL_TABLES]


def test_the_migration_fills_the_journal_as_online_upkeep_does(fresh_engine: Engine) -> None:
    upgrade_database(fresh_engine)
    _send(sessionmaker(bind=fresh_engine))
    online = journal_state(fresh_engine)
    assert all(online)
    downgrade_database(fresh_engine, "0012")  # a hub from before the journal, holding the same versions
    upgrade_database(fresh_engine)
    assert journal_state(fresh_engine) == online
    # The key constraint of the journal's first revisions holds once the rows are folded.
    downgrade_database(fresh_engine, "0017")
    assert journal_state(fresh_engine) == online and _rows_per_key(fresh_engine) == [1, 1, 1, 1]


def test_folding_leaves_one_row_per_key_and_every_report_as_it_was(fresh_engine: Engine) -> None:
    upgrade_database(fresh_engine)
    sessions = sessionmaker(bind=fresh_engine)
    _send(sessions)
    reports = {**ACTIVITY_REPORTS, **QUALITY_REPORTS}
    grains = (None, "month", "day")

    def every_report() -> list[list[dict[str, Any]]]:
        return [_report(sessions, name, grain=grain) for name in reports for grain in grains]

    before, summed = every_report(), journal_state(fresh_engine)
    # Each write appended its own row per key: the feed's months and days came back in later writes.
    assert all(rows > 1 for rows in _rows_per_key(fresh_engine)[:3])
    with transaction(sessions) as session:
        fold_capture_journal(session)
    assert _rows_per_key(fresh_engine) == [1, 1, 1, 1]
    assert journal_state(fresh_engine) == summed
    assert every_report() == before
    with transaction(sessions) as session:  # a second fold finds nothing to fold
        fold_capture_journal(session)
    assert journal_state(fresh_engine) == summed


def test_a_full_run_folds_the_journal_with_the_same_sums(fresh_engine: Engine) -> None:
    upgrade_database(fresh_engine)
    sessions = sessionmaker(bind=fresh_engine)
    _send(sessions)
    summed = journal_state(fresh_engine)
    assert all(rows > 1 for rows in _rows_per_key(fresh_engine)[:3])
    summary = resolve_all(sessions)
    assert summary.golden_records > 0
    assert _rows_per_key(fresh_engine) == [1, 1, 1, 1]
    assert journal_state(fresh_engine) == summed
