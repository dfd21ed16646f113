"""Client activity: how many clients the networks, product lines and points of sale created, modified and retracted,
read from the capture journal (a capture is one stored source record version, dated when the source captured it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from mdm.capture_journal import (
    COUNTS,
    NO_VALUE,
    day_table,
    journal_sums,
    month_table,
    months_note,
    network_order,
)
from mdm.reports import PERIOD, TOTAL, Chart, Column, ReportFilters, ReportTable, as_ranking, joined_notes, share
from mdm.validation import PRODUCT_LINES

PRODUCT_LINE_ORDER = tuple(sorted(PRODUCT_LINES))
WITHOUT_PRODUCT_LINE = "(none)"  # the row of captures that named no product line
# The counts of a split table: creations and modifications per party type, then retractions.
_SPLIT_COUNTS = ("created_person", "created_organization", "modified_person", "modified_organization")


def _read_counts(
    session: Session, filters: ReportFilters, dimensions: Sequence[str], by_point_of_sale: bool = False,
) -> tuple[list[dict[str, Any]], str | None]:
    """Creations, modifications and retractions grouped by the dimensions (and the period, under a grain). The day
    table answers unless a point of sale is asked for: then the month table, whose dates are whole months."""
    monthly = by_point_of_sale or filters.point_of_sale is not None
    table: Table = month_table if monthly else day_table
    sums = journal_sums(session, table, filters, dimensions, {name: table.c[name] for name in COUNTS})
    rows = [{**({"period": key[0]} if filters.grain else {}), **dict(zip(dimensions, key[1:], strict=True)), **counts}
            for key, counts in sums.items()]
    return rows, months_note(filters) if monthly else None


def _product_line_order(product_line: str) -> tuple[int, str]:
    if product_line in PRODUCT_LINE_ORDER:
        return PRODUCT_LINE_ORDER.index(product_line), ""
    return (len(PRODUCT_LINE_ORDER) + (product_line == NO_VALUE), product_line)


def _product_line_label(product_line: str) -> str:
    return product_line or WITHOUT_PRODUCT_LINE


def activity(session: Session, filters: ReportFilters) -> ReportTable:
    """Long rows: creations, modifications and retractions per network, product line and party type."""
    rows, note = _read_counts(session, filters, ("network", "product_line", "party_type"))
    for row in rows:
        row["product_line"] = row["product_line"] or None
    rows.sort(key=lambda row: (row.get("period", ""), network_order(row["network"]),
                               _product_line_order(row["product_line"] or NO_VALUE), row["party_type"]))
    columns = (
        Column("network", "Network"), Column("product_line", "Product line"), Column("party_type", "Party type"),
        Column("created", "Created", "count"), Column("modified", "Modified", "count"),
        Column("retracted", "Retracted", "count"),
    )
    return ReportTable(
        "activity", "Client creations and modifications", (PERIOD, *columns) if filters.grain else columns, rows,
        # Over time only: the rankings below chart each dimension on its own.
        Chart("period", ("created", "modified")) if filters.grain else None,
        note, filters,
    )


def _split_columns(dimension: Column, whole: str) -> tuple[Column, ...]:
    return (
        dimension,
        Column("created_person", "Persons created", "count"),
        Column("created_person_share", f"Share of the persons created ({whole})", "share"),
        Column("created_organization", "Organisations created", "count"),
        Column("created_organization_share", f"Share of the organisations created ({whole})", "share"),
        Column("modified_person", "Persons modified", "count"),
        Column("modified_person_share", f"Share of the persons modified ({whole})", "share"),
        Column("modified_organization", "Organisations modified", "count"),
        Column("modified_organization_share", f"Share of the organisations modified ({whole})", "share"),
        Column("retracted", "Retracted", "count"),
    )


def _split_rows(
    counted: list[dict[str, Any]], dimensions: Sequence[str], order: Callable[[tuple[str, ...]], Any],
    total_label: dict[str, str],
) -> list[dict[str, Any]]:
    """One row per period and dimension value: creations and modifications split by party type, each with its
    share of the period's total, then a total row per period."""
    tables: dict[str, dict[tuple[str, ...], dict[str, int]]] = defaultdict(dict)
    for row in counted:
        key = tuple(row[name] for name in dimensions)
        split = tables[row.get("period", "")].setdefault(key, dict.fromkeys((*_SPLIT_COUNTS, "retracted"), 0))
        split[f"created_{row['party_type']}"] += row["created"]
        split[f"modified_{row['party_type']}"] += row["modified"]
        split["retracted"] += row["retracted"]
    rows: list[dict[str, Any]] = []
    for period in sorted(tables):
        splits = tables[period]
        total = {name: sum(split[name] for split in splits.values()) for name in (*_SPLIT_COUNTS, "retracted")}
        labelled = [(dict(zip(dimensions, key, strict=True)), splits[key]) for key in sorted(splits, key=order)]
        for labels, split in [*labelled, (total_label, total)]:
            row = {"period": period} if period else {}
            row.update(labels)
            for name in _SPLIT_COUNTS:
                row[name], row[f"{name}_share"] = split[name], share(split[name], total[name])
            row["retracted"] = split["retracted"]
            rows.append(row)
    return rows


def activity_by_network(session: Session, filters: ReportFilters) -> ReportTable:
    counted, note = _read_counts(session, filters, ("network", "party_type"))
    rows = _split_rows(counted, ("network",), lambda key: network_order(key[0]), {"network": TOTAL})
    return _split_table("activity-by-network", "Client creations and modifications by network",
                        Column("network", "Network"), "all networks", rows, note, filters)


def activity_by_product_line(session: Session, filters: ReportFilters) -> ReportTable:
    counted, note = _read_counts(session, filters, ("product_line", "party_type"))
    rows = _split_rows(counted, ("product_line",), lambda key: _product_line_order(key[0]), {"product_line": TOTAL})
    for row in rows:
        if row["product_line"] != TOTAL:
            row["product_line"] = _product_line_label(row["product_line"])
    return _split_table("activity-by-product-line", "Client creations and modifications by product line",
                        Column("product_line", "Product line"), "all product lines", rows, note, filters)


def activity_by_point_of_sale(session: Session, filters: ReportFilters) -> ReportTable:
    ranked, ranking_note = as_ranking(filters)
    counted, note = _read_counts(session, ranked, ("network", "point_of_sale", "party_type"), by_point_of_sale=True)
    rows = _split_rows(counted, ("network", "point_of_sale"),
                       lambda key: (network_order(key[0]), key[1]), {"network": TOTAL, "point_of_sale": TOTAL})
    columns = (Column("network", "Network"), *_split_columns(Column("point_of_sale", "Point of sale"),
                                                             "all points of sale"))
    return ReportTable(
        "activity-by-point-of-sale", "Client creations and modifications by point of sale", columns, rows,
        Chart("point_of_sale", _SPLIT_COUNTS), joined_notes(note, ranking_note), filters,
    )


def _split_table(
    name: str, title: str, dimension: Column, whole: str, rows: list[dict[str, Any]], note: str | None,
    filters: ReportFilters,
) -> ReportTable:
    columns = _split_columns(dimension, whole)
    return ReportTable(name, title, (PERIOD, *columns) if filters.grain else columns, rows,
                       Chart(dimension.name, _SPLIT_COUNTS), note, filters)


REPORTS: dict[str, Callable[[Session, ReportFilters], ReportTable]] = {
    "activity": activity,
    "activity-by-network": activity_by_network,
    "activity-by-product-line": activity_by_product_line,
    "activity-by-point-of-sale": activity_by_point_of_sale,
}
