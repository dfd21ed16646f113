"""Portfolio and hub health indicators, checked against counts made here from the feed's own records and the links
the hub exports (members of each golden record), never through the portfolio tables."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import combinations
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate, list_points_of_sale
from config import DEFAULT_SOURCE_SYSTEMS
from mdm.db import downgrade_database, make_engine, transaction, upgrade_database
from mdm.hub_health import REPORTS as HEALTH
from mdm.models import GoldenPortfolio, GoldenRecord, GoldenRelationship, StewardshipTask
from mdm.movements import stint_rows
from mdm.portfolio import REPORTS as PORTFOLIO
from mdm.reports import TOTAL, ReportFilters, python_period_label
from mdm.resolution import resolve_all
from mdm.source_records import ingest_records
from tests.conftest import client_as
from tests.golden_scenarios import members_by_golden, send_online

SIZE, SEED = 500, 11
LOADED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
NETWORK_OF_POINT = {point.code: point.network for point in list_points_of_sale(SIZE, SEED)}
Key = tuple[str, str]


class Feed:
    """What the sources sent, record by record: every version in the order sent."""

    def __init__(self) -> None:
        self.versions: dict[Key, list[dict[str, Any]]] = {}

    def send(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            self.versions.setdefault((str(record["source_system"]), str(record["source_record_id"])), []).append(
                record)


@pytest.fixture(scope="module")
def feed(module_database_url: str) -> Feed:
    """What was sent to this backend's hub."""
    return Feed()


@pytest.fixture(scope="module")
def hub(module_sessions: sessionmaker[Session], feed: Feed) -> sessionmaker[Session]:
    records = [generated.record for generated in generate(SIZE, SEED)]
    feed.send(records)
    with transaction(module_sessions) as session:
        ingest_records(session, records, DEFAULT_SOURCE_SYSTEMS, LOADED)
    resolve_all(module_sessions, now=LOADED)
    return module_sessions


def _day(text: object) -> date:
    return datetime.fromisoformat(str(text)).astimezone(UTC).date() if "T" in str(text) else date.fromisoformat(
        str(text))


def _network(record: dict[str, Any]) -> str:
    return NETWORK_OF_POINT.get(str(record.get("point_of_sale") or ""), str(record["source_system"]))


def _products(record: dict[str, Any]) -> set[str]:
    return {str(code).strip().upper() for code in record.get("products") or []}


def _incidents(record: dict[str, Any]) -> int:
    value = str(record.get("payment_incidents") or "").strip()
    return int(value) if value.isdigit() else 0


def expected_clients(sessions: sessionmaker[Session], feed: Feed) -> dict[str, dict[str, Any]]:
    """Per active golden record, its portfolio as the feed and the exported links tell it."""
    with sessions() as session:
        golden = {row.id: row for row in session.scalars(select(GoldenRecord))}
    clients = {}
    for golden_id, keys in members_by_golden(sessions).items():
        versions = [feed.versions[key] for key in keys]
        current = [sent[-1] for sent in versions]
        first = min(range(len(keys)), key=lambda i: (_day(versions[i][0]["received_at"]), *keys[i]))
        networks: dict[str, list[int]] = defaultdict(list)
        for position, record in enumerate(current):
            networks[_network(record)].append(position)
        fields = (golden[golden_id].attributes or {}).get("fields", {})
        clients[golden_id] = {
            "party_type": golden[golden_id].party_type, "records": len(keys),
            "city": fields.get("city", {}).get("value"), "legal_form": fields.get("legal_form", {}).get("value"),
            "first_seen": min(_day(sent[0]["received_at"]) for sent in versions),
            "last_seen": max(_day(sent[-1]["received_at"]) for sent in versions),
            "recruiting_network": _network(current[first]),
            "network_set": " ".join(sorted(networks)),
            "products": len(set().union(*(_products(record) for record in current))),
            "loyalty_card": any(str(record.get("loyalty_card") or "").strip() for record in current),
            "payment_incidents": sum(_incidents(record) for record in current),
            "by_network": {network: {
                "products": len(set().union(*(_products(current[p]) for p in positions))),
                "loyalty_card": any(str(current[p].get("loyalty_card") or "").strip() for p in positions),
                "payment_incidents": sum(_incidents(current[p]) for p in positions), "records": len(positions),
            } for network, positions in networks.items()},
        }
    return clients


def stored_clients(sessions: sessionmaker[Session]) -> dict[str, dict[str, Any]]:
    """The portfolio tables, in the shape of ``expected_clients``."""
    with sessions() as session:
        relations: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for relation in session.scalars(select(GoldenRelationship)):
            relations[relation.golden_id][relation.network] = {
                "products": relation.products, "loyalty_card": relation.loyalty_card,
                "payment_incidents": relation.payment_incidents, "records": relation.records}
        return {row.golden_id: {
            "party_type": row.party_type, "records": row.records, "city": row.city, "legal_form": row.legal_form,
            "first_seen": row.first_seen, "last_seen": row.last_seen, "recruiting_network": row.recruiting_network,
            "network_set": row.network_set, "products": row.products, "loyalty_card": row.loyalty_card,
            "payment_incidents": row.payment_incidents, "by_network": dict(relations[row.golden_id]),
        } for row in session.scalars(select(GoldenPortfolio))}


def report(sessions: sessionmaker[Session], registry: dict[str, Any], name: str, **filters: Any,
           ) -> list[dict[str, Any]]:
    with sessions() as session:
        return list(registry[name](session, ReportFilters(**filters)).rows)


def test_every_active_client_has_the_portfolio_its_records_give(hub: sessionmaker[Session], feed: Feed) -> None:
    expected = expected_clients(hub, feed)
    assert len(expected) > 150
    assert stored_clients(hub) == expected
    # The feed exercises what is counted: several networks, products, cards and incidents.
    assert any(" " in client["network_set"] for client in expected.values())
    assert sum(client["loyalty_card"] for client in expected.values()) > 5
    assert sum(client["payment_incidents"] > 0 for client in expected.values()) > 5


def test_new_clients_per_month_by_recruiting_network(hub: sessionmaker[Session], feed: Feed) -> None:
    clients = expected_clients(hub, feed).values()
    wanted: dict[str, Counter[str]] = defaultdict(Counter)
    for client in clients:
        row = wanted[python_period_label(client["first_seen"], "month")]
        row[client["recruiting_network"]] += 1
        row[client["party_type"]] += 1
        row["clients"] += 1
    rows = report(hub, PORTFOLIO, "new-clients")
    assert [row["period"] for row in rows] == [*sorted(wanted), TOTAL]
    for row in rows[:-1]:
        assert {key: value for key, value in row.items() if value and key != "period"} == dict(wanted[row["period"]])
    assert rows[-1]["clients"] == len(clients)
    organisations = report(hub, PORTFOLIO, "new-clients", party_type="organization", grain="year")
    assert organisations[-1]["clients"] == sum(client["party_type"] == "organization" for client in clients)


def test_clients_by_type_and_legal_form(hub: sessionmaker[Session], feed: Feed) -> None:
    clients = list(expected_clients(hub, feed).values())
    rows = {row["segment"]: row["clients"] for row in report(hub, PORTFOLIO, "client-types")}
    types = Counter(client["party_type"] for client in clients)
    forms = Counter(client["legal_form"] or "unknown" for client in clients if client["party_type"] == "organization")
    assert rows == {**types, **{f"organization {form}": n for form, n in forms.items()}, TOTAL: len(clients)}


def test_clients_by_number_of_networks_and_shared_pairs(hub: sessionmaker[Session], feed: Feed) -> None:
    sets = [client["network_set"].split() for client in expected_clients(hub, feed).values()]
    numbers = Counter(f"{len(s)} network{'s' if len(s) > 1 else ''}" for s in sets)
    pairs = Counter(f"{a} + {b}" for s in sets for a, b in combinations(s, 2))
    rows = report(hub, PORTFOLIO, "multi-network-clients")
    assert {r["label"]: r["clients"] for r in rows if r["grouping"] == "networks"} == numbers
    assert {r["label"]: r["clients"] for r in rows if r["grouping"] == "pair"} == pairs
    assert pairs, "the feed has clients of several networks"


def test_equipment_by_client_type_and_city(hub: sessionmaker[Session], feed: Feed) -> None:
    clients = list(expected_clients(hub, feed).values())
    rows = report(hub, PORTFOLIO, "equipment")
    for row in rows:
        group = [c for c in clients if c["party_type"] == row["party_type"]
                 and (row["city"] == TOTAL or c["city"] == row["city"])]
        assert row["clients"] == len(group)
        assert row["products_per_client"] == round(sum(c["products"] for c in group) / len(group), 3)
        assert row["multi_equipped"] == round(sum(c["products"] >= 2 for c in group) / len(group), 4)
    assert {row["party_type"] for row in rows if row["city"] == TOTAL} == {c["party_type"] for c in clients}


def test_loyalty_cards_and_payment_incidents_by_network(hub: sessionmaker[Session], feed: Feed) -> None:
    clients = list(expected_clients(hub, feed).values())
    served: Counter[str] = Counter()
    cards: Counter[str] = Counter()
    incidents: Counter[str] = Counter()
    for client in clients:
        for network, relation in client["by_network"].items():
            served[network] += 1
            cards[network] += relation["loyalty_card"]
            incidents[network] += relation["payment_incidents"] > 0
    loyalty = {row["network"]: (row["clients"], row["card_holders"]) for row in report(hub, PORTFOLIO, "loyalty-cards")}
    assert loyalty == {**{n: (served[n], cards[n]) for n in served},
                       TOTAL: (len(clients), sum(c["loyalty_card"] for c in clients))}
    rows = report(hub, PORTFOLIO, "payment-incidents")
    assert {r["label"]: (r["clients"], r["with_incidents"]) for r in rows if r["grouping"] == "network"} == {
        n: (served[n], incidents[n]) for n in served}
    by_type = {r["label"]: (r["clients"], r["with_incidents"]) for r in rows if r["grouping"] == "client type"}
    for party_type in ("person", "organization"):
        group = [c for c in clients if c["party_type"] == party_type]
        assert by_type[party_type] == (len(group), sum(c["payment_incidents"] > 0 for c in group))


def test_retention_by_client_type(hub: sessionmaker[Session], feed: Feed) -> None:
    clients = list(expected_clients(hub, feed).values())
    end = date(2025, 12, 31)
    rows = {row["party_type"]: row for row in report(hub, PORTFOLIO, "retention", end=end)}
    for party_type in ("person", "organization"):
        for years in (1, 2, 3):
            cohort = [c for c in clients if c["party_type"] == party_type
                      and c["first_seen"] <= end.replace(year=end.year - years)]
            # A year is complete on its anniversary (29 February's on 1 March).
            kept = [c for c in cohort if (c["last_seen"].year - c["first_seen"].year - (
                (c["last_seen"].month, c["last_seen"].day) < (c["first_seen"].month, c["first_seen"].day))) >= years]
            assert (rows[party_type][f"clients_{years}y"], rows[party_type][f"retained_{years}y"]) == (
                len(cohort), len(kept))
    assert any(rows[t]["retained_1y"] for t in rows), "some clients come back a year later"


def _moves(sessions: sessionmaker[Session]) -> Iterator[tuple[str, Any]]:
    with sessions() as session:
        yield from ((golden_id, stint) for golden_id, stint in stint_rows(session) if stint.from_point_of_sale)


def test_movements_between_networks_and_by_reason(hub: sessionmaker[Session]) -> None:
    moves = list(_moves(hub))
    assert moves, "the feed has clients who moved"
    routes = Counter((NETWORK_OF_POINT.get(s.from_point_of_sale, "unknown"), s.network, s.reason) for _, s in moves)
    rows = report(hub, PORTFOLIO, "network-movements")
    assert {(r["from_network"], r["to_network"], r["reason"]): r["moves"] for r in rows} == routes
    by_year: dict[str, Counter[str]] = defaultdict(Counter)
    for _, stint in moves:
        by_year[python_period_label(stint.start_date, "year")][stint.reason] += 1
    rows = report(hub, HEALTH, "movements-by-reason", grain="year")
    assert {row["period"]: {k: v for k, v in row.items() if v and k not in ("period", "moves")} for row in rows} == {
        year: dict(counts) for year, counts in by_year.items()}


def test_golden_records_links_changes_and_runs(hub: sessionmaker[Session], feed: Feed) -> None:
    members = members_by_golden(hub)
    with hub() as session:
        party_of = {row.id: row.party_type for row in session.scalars(select(GoldenRecord))}
    rows = {row["party_type"]: row for row in report(hub, HEALTH, "golden-records")}
    sizes = Counter(len(keys) for keys in members.values())
    total = rows[TOTAL]
    assert total["active"] == len(members)
    assert (total["holding_1"], total["holding_2"], total["holding_3-5"]) == (
        sizes[1], sizes[2], sum(sizes[n] for n in range(3, 6)))
    assert total["records_per_golden"] == round(sum(len(k) for k in members.values()) / len(members), 3)
    assert rows["organization"]["active"] == sum(party_of[g] == "organization" for g in members)
    links = report(hub, HEALTH, "links")
    assert links[-1]["links"] == sum(len(keys) for keys in members.values()) == len(feed.versions)
    assert {row["how"] for row in links[:-1]} == {"full resolution"}
    changes = report(hub, HEALTH, "golden-changes", grain="month")
    assert changes == [{"period": "2026-01", "created": len(members), "merged": 0, "split": 0, "retired": 0,
                        "restored": 0}]
    runs = report(hub, HEALTH, "runs")
    assert [(run["records"], run["golden_records"], run["created"]) for run in runs] == [
        (len(feed.versions), len(members), len(members))]
    queue = report(hub, HEALTH, "stewardship-queue")
    with hub() as session:
        kinds = Counter(kind for kind, status in session.execute(select(StewardshipTask.kind, StewardshipTask.status))
                        if status == "open")
    assert Counter({row["kind"]: 0 for row in queue}) + Counter(
        {k: sum(r["open_tasks"] for r in queue if r["kind"] == k) for k in kinds}) == kinds


def test_the_migration_fills_the_portfolio_as_resolution_keeps_it(hub: sessionmaker[Session],
                                                                  module_database_url: str) -> None:
    kept = stored_clients(hub)
    engine = make_engine(module_database_url)
    downgrade_database(engine, "0012")
    upgrade_database(engine)
    engine.dispose()
    assert stored_clients(hub) == kept


def test_an_online_record_a_merge_and_a_split_keep_the_portfolio_in_step(
        hub: sessionmaker[Session], feed: Feed, module_app: Flask) -> None:
    members = members_by_golden(hub)
    target = next(g for g, keys in sorted(members.items(), key=lambda i: sorted(i[1])) if len(keys) >= 2)
    model = feed.versions[members[target][0]][-1]
    network = next(n for n in ("WEB", "BGD", "AGENT", "COURTIER") if n != model["source_system"])
    joining = {**model, "source_system": network, "source_record_id": "PORTFOLIO-1", "point_of_sale": None,
               "received_at": "2026-01-20T10:00:00+00:00", "products": ["NEW_PRODUCT"], "loyalty_card": "MGX 77",
               "payment_incidents": "2"}
    answer = client_as(module_app, "admin").post("/api/v1/records", json=joining)
    assert answer.status_code in (200, 201), answer.get_json()
    assert answer.get_json()["golden_id"] == target
    feed.send([joining])
    stored = stored_clients(hub)
    assert stored[target]["records"] == len(members[target]) + 1
    assert network in stored[target]["by_network"] and stored[target]["loyalty_card"]
    assert stored == expected_clients(hub, feed)

    single = next(g for g, keys in sorted(members.items(), key=lambda i: sorted(i[1]))
                  if len(keys) == 1 and g != target)
    absorbed = {**feed.versions[members[target][1]][-1], "source_system": members[single][0][0],
                "source_record_id": members[single][0][1], "received_at": "2026-02-01T10:00:00+00:00"}
    send_online(hub, [absorbed], datetime(2026, 2, 1, 10, tzinfo=UTC))
    feed.send([absorbed])
    stored = stored_clients(hub)
    assert single not in stored
    assert stored == expected_clients(hub, feed)

    source = next(g for g, keys in sorted(members.items(), key=lambda i: sorted(i[1]))
                  if len(keys) >= 3 and g != target)
    leaving_key = members[source][0]
    leaving = {**feed.versions[leaving_key][-1], "first_name": "Zacharie", "last_name": "Quenneville-Portfolio",
               "full_name": None, "national_id": "ZZ999111", "birth_date": "1931-07-15", "phone": "0612987001",
               "email": "zacharie.qp@example.org", "company_name": "QUENNEVILLE PORTFOLIO ZX", "ice": None,
               "rc_number": None, "tax_id": None, "received_at": "2026-02-02T10:00:00+00:00"}
    send_online(hub, [leaving], datetime(2026, 2, 2, 10, tzinfo=UTC))
    feed.send([leaving])
    after = members_by_golden(hub)
    new = next(g for g, keys in after.items() if leaving_key in keys)
    assert new != source and new not in stored
    stored = stored_clients(hub)
    assert stored[source]["records"] == len(members[source]) - 1 and new in stored
    assert stored == expected_clients(hub, feed)
    changes = report(hub, HEALTH, "golden-changes")
    assert changes[0]["merged"] >= 1 and changes[0]["created"] == len(members) + 1
