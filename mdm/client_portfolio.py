"""A client's portfolio: since when the company knows it, which networks serve it, the products it holds, its
MAGIX Fidélité card and its payment incidents, summed up per golden record (``golden_portfolio``) and per network
serving it (``golden_relationship``) from its records' current versions.

Survivorship reads those versions for every golden record it refreshes; the portfolio is computed from the same
versions there (``client_portfolio``) and stored with the attributes (``replace_portfolios``), so portfolio
reports count each client once without reading records. A record's network is its point of sale's, else its source
system's. Products, cards and incidents are optional fields (DESIGN §3): absent, they count as none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, delete
from sqlalchemy.orm import Session

from mdm.db import bulk_insert, one_of
from mdm.models import GoldenPortfolio, GoldenRelationship

_portfolio_table = cast(Table, GoldenPortfolio.__table__)
_relationship_table = cast(Table, GoldenRelationship.__table__)
PORTFOLIO_TABLES = (_portfolio_table, _relationship_table)
_CHUNK = 5000

PortfolioRows = tuple[dict[str, Any], list[dict[str, Any]]]
"""One client's ``golden_portfolio`` row and its ``golden_relationship`` rows."""


class Holding(NamedTuple):
    """What one record tells about its client's relation with the company. Received times are aware (UTC). A named
    tuple: a full run reads one per record, and a frozen dataclass costs four times more to build."""

    source_system: str
    source_record_id: str
    network: str
    point_of_sale: str | None
    first_received: datetime  # of the record's first version: when this record began
    last_received: datetime  # of its latest version
    products: frozenset[str]
    loyalty_card: bool
    payment_incidents: int


def read_holding(source_system: str, source_record_id: str, network: str, point_of_sale: str | None,
                 first_received: datetime, last_received: datetime, payload: Mapping[str, object]) -> Holding:
    return Holding(source_system, source_record_id, network, point_of_sale, first_received, last_received,
                   _products(payload.get("products")), _present(payload.get("loyalty_card")),
                   _count(payload.get("payment_incidents")))


def _products(value: object) -> frozenset[str]:
    """Product codes from a list, or from one text a source separates with commas or semicolons."""
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, list):
        return frozenset()
    return frozenset(code for item in value if isinstance(item, str | int) and (code := str(item).strip().upper()))


def _present(value: object) -> bool:
    return bool(value.strip()) if isinstance(value, str) else isinstance(value, int) and not isinstance(value, bool)


def _count(value: object) -> int:
    """A count sent as digits or as a number; anything else says nothing."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0


def full_years(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end`` (a 29 February start completes its years on 1 March)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def client_portfolio(golden_id: str, party_type: str, holdings: Sequence[Holding],
                     attributes: Mapping[str, Any] | None) -> PortfolioRows:
    """The portfolio rows of one client from its records (at least one) and its stored surviving attributes."""
    by_network: dict[str, list[Holding]] = {}
    for holding in holdings:
        by_network.setdefault(holding.network, []).append(holding)
    relationships = [_summary(holdings_of, party_type) | {"golden_id": golden_id, "network": network}
                     for network, holdings_of in sorted(by_network.items())]
    summary = _summary(holdings, party_type)
    recruiter = min(holdings, key=lambda h: (h.first_received, h.source_system, h.source_record_id))
    fields = (attributes or {}).get("fields", {})
    portfolio = summary | {
        "golden_id": golden_id, "city": _text(fields.get("city")), "legal_form": _text(fields.get("legal_form")),
        "years_active": full_years(summary["first_seen"], summary["last_seen"]),
        "recruiting_network": recruiter.network, "recruiting_point_of_sale": recruiter.point_of_sale,
        "networks": len(by_network), "network_set": " ".join(sorted(by_network)),
    }
    return portfolio, relationships


def _summary(holdings: Iterable[Holding], party_type: str) -> dict[str, Any]:
    """What these records say together (the columns both tables share)."""
    listed = list(holdings)
    return {
        "party_type": party_type,
        "first_seen": min(h.first_received for h in listed).date(),
        "last_seen": max(h.last_received for h in listed).date(),
        "records": len(listed),
        "products": len(frozenset().union(*(h.products for h in listed))),
        "loyalty_card": any(h.loyalty_card for h in listed),
        "payment_incidents": sum(h.payment_incidents for h in listed),
    }


def _text(chosen: Mapping[str, Any] | None) -> str | None:
    value = chosen.get("value") if chosen else None
    return value if isinstance(value, str) else None


def replace_portfolios(session: Session, golden_ids: Sequence[str], portfolios: Iterable[PortfolioRows]) -> None:
    """Replace the portfolio rows of these golden records (sorted) by the computed ones (a golden record without
    computed rows keeps none), in the caller's transaction. A golden record that is not stored yet has no rows to
    replace and need not be named."""
    forget_portfolios(session, golden_ids)
    computed = sorted(portfolios, key=lambda rows: rows[0]["golden_id"])
    bulk_insert(session, _portfolio_table, [portfolio for portfolio, _ in computed])
    bulk_insert(session, _relationship_table, [row for _, relationships in computed for row in relationships])


def forget_portfolios(session: Session, golden_ids: Collection[str]) -> None:
    """Remove the portfolio rows of these golden records (merged, retired, or about to be written again)."""
    ordered = sorted(golden_ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        for table in PORTFOLIO_TABLES:
            session.execute(delete(table).where(one_of(session, table.c.golden_id, chunk)))
