"""Points of sale: reference data created on first sight in a record and editable afterwards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mdm.audit import SYSTEM_ACTOR, AuditEntry, append_events
from mdm.clock import as_utc
from mdm.errors import InvalidInput, NotFound
from mdm.models import PointOfSale
from mdm.text_rules import text_error

_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}
POINT_OF_SALE_UPDATED = "point_of_sale.updated"
# The columns' lengths: what an edit may write.
EDITABLE_MAX_LENGTHS = {"network": 32, "city": 128, "name": 256}


@dataclass(frozen=True, slots=True)
class PointOfSaleView:
    code: str
    network: str
    city: str | None
    name: str | None
    created_at: datetime
    updated_at: datetime


def _view(row: PointOfSale) -> PointOfSaleView:
    return PointOfSaleView(row.code, row.network, row.city, row.name, as_utc(row.created_at), as_utc(row.updated_at))


def ensure_points_of_sale(session: Session, networks_by_code: Mapping[str, str], now: datetime) -> dict[str, str]:
    """Create the points of sale not seen before, with the network of the source that named them; answers the
    network of each code as the reference data says now."""
    if not networks_by_code:
        return {}
    known = {code: network for code, network in session.execute(
        select(PointOfSale.code, PointOfSale.network).where(PointOfSale.code.in_(list(networks_by_code))))}
    # Sorted, so that concurrent batches lock new codes in the same order and never deadlock each other.
    missing = [
        {"code": code, "network": networks_by_code[code], "created_at": now, "updated_at": now}
        for code in sorted(networks_by_code) if code not in known
    ]
    if missing:
        # A concurrent writer may create the same code: whoever comes second keeps the first one's row.
        insert = _INSERTS[session.get_bind().dialect.name]
        statement = insert(PointOfSale).on_conflict_do_nothing(index_elements=["code"])  # type: ignore[attr-defined]
        session.execute(statement, missing)
    return {code: known.get(code, network) for code, network in networks_by_code.items()}


def networks_by_code(session: Session) -> dict[str, str]:
    """Every point of sale's network, as the reference data says now."""
    return {code: network for code, network in session.execute(select(PointOfSale.code, PointOfSale.network))}


def network_of(networks: Mapping[str, str], point_of_sale: str | None, source_system: str) -> str:
    """A record's network: its point of sale's, else (no point of sale, or one not in ``networks``) its source's."""
    return networks.get(point_of_sale, source_system) if point_of_sale else source_system


def list_points_of_sale(session: Session, network: str | None = None) -> list[PointOfSaleView]:
    query = select(PointOfSale).order_by(PointOfSale.code)
    if network:
        query = query.where(PointOfSale.network == network.upper())
    return [_view(row) for row in session.scalars(query)]


def get_point_of_sale(session: Session, code: str) -> PointOfSaleView:
    row = session.get(PointOfSale, code.upper())
    if row is None:
        raise NotFound(f"no point of sale {code!r}")
    return _view(row)


def update_point_of_sale(
    session: Session, code: str, changes: Mapping[str, str | None], now: datetime, actor: str = SYSTEM_ACTOR,
) -> PointOfSaleView:
    """Edit the reference data of one point of sale (network, city, name); the audit trail keeps who changed what."""
    errors = [error for name, value in changes.items() if isinstance(value, str)
              and (error := text_error(name, value, EDITABLE_MAX_LENGTHS.get(name, 0))) is not None]
    if errors:
        raise InvalidInput("the point of sale edit breaks a rule", tuple(errors))
    row = session.get(PointOfSale, code.upper())
    if row is None:
        raise NotFound(f"no point of sale {code!r}")
    before = {name: getattr(row, name) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value.upper() if name == "network" and value else value)
    row.updated_at = now
    session.flush()
    append_events(session, [AuditEntry(POINT_OF_SALE_UPDATED, None, actor, {"kind": "reference"}, None, {
        "point_of_sale": row.code, "before": before, "after": {name: getattr(row, name) for name in changes},
    })], now)
    return _view(row)


def import_points_of_sale(session: Session, rows: Iterable[Mapping[str, str]], now: datetime) -> tuple[int, int]:
    """Create or update points of sale from reference rows (code, network, city, name); answers (created, updated)."""
    created = updated = 0
    for row in rows:
        code = row["code"].strip().upper()
        values = {"network": row["network"].strip().upper(), "city": row.get("city") or None,
                  "name": row.get("name") or None}
        existing = session.get(PointOfSale, code)
        if existing is None:
            session.add(PointOfSale(code=code, created_at=now, updated_at=now, **values))
            created += 1
        elif any(getattr(existing, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(existing, name, value)
            existing.updated_at = now
            updated += 1
    session.flush()
    return created, updated
