"""Capture quality: which fields captures leave empty, measured against the field specification, who captures
badly, and which fields sources send outside the record format. Read from the capture journal's monthly tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from mdm.capture_journal import (
    NO_VALUE,
    JournalKey,
    field_month_table,
    journal_sums,
    months_note,
    network_order,
    unknown_field_month_table,
)
from mdm.field_spec import MANDATORY, FieldSpec, configured_field_spec
from mdm.models import field_column
from mdm.reports import PARTY_TYPES, PERIOD, Chart, Column, ReportFilters, ReportTable, as_ranking, joined_notes, share


def _field_counts(session: Session, filters: ReportFilters, dimensions: tuple[str, ...], fields: set[str],
                  ) -> dict[JournalKey, dict[str, int]]:
    """Captures that carry a payload (creations and modifications; a retraction captures no field), as
    ``captures``, and how many of them carried each of the fields with a value."""
    table = field_month_table
    values = {"captures": table.c.captures, **{name: table.c[field_column(name)] for name in sorted(fields)}}
    return journal_sums(session, table, filters, dimensions, values)


def _party_types(filters: ReportFilters) -> tuple[str, ...]:
    return (filters.party_type.strip().lower(),) if filters.party_type else PARTY_TYPES


def _with_period(row: dict[str, Any], period: str) -> dict[str, Any]:
    return {"period": period, **row} if period else row


def missing_fields(session: Session, filters: ReportFilters) -> ReportTable:
    """For every field of the specification: how many captures of its party type left it empty."""
    spec = configured_field_spec()
    fields = {name for party_type in PARTY_TYPES for name, _ in spec.requirements(party_type)}
    counted = _field_counts(session, filters, ("party_type",), fields)
    periods = sorted({period for period, _ in counted}) if filters.grain else [""]
    rows: list[dict[str, Any]] = []
    for period in periods:
        for party_type in _party_types(filters):
            counts = counted.get((period, party_type), {})
            total = counts.get("captures", 0)
            measured: list[dict[str, Any]] = []
            for name, requirement in spec.requirements(party_type):
                missing = total - counts.get(name, 0)
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
        "missing-fields", "Fields left empty at capture", (PERIOD, *columns) if filters.grain else columns, rows,
        Chart("field", ("share",)), months_note(filters), filters,
    )


def _missing_by_point_of_sale(spec: FieldSpec, counted: dict[JournalKey, dict[str, int]]) -> list[dict[str, Any]]:
    rows = []
    for (period, network, point_of_sale, party_type), counts in counted.items():
        total = counts["captures"]
        missing = {name: total - counts[name] for name in spec.mandatory(party_type)}
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
    mandatory = {name for party_type in PARTY_TYPES for name in spec.mandatory(party_type)}
    ranked, ranking_note = as_ranking(filters)
    rows = _missing_by_point_of_sale(spec, _field_counts(session, ranked, dimensions, mandatory))
    rows.sort(key=lambda row: (-(row["missing_per_capture"] or 0), -row["captures"],
                               row["network"], row["point_of_sale"] or NO_VALUE, row["party_type"]))
    columns = (
        Column("network", "Network"), Column("point_of_sale", "Point of sale"), Column("party_type", "Party type"),
        Column("captures", "Captures", "count"), Column("missing_mandatory", "Mandatory values left empty", "count"),
        Column("missing_per_capture", "Mandatory values left empty per capture", "number"),
        Column("most_missing_field", "Field most often left empty"),
    )
    return ReportTable(
        "missing-fields-by-point-of-sale", "Points of sale that leave mandatory fields empty", columns, rows,
        Chart("point_of_sale", ("missing_per_capture",)), joined_notes(months_note(ranked), ranking_note), filters,
    )


def unknown_fields(session: Session, filters: ReportFilters) -> ReportTable:
    """Fields received outside the record format, with how many captures carried them and which networks sent
    them: each is kept in its version's payload, and may be worth a place in the format or a word with the source."""
    table = unknown_field_month_table
    sent = journal_sums(session, table, filters, ("field", "network"), {"present": table.c.present})
    by_field: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (period, name, network), counts in sent.items():
        by_field[(period, name)][network] = counts["present"]
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
        (PERIOD, *columns) if filters.grain else columns, rows, Chart("field", ("captures",)),
        months_note(filters), filters,
    )


REPORTS: dict[str, Callable[[Session, ReportFilters], ReportTable]] = {
    "missing-fields": missing_fields,
    "missing-fields-by-point-of-sale": missing_fields_by_point_of_sale,
    "unknown-fields": unknown_fields,
}
