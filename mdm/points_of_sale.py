"""Points of sale: reference data created on first sight in a record and editable afterwards, including the
closure of an agency and the successor that takes over its clients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mdm.audit import SYSTEM_ACTOR, AuditEntry, append_events
from mdm.clock import as_utc
from mdm.db import on_postgresql, plain_rows
from mdm.errors import FieldError, InvalidInput, NotFound
from mdm.models import PointOfSale
from mdm.movements import relabel_transfers_from
from mdm.text_rules import text_error
from native import Rebuilt, rebuilt

_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}
POINT_OF_SALE_UPDATED = "point_of_sale.updated"
# The columns' lengths: what an edit may write.
EDITABLE_MAX_LENGTHS = {"network": 32, "city": 128, "name": 256, "closed_on": 64, "successor": 64}
CLOSURE_FIELDS = ("closed_on", "successor")


@dataclass(frozen=True, slots=True)
class PointOfSaleView:
    code: str
    network: str
    city: str | None
    name: str | None
    closed_on: date | None
    successor: str | None
    created_at: datetime
    updated_at: datetime

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def _view(row: PointOfSale) -> PointOfSaleView:
    return PointOfSaleView(row.code, row.network, row.city, row.name, row.closed_on, row.successor,
                           as_utc(row.created_at), as_utc(row.updated_at))


def ensure_points_of_sale(session: Session, networks_by_code: Mapping[str, str], now: datetime) -> dict[str, str]:
    """Create the points of sale not seen before, with the network of the source that named them; answers the
    network of each code as the reference data says now."""
    if not networks_by_code:
        return {}
    known = dict(plain_rows(session.execute(
        select(PointOfSale.code, PointOfSale.network).where(_among_codes(session, list(networks_by_code))))))
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


def _among_codes(session: Session, codes: list[str]) -> ColumnElement[bool]:
    """``code IN codes``. A load names a thousand codes or more per chunk: on PostgreSQL they go as one array,
    unnested in a subquery, which the planner hashes or probes by index (2.5 ms of CPU for 1,500 codes). Written
    out, SQLAlchemy rendered a bound parameter per code (9-17 ms); as ``= ANY`` of the array, the prepared
    statement's generic plan scanned the small table and tested every code of the array on every row (90 ms)."""
    if not on_postgresql(session):
        return PointOfSale.code.in_(codes)
    return PointOfSale.code.in_(select(func.unnest(bindparam("codes", codes, type_=ARRAY(String)))))


def networks_by_code(session: Session) -> dict[str, str]:
    """Every point of sale's network, as the reference data says now."""
    return dict(plain_rows(session.execute(select(PointOfSale.code, PointOfSale.network))))


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
    """Edit the reference data of one point of sale (network, city, name, closure day and successor); the audit
    trail keeps who changed what. A changed closure re-decides the portfolio transfers out of the point of sale
    and announces each move whose reason changed."""
    errors = [error for name, value in changes.items() if isinstance(value, str)
              and (error := text_error(name, value, EDITABLE_MAX_LENGTHS.get(name, 0))) is not None]
    if errors:
        raise InvalidInput("the point of sale edit breaks a rule", tuple(errors))
    row = session.get(PointOfSale, code.upper())
    if row is None:
        raise NotFound(f"no point of sale {code!r}")
    values = {name: _read(name, value) for name, value in changes.items()}
    closure = {name: values.get(name, getattr(row, name)) for name in CLOSURE_FIELDS}
    errors = closure_errors(session, row.code, changes.get("closed_on"), closure["closed_on"], closure["successor"])
    if errors:
        raise InvalidInput("the point of sale edit breaks a rule", tuple(errors))
    before = {name: getattr(row, name) for name in changes}
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    session.flush()
    append_events(session, [AuditEntry(POINT_OF_SALE_UPDATED, None, actor, {"kind": "reference"}, None, {
        "point_of_sale": row.code, "before": _plain(before), "after": _plain({name: getattr(row, name)
                                                                             for name in changes}),
    })], now)
    if any(before[name] != getattr(row, name) for name in CLOSURE_FIELDS if name in before):
        relabel_transfers_from(session, [row.code], now)
    return _view(row)


def _read(name: str, value: str | None) -> Any:
    """An edited value as stored: networks and codes in capitals, the closure day as a date."""
    if value is None:
        return None
    if name in ("network", "successor"):
        return value.strip().upper() or None
    if name == "closed_on":
        return _day(value)
    return value


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def closure_errors(session: Session, code: str, closed_on_text: str | None, closed_on: date | None,
                   successor: str | None) -> list[FieldError]:
    """The rules a closure follows: a calendar day (YYYY-MM-DD), a successor that is another known point of sale,
    and no successor without a closure day."""
    errors = []
    if closed_on_text is not None and closed_on is None:
        errors.append(FieldError("closed_on", "date", f"{closed_on_text!r} is not a day written YYYY-MM-DD"))
    if successor is not None:
        if successor == code:
            errors.append(FieldError("successor", "not_itself", "a point of sale cannot succeed itself"))
        elif session.get(PointOfSale, successor) is None:
            errors.append(FieldError("successor", "known_point_of_sale", f"no point of sale {successor!r}"))
        if closed_on is None and closed_on_text is None:
            errors.append(FieldError("successor", "needs_closed_on", "a successor takes over a closed point of sale: "
                                                                     "give closed_on too"))
    return errors


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, date) else value for name, value in values.items()}


def import_points_of_sale(session: Session, rows: Iterable[Mapping[str, str]], now: datetime) -> tuple[int, int]:
    """Create or update points of sale from reference rows (code, network, city, name, and optionally closed_on and
    successor); answers (created, updated). A closure is checked as an edit's is, once every row is in (a
    successor may come later in the file), and re-decides the portfolio transfers out of the closed point of sale."""
    created = updated = 0
    closures: dict[str, tuple[str | None, str | None]] = {}
    changed_closures: list[str] = []
    for row in rows:
        code = row["code"].strip().upper()
        values: dict[str, Any] = {"network": row["network"].strip().upper(), "city": row.get("city") or None,
                                  "name": row.get("name") or None}
        if any(name in row for name in CLOSURE_FIELDS):
            closures[code] = (row.get("closed_on") or None, row.get("successor") or None)
            values["closed_on"] = _read("closed_on", closures[code][0])
            values["successor"] = _read("successor", closures[code][1])
        existing = session.get(PointOfSale, code)
        if existing is None:
            session.add(PointOfSale(code=code, created_at=now, updated_at=now, **values))
            created += 1
            if values.get("closed_on"):
                changed_closures.append(code)
        elif any(getattr(existing, name) != value for name, value in values.items()):
            if any(getattr(existing, name) != values[name] for name in CLOSURE_FIELDS if name in values):
                changed_closures.append(code)
            for name, value in values.items():
                setattr(existing, name, value)
            existing.updated_at = now
            updated += 1
    session.flush()
    errors = [FieldError(f"{code}.{error.field}", error.rule, error.message) for code, (text, successor)
              in closures.items() for error in closure_errors(session, code, text, _read("closed_on", text),
                                                              _read("successor", successor))]
    if errors:
        raise InvalidInput("the points of sale break a rule", tuple(errors))
    relabel_transfers_from(session, changed_closures, now)
    return created, updated
