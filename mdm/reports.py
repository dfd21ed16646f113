"""What every journal, quality and portfolio indicator shares: the filters it takes, the table it answers, and the
periods its rows are grouped by, computed in SQL the same way on PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, cast, func

NETWORKS = ("AGENT", "COURTIER", "BGD", "BANCASSURANCE", "WEB")
# Weeks are named by their Monday: SQLite has no ISO week number, and a date sorts and reads the same everywhere.
GRAINS = ("day", "week", "month", "quarter", "year")
PARTY_TYPES = ("person", "organization")
TOTAL = "TOTAL"  # the label of a total row


@dataclass(frozen=True, slots=True)
class ReportFilters:
    """Which captures, records or clients an indicator counts. Dates are inclusive; None means unbounded."""

    start: date | None = None
    end: date | None = None
    network: str | None = None
    point_of_sale: str | None = None
    party_type: str | None = None
    grain: str | None = None  # group rows by period as well

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat() if self.start else None, "to": self.end.isoformat() if self.end else None,
            "network": self.network, "point_of_sale": self.point_of_sale, "party_type": self.party_type,
            "period": self.grain,
        }


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    label: str
    kind: str = "text"  # text | count | share (0..1) | number | date


PERIOD = Column("period", "Period")  # the first column of a table whose rows are grouped by period


@dataclass(frozen=True, slots=True)
class Chart:
    """How the dashboard draws a table: bars of ``values`` per ``label`` (stacked when several), or columns over time
    when the rows are periods."""

    label: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One indicator's answer: named columns and rows of plain values, the same for JSON, CSV, the CLI and pages."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    chart: Chart | None = None
    note: str | None = None
    filters: ReportFilters = field(default_factory=ReportFilters)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "filters": self.filters.as_dict(),
                "columns": [{"name": c.name, "label": c.label, "kind": c.kind} for c in self.columns],
                "rows": self.rows, "note": self.note}

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([column.name for column in self.columns])
        for row in self.rows:
            writer.writerow(["" if row.get(c.name) is None else row.get(c.name) for c in self.columns])
        return out.getvalue()


RANKING_NOTE = ("a ranking over the whole period, not split by period (a row per point of sale and period would be "
                "thousands of rows): for one point of sale's series, filter the other tables by it and a period")


def as_ranking(filters: ReportFilters) -> tuple[ReportFilters, str | None]:
    """The filters a ranking of points of sale counts with (never split by period), and the note that says so."""
    return replace(filters, grain=None), RANKING_NOTE if filters.grain else None


def joined_notes(*notes: str | None) -> str | None:
    return " ".join(note for note in notes if note) or None


def share(part: int | float, whole: int | float) -> float | None:
    """``part`` as a share of ``whole``, rounded for reading; None when there is no whole to share."""
    return round(part / whole, 4) if whole else None


def period_label(column: Any, grain: str, dialect: str) -> ColumnElement[str]:
    """The period a date column falls in, as text that sorts in time order: ``2024-03-15`` (day),
    ``2024-03-11`` (the week's Monday), ``2024-03``, ``2024-Q1``, ``2024``."""
    if grain not in GRAINS:
        raise ValueError(f"unknown period {grain!r}")
    if dialect == "postgresql":
        formats = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "quarter": 'YYYY-"Q"Q', "year": "YYYY"}
        if grain == "week":
            return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
        return func.to_char(column, formats[grain])
    if grain == "week":
        return cast(func.date(column, "-6 days", "weekday 1"), String)
    if grain == "quarter":
        quarter = cast((cast(func.strftime("%m", column), Integer) + 2) / 3, Integer)
        return func.strftime("%Y", column).concat("-Q").concat(cast(quarter, String))
    formats = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
    return func.strftime(formats[grain], column)


def python_period_label(day: date, grain: str) -> str:
    """The label ``period_label`` gives ``day``, computed in Python (labels of groups read back from the database)."""
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        return date.fromordinal(day.toordinal() - day.weekday()).isoformat()
    if grain == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year:04d}-Q{(day.month + 2) // 3}"
    if grain == "year":
        return f"{day.year:04d}"
    raise ValueError(f"unknown period {grain!r}")
