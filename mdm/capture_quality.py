"""Capture quality: which fields captures leave empty, measured against the field specification, who captures
badly, and which fields sources send outside the record format. Read from the capture journal's monthly tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from mdm.capture_journal import (
    NO_VALUE,
    field_month_table,
    journal_conditions,
    journal_period,
    month_table,
    months_note,
    network_order,
)
from mdm.field_spec import MANDATORY, FieldSpec, configured_field_spec
from mdm.reports import PARTY_TYPES, Chart, Column, ReportFilters, ReportTable, share
from mdm.validation import RECORD_FORMAT_FIELDS

_PERIOD = Column("period", "Period")
Key = tuple[str, ...]


def _grouped(session: Session, table: Table, filters: ReportFilters, dimensions: tuple[str, ...], value: Any,
             *conditions: Any) -> dict[Key, int]:
    """``value`` summed per period (under a grain, else '') and dimensions, within the filters."""
    groups: list[Any] = [table.c[name] for name in dimensions]
    if filters.grain:
        groups.insert(0, journal_period(table, filters.grain, session.get_bind().dialect.name))
    query = (select(*groups, func.sum(value)).where(*journal_conditions(table, filters), *conditions)
             .group_by(*groups))
    no_period = () if filters.grain else ("",)
    return {(*no_period, *row[:-1]): int(row[-1]) for row in session.execute(query)}


def _captures(session: Session, filters: ReportFilters, dimensions: tuple[str, ...]) -> dict[Key, int]:
    """Captures that carry a payload (creations and modifications; a retraction captures no field)."""
    return _grouped(session, month_table, filters, dimensions, month_table.c.created + month_table.c.modified)


def _present(session: Session, filters: ReportFilters, dimensions: tuple[str, ...], fields: set[str],
             ) -> dict[Key, int]:
    table = field_month_table
    return _grouped(session, table, filters, (*dimensions, "field"), table.c.present, table.c.field.in_(fields))


def _party_types(filters: ReportFilters) -> tuple[str, ...]:
    return (filters.party_type.strip().lower(),) if filters.party_type else PARTY_TYPES


def _with_period(row: dict[str, Any], period: str) -> dict[str, Any]:
    return {"period": period, **row} if period else row


def missing_fields(session: Session, filters: ReportFilters) -> ReportTable:
    """For every field of the specification: how many captures of its party type left it empty."""
    spec = configured_field_spec()
    captures = _captures(session, filters, ("party_type",))
    fields = {name for party_type in PARTY_TYPES for name, _ in spec.requirements(party_type)}
    present = _present(session, filters, ("party_type",), fields)
    periods = sorted({period for period, _ in captures}) if filters.grain else [""]
    rows: list[dict[str, Any]] = []
    for period in periods:
        for party_type in _party_types(filters):
            total = captures.get((period, party_type), 0)
            measured: list[dict[str, Any]] = []
            for name, requirement in spec.requirements(party_type):
                missing = total - present.get((period, party_type, name), 0)
                measured.append({"party_type": party_type, "field": name, "requirement": requirement,
                                 "missing": missing, "total": total, "share": share(missing, total)})
            measured.sort(key=lambda row: (row["requirement"] != MANDATORY, -(row["share"] or 0), row["field"]))
            rows.extend(_with_period(row, period) for row in measured)
    columns = (
        Column("party_type", "Party type"), Column("field", "Field"), Column("requirement", "Requirement"),
        Column("missing", "Captures without it", "count"), Column("total", "Captures", "count"),
        Column("share", "Share of captures without it", "share"),
    )
    return ReportTable(
        "missing-fields", "Fields left empty at capture", (_PERIOD, *columns) if filters.grain else columns, rows,
        Chart("field", ("share",)), months_note(filters), filters,
    )


def _missing_by_point_of_sale(spec: FieldSpec, captures: dict[Key, int], present: dict[Key, int],
                              ) -> list[dict[str, Any]]:
    rows = []
    for (period, network, point_of_sale, party_type), total in captures.items():
        missing = {name: total - present.get((period, network, point_of_sale, party_type, name), 0)
                   for name in spec.mandatory(party_type)}
        worst = max(missing, key=lambda name: missing[name], default=None)
        count = sum(missing.values())
        rows.append(_with_period({
            "network": network, "point_of_sale": point_of_sale or None, "party_type": party_type,
            "captures": total, "missing_mandatory": count,
            "missing_per_capture": round(count / total, 4) if total else None,
            "most_missing_field": worst if worst is not None and missing[worst] else None,
        }, period))
    return rows


def missing_fields_by_point_of_sale(session: Session, filters: ReportFilters) -> ReportTable:
    """Who captures badly: mandatory values left empty per capture, per point of sale and party type."""
    spec = configured_field_spec()
    dimensions = ("network", "point_of_sale", "party_type")
    captures = _captures(session, filters, dimensions)
    mandatory = {name for party_type in PARTY_TYPES for name in spec.mandatory(party_type)}
    rows = _missing_by_point_of_sale(spec, captures, _present(session, filters, dimensions, mandatory))
    rows.sort(key=lambda row: (row.get("period", ""), -(row["missing_per_capture"] or 0), -row["captures"],
                               row["network"], row["point_of_sale"] or NO_VALUE, row["party_type"]))
    columns = (
        Column("network", "Network"), Column("point_of_sale", "Point of sale"), Column("party_type", "Party type"),
        Column("captures", "Captures", "count"), Column("missing_mandatory", "Mandatory values left empty", "count"),
        Column("missing_per_capture", "Mandatory values left empty per capture", "number"),
        Column("most_missing_field", "Field most often left empty"),
    )
    return ReportTable(
        "missing-fields-by-point-of-sale", "Points of sale that leave mandatory fields empty",
        (_PERIOD, *columns) if filters.grain else columns, rows,
        Chart("point_of_sale", ("missing_per_capture",)), months_note(filters), filters,
    )


def unknown_fields(session: Session, filters: ReportFilters) -> ReportTable:
    """Fields received outside the record format, with how many captures carried them and which networks sent
    them: each is kept in its version's payload, and may be worth a place in the format or a word with the source."""
    table = field_month_table
    sent = _grouped(session, table, filters, ("field", "network"), table.c.present,
                    table.c.field.not_in(RECORD_FORMAT_FIELDS))
    by_field: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (period, name, network), count in sent.items():
        by_field[(period, name)][network] = count
    rows = [
        _with_period({
            "field": name, "captures": sum(networks.values()),
            "networks": ", ".join(sorted(networks, key=network_order)),
        }, period)
        for (period, name), networks in by_field.items()
    ]
    rows.sort(key=lambda row: (row.get("period", ""), -row["captures"], row["field"]))
    columns = (Column("field", "Field"), Column("captures", "Captures carrying it", "count"),
               Column("networks", "Networks that send it"))
    return ReportTable(
        "unknown-fields", "Fields received outside the record format",
        (_PERIOD, *columns) if filters.grain else columns, rows, Chart("field", ("captures",)),
        months_note(filters), filters,
    )


REPORTS: dict[str, Callable[[Session, ReportFilters], ReportTable]] = {
    "missing-fields": missing_fields,
    "missing-fields-by-point-of-sale": missing_fields_by_point_of_sale,
    "unknown-fields": unknown_fields,
}
