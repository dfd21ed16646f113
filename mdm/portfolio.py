"""Portfolio indicators: the marketing questions about clients, each client counted once (golden records).

Who the company recruits, where and when; which client types make up the portfolio and which stay; how many
networks serve a client; how clients move between networks; how well equipped they are and where; which network
hands out loyalty cards and which one sees payment incidents. Read from the portfolio summaries kept in step by
resolution (``mdm.client_portfolio``) and from the point-of-sale stints (``mdm.movements``).

Clients counted by a stock indicator are those active in the period: recruited by its end and seen since its
start. Their products, card and incidents are those their records state now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from itertools import combinations
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from mdm.clock import utc_now
from mdm.models import GoldenPortfolio, GoldenRelationship, PointOfSale, PointOfSaleStint
from mdm.reports import (
    NETWORKS,
    PARTY_TYPES,
    PERIOD,
    TOTAL,
    Chart,
    Column,
    ReportFilters,
    ReportTable,
    period_label,
    share,
)

Portfolio = GoldenPortfolio
Relationship = GoldenRelationship
RETENTION_YEARS = (1, 2, 3)
TOP_CITIES = 10
NO_GRAIN = "the period grouping does not apply: the table describes clients, not events"
NO_POINT_OF_SALE = ("the point-of-sale filter does not apply: a network's relation with a client spans its points "
                    "of sale")


def _served_by_point_of_sale(point_of_sale: str) -> ColumnElement[bool]:
    """Clients a point of sale serves or served (one of their stints is there)."""
    return Portfolio.golden_id.in_(select(PointOfSaleStint.golden_id)
                                   .where(PointOfSaleStint.point_of_sale == point_of_sale))


def _filtered(filters: ReportFilters, first_seen: Any, last_seen: Any, party_type: Any,
              network: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    """Rows active in the period (first seen by its end, last seen since its start), of the party type, and
    meeting ``network`` when a network is asked for."""
    conditions: list[ColumnElement[bool]] = []
    if filters.end:
        conditions.append(first_seen <= filters.end)
    if filters.start:
        conditions.append(last_seen >= filters.start)
    if filters.party_type:
        conditions.append(party_type == filters.party_type)
    if filters.network:
        conditions.append(network)
    return conditions


def _client_conditions(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Clients active in the period, of the party type, served by the network and the point of sale asked for."""
    conditions = _filtered(filters, Portfolio.first_seen, Portfolio.last_seen, Portfolio.party_type,
                           Portfolio.golden_id.in_(select(Relationship.golden_id)
                                                   .where(Relationship.network == filters.network)))
    if filters.point_of_sale:
        conditions.append(_served_by_point_of_sale(filters.point_of_sale))
    return conditions


def _relationship_conditions(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Relations of a network with a client, active in the period, of the party type and network asked for."""
    return _filtered(filters, Relationship.first_seen, Relationship.last_seen, Relationship.party_type,
                     Relationship.network == filters.network)


def _notes(*notes: str | None) -> str | None:
    return "; ".join(note for note in notes if note) or None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def new_clients(session: Session, filters: ReportFilters) -> ReportTable:
    """New clients per period (month unless another grain is asked for), by recruiting network and party type."""
    grain = filters.grain or "month"
    period = period_label(Portfolio.first_seen, grain, _dialect(session)).label("period")
    # Recruited in the period: first seen within it.
    conditions = _filtered(filters, Portfolio.first_seen, Portfolio.first_seen, Portfolio.party_type,
                           Portfolio.recruiting_network == filters.network)
    if filters.point_of_sale:
        conditions.append(Portfolio.recruiting_point_of_sale == filters.point_of_sale)
    counts = session.execute(
        select(period, Portfolio.recruiting_network, Portfolio.party_type, func.count())
        .where(*conditions).group_by(period, Portfolio.recruiting_network, Portfolio.party_type))
    rows: dict[str, dict[str, Any]] = {}
    totals = _zero_row("period", TOTAL)
    for label, network, party_type, clients in counts:
        row = rows.setdefault(label, _zero_row("period", label))
        for target in (row, totals):
            target[network if network in NETWORKS else "other"] += clients
            target[party_type if party_type in PARTY_TYPES else "other"] += clients
            target["clients"] += clients
    ordered = [rows[label] for label in sorted(rows)]
    return ReportTable(
        "new-clients", "New clients by recruiting network",
        (PERIOD, *(Column(n, n.title(), "count") for n in NETWORKS),
         Column("person", "Persons", "count"), Column("organization", "Organisations", "count"),
         Column("clients", "New clients", "count")),
        [*ordered, totals] if ordered else [],
        Chart("period", NETWORKS), _notes(
            "a client is new on the day its earliest record was received, recruited by that record's network "
            "(and point of sale)"), replace(filters, grain=grain))


def _zero_row(label_column: str, label: str) -> dict[str, Any]:
    return {label_column: label, **dict.fromkeys((*NETWORKS, "other", *PARTY_TYPES), 0), "clients": 0}


def client_types(session: Session, filters: ReportFilters) -> ReportTable:
    """Clients by party type and, for organisations, by legal form."""
    counts = session.execute(
        select(Portfolio.party_type, Portfolio.legal_form, func.count()).where(*_client_conditions(filters))
        .group_by(Portfolio.party_type, Portfolio.legal_form)).all()
    whole = sum(clients for _, _, clients in counts)
    by_type: Counter[str] = Counter()
    forms: Counter[tuple[str, str]] = Counter()
    for party_type, legal_form, clients in counts:
        by_type[party_type] += clients
        if party_type == "organization":
            forms[(party_type, legal_form or "unknown")] += clients
    rows = []
    for party_type in sorted(by_type, key=lambda t: -by_type[t]):
        rows.append({"segment": party_type, "party_type": party_type, "legal_form": None,
                     "clients": by_type[party_type], "share": share(by_type[party_type], whole)})
        for (_, form), clients in sorted(((k, v) for k, v in forms.items() if k[0] == party_type),
                                         key=lambda item: (-item[1], item[0])):
            rows.append({"segment": f"{party_type} {form}", "party_type": party_type, "legal_form": form,
                         "clients": clients, "share": share(clients, whole)})
    if rows:
        rows.append({"segment": TOTAL, "party_type": None, "legal_form": None, "clients": whole, "share": 1.0})
    return ReportTable(
        "client-types", "Clients by type (and legal form)",
        (Column("segment", "Client type"), Column("party_type", "Party type"), Column("legal_form", "Legal form"),
         Column("clients", "Clients", "count"), Column("share", "Share of clients", "share")),
        rows, Chart("segment", ("clients",)), _notes(NO_GRAIN if filters.grain else None), filters)


def multi_network_clients(session: Session, filters: ReportFilters) -> ReportTable:
    """Clients by the number of networks serving them, and the pairs of networks that share most clients."""
    counts = session.execute(select(Portfolio.network_set, func.count()).where(*_client_conditions(filters))
                             .group_by(Portfolio.network_set)).all()
    whole = sum(clients for _, clients in counts)
    by_number: Counter[int] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for network_set, clients in counts:
        networks = network_set.split()
        by_number[len(networks)] += clients
        for pair in combinations(networks, 2):  # the set is sorted: each pair in one order
            pairs[pair] += clients
    rows: list[dict[str, Any]] = [
        {"grouping": "networks", "label": f"{number} network{'s' if number > 1 else ''}", "clients": clients,
         "share": share(clients, whole)} for number, clients in sorted(by_number.items())]
    rows += [{"grouping": "pair", "label": f"{a} + {b}", "clients": clients, "share": share(clients, whole)}
             for (a, b), clients in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))]
    return ReportTable(
        "multi-network-clients", "Clients served by several networks",
        (Column("grouping", "Grouping"), Column("label", "Networks"), Column("clients", "Clients", "count"),
         Column("share", "Share of clients", "share")),
        rows, Chart("label", ("clients",)), _notes(NO_GRAIN if filters.grain else None), filters)


def network_movements(session: Session, filters: ReportFilters) -> ReportTable:
    """Moves of clients from one network to another (or within one), by reason, in the period."""
    origin = aliased(PointOfSale)
    from_network = func.coalesce(origin.network, literal("unknown")).label("from_network")
    columns: list[Any] = [from_network, PointOfSaleStint.network.label("to_network"), PointOfSaleStint.reason]
    if filters.grain:
        columns.insert(0, period_label(PointOfSaleStint.start_date, filters.grain, _dialect(session)).label("period"))
    query = (select(*columns, func.count(), func.count(func.distinct(PointOfSaleStint.golden_id)))
             .outerjoin(origin, origin.code == PointOfSaleStint.from_point_of_sale)
             .where(*move_conditions(filters), or_(*(
                 [origin.network == filters.network, PointOfSaleStint.network == filters.network]
                 if filters.network else [literal(True)])))
             .group_by(*columns))
    if filters.party_type:
        query = query.join(Portfolio, Portfolio.golden_id == PointOfSaleStint.golden_id).where(
            Portfolio.party_type == filters.party_type)
    rows = []
    for *labels, moves, clients in session.execute(query):
        row = dict(zip(["period"] * bool(filters.grain) + ["from_network", "to_network", "reason"], labels,
                       strict=True))
        rows.append({**row, "route": f"{row['from_network']} > {row['to_network']}", "moves": moves,
                     "clients": clients})
    rows.sort(key=lambda r: (r.get("period") or "", -r["moves"], r["route"], r["reason"]))
    period_column = (PERIOD,) if filters.grain else ()
    return ReportTable(
        "network-movements", "Client movements between networks",
        (*period_column, Column("route", "Route"), Column("from_network", "From network"),
         Column("to_network", "To network"), Column("reason", "Reason"), Column("moves", "Moves", "count"),
         Column("clients", "Clients", "count")),
        rows, Chart("route", ("moves",)), _notes(
            "a move is a new point of sale taking over a client's line of service, dated by its first record there",
            "the network filter keeps moves from or to it; the point-of-sale filter, moves from or to it"
            if filters.network or filters.point_of_sale else None), filters)


def move_conditions(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Moves (stints taking over from another point of sale) in the period, from or to the point of sale."""
    conditions: list[ColumnElement[bool]] = [PointOfSaleStint.from_point_of_sale.is_not(None)]
    if filters.start:
        conditions.append(PointOfSaleStint.start_date >= filters.start)
    if filters.end:
        conditions.append(PointOfSaleStint.start_date <= filters.end)
    if filters.point_of_sale:
        conditions.append(or_(PointOfSaleStint.point_of_sale == filters.point_of_sale,
                              PointOfSaleStint.from_point_of_sale == filters.point_of_sale))
    return conditions


def equipment(session: Session, filters: ReportFilters) -> ReportTable:
    """Products held per client by client type, and in the cities with most clients of each type."""
    grouped = session.execute(
        select(Portfolio.party_type, Portfolio.city, func.count(), func.sum(Portfolio.products),
               func.sum(case((Portfolio.products >= 1, 1), else_=0)),
               func.sum(case((Portfolio.products >= 2, 1), else_=0)))
        .where(*_client_conditions(filters)).group_by(Portfolio.party_type, Portfolio.city)).all()
    totals: dict[str, list[int]] = {}
    cities: dict[str, list[tuple[str, list[int]]]] = {}
    for party_type, city, *numbers in grouped:
        counts = [int(n or 0) for n in numbers]
        total = totals.setdefault(party_type, [0, 0, 0, 0])
        for position, value in enumerate(counts):
            total[position] += value
        if city is not None:
            cities.setdefault(party_type, []).append((city, counts))
    rows = []
    for party_type in sorted(totals, key=lambda t: -_average(totals[t])):
        rows.append(_equipment_row(party_type, TOTAL, totals[party_type]))
        biggest = sorted(cities.get(party_type, []), key=lambda item: (-item[1][0], item[0]))[:TOP_CITIES]
        rows += [_equipment_row(party_type, city, counts)
                 for city, counts in sorted(biggest, key=lambda item: (-_average(item[1]), item[0]))]
    return ReportTable(
        "equipment", "Products held per client, by client type and city",
        (Column("party_type", "Client type"), Column("city", "City"), Column("clients", "Clients", "count"),
         Column("products_per_client", "Products per client", "number"),
         Column("equipped", "With a product", "share"), Column("multi_equipped", "With 2+ products", "share")),
        rows, Chart("city", ("products_per_client",)), _notes(
            f"per client type: all its clients ({TOTAL}), then its {TOP_CITIES} cities with most clients, best "
            "equipped first; a client's city is its surviving address city",
            NO_GRAIN if filters.grain else None), filters)


def _average(counts: Sequence[int]) -> float:
    return counts[1] / counts[0] if counts[0] else 0.0


def _equipment_row(party_type: str, city: str, counts: Sequence[int]) -> dict[str, Any]:
    clients, products, equipped, multi = counts
    return {"party_type": party_type, "city": city, "clients": clients,
            "products_per_client": round(products / clients, 3) if clients else None,
            "equipped": share(equipped, clients), "multi_equipped": share(multi, clients)}


def _by_network(session: Session, filters: ReportFilters, flag: ColumnElement[bool],
                ) -> list[tuple[str, int, int, int]]:
    """Per network: (network, clients, clients with the flag, incidents it reports)."""
    return [(network, clients, int(flagged or 0), int(incidents or 0)) for network, clients, flagged, incidents
            in session.execute(
                select(Relationship.network, func.count(), func.sum(case((flag, 1), else_=0)),
                       func.sum(Relationship.payment_incidents))
                .where(*_relationship_conditions(filters)).group_by(Relationship.network))]


def _by_client_type(session: Session, filters: ReportFilters, flag: ColumnElement[bool],
                    ) -> list[tuple[str, int, int, int]]:
    """Per party type, each client once: (party type, clients, clients with the flag, incidents)."""
    return [(party_type, clients, int(flagged or 0), int(incidents or 0)) for party_type, clients, flagged, incidents
            in session.execute(
                select(Portfolio.party_type, func.count(), func.sum(case((flag, 1), else_=0)),
                       func.sum(Portfolio.payment_incidents))
                .where(*_client_conditions(replace(filters, point_of_sale=None))).group_by(Portfolio.party_type))]


def loyalty_cards(session: Session, filters: ReportFilters) -> ReportTable:
    """Clients holding a MAGIX Fidélité card, by the network their card was stated through."""
    per_network = _by_network(session, filters, Relationship.loyalty_card.is_(True))
    by_type = _by_client_type(session, filters, Portfolio.loyalty_card.is_(True))
    clients, holders = sum(row[1] for row in by_type), sum(row[2] for row in by_type)
    rows = [{"network": network, "clients": served, "card_holders": flagged, "share": share(flagged, served)}
            for network, served, flagged, _ in sorted(per_network, key=lambda r: (-r[2], r[0]))]
    if rows:
        rows.append({"network": TOTAL, "clients": clients, "card_holders": holders, "share": share(holders, clients)})
    return ReportTable(
        "loyalty-cards", "MAGIX Fidélité cards by network",
        (Column("network", "Network"), Column("clients", "Clients", "count"),
         Column("card_holders", "Card holders", "count"), Column("share", "Share of the network's clients", "share")),
        rows, Chart("network", ("card_holders",)), _notes(
            "a network's card holders are its clients whose records from that network state a card; the total "
            "counts each client once", NO_POINT_OF_SALE if filters.point_of_sale else None,
            NO_GRAIN if filters.grain else None), filters)


def payment_incidents(session: Session, filters: ReportFilters) -> ReportTable:
    """The share of clients with payment incidents, by the network reporting them and by client type."""
    per_network = _by_network(session, filters, Relationship.payment_incidents > 0)
    rows: list[dict[str, Any]] = [
        {"grouping": "network", "label": network, "clients": served, "with_incidents": flagged,
         "share": share(flagged, served), "incidents": incidents}
        for network, served, flagged, incidents in sorted(per_network, key=lambda r: (-(r[2] / r[1]), r[0]))]
    typed = _by_client_type(session, filters, Portfolio.payment_incidents > 0)
    rows += [{"grouping": "client type", "label": party_type, "clients": clients, "with_incidents": flagged,
              "share": share(flagged, clients), "incidents": incidents}
             for party_type, clients, flagged, incidents in sorted(typed, key=lambda r: (-(r[2] / r[1]), r[0]))]
    if typed:
        whole, flagged_clients = sum(r[1] for r in typed), sum(r[2] for r in typed)
        rows.append({"grouping": "client type", "label": TOTAL, "clients": whole, "with_incidents": flagged_clients,
                     "share": share(flagged_clients, whole), "incidents": sum(r[3] for r in typed)})
    return ReportTable(
        "payment-incidents", "Payment incidents by network and client type",
        (Column("grouping", "Grouping"), Column("label", "Network or client type"),
         Column("clients", "Clients", "count"), Column("with_incidents", "With incidents", "count"),
         Column("share", "Share with incidents", "share"), Column("incidents", "Incidents", "count")),
        rows, Chart("label", ("share",)), _notes(
            "by network: incidents its own records report", NO_POINT_OF_SALE if filters.point_of_sale else None,
            NO_GRAIN if filters.grain else None), filters)


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for a 29 February that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def retention(session: Session, filters: ReportFilters) -> ReportTable:
    """Per client type, of the clients recruited at least N years before the end date, the share still active N
    years on (a record received at least N years after the first)."""
    end = filters.end or utc_now().date()
    base = _client_conditions(replace(filters, start=None, end=None))
    if filters.start:
        base.append(Portfolio.first_seen >= filters.start)
    rows: dict[str, dict[str, Any]] = {}
    for years in RETENTION_YEARS:
        counts = session.execute(
            select(Portfolio.party_type, func.count(), func.sum(case((Portfolio.years_active >= years, 1), else_=0)))
            .where(*base, Portfolio.first_seen <= years_before(end, years)).group_by(Portfolio.party_type))
        for party_type, clients, retained in counts:
            row = rows.setdefault(party_type, {"party_type": party_type})
            row[f"clients_{years}y"] = clients
            row[f"retained_{years}y"] = int(retained or 0)
            row[f"share_{years}y"] = share(int(retained or 0), clients)
    ordered = [{**{f"{kind}_{years}y": 0 for years in RETENTION_YEARS for kind in ("clients", "retained")},
                **dict.fromkeys(f"share_{years}y" for years in RETENTION_YEARS), **rows[t]}
               for t in sorted(rows)]
    columns = [Column("party_type", "Client type")]
    for years in RETENTION_YEARS:
        span = f"{years} year{'' if years == 1 else 's'}"
        columns += [Column(f"clients_{years}y", f"Recruited {span}+ before", "count"),
                    Column(f"retained_{years}y", f"Active after {span}", "count"),
                    Column(f"share_{years}y", f"Retained after {span}", "share")]
    return ReportTable(
        "retention", "Client retention by client type", tuple(columns), ordered,
        Chart("party_type", tuple(f"share_{years}y" for years in RETENTION_YEARS)), _notes(
            f"cohorts: clients recruited (from the start date) at least N years before {end.isoformat()}; active "
            "after N years: a record received N years or more after its first, at any date",
            NO_GRAIN if filters.grain else None), replace(filters, end=end))


REPORTS: dict[str, Callable[[Session, ReportFilters], ReportTable]] = {
    "new-clients": new_clients,
    "client-types": client_types,
    "multi-network-clients": multi_network_clients,
    "network-movements": network_movements,
    "equipment": equipment,
    "loyalty-cards": loyalty_cards,
    "payment-incidents": payment_incidents,
    "retention": retention,
}
