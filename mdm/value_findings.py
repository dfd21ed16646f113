"""Data-quality indicators on captured values: placeholders (recognised by rule, or found by frequency: a value shared
by implausibly many clients) and malformed values, by party type, field, rule, network and point of sale.

They count the current version of live records, from the findings resolution keeps (``record_finding``) over the
live records of the same scope (``source_record``, read from its scope index). A date filter selects the records
whose current version was received in the window: "of the records captured or last updated then, as they stand now".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from matching.findings import FREQUENCY_FIELDS
from mdm.db import plain_rows
from mdm.models import PlaceholderValueUse, PointOfSale, RecordFinding, SourceRecord
from mdm.points_of_sale import network_of, networks_by_code
from mdm.record_findings import WHOLE_RECORD
from mdm.reports import (
    PERIOD,
    TOTAL,
    Chart,
    Column,
    ReportFilters,
    ReportTable,
    period_label,
    python_period_label,
    share,
)
from mdm.resolution import latest_model

Key = tuple[Any, ...]
DATE_NOTE = ("A date filter counts the records whose current version was received in the window, as they stand "
             "now; a period groups them by that date.")
_NO_PERIOD_NOTE = "Values are not grouped by period."


def _as_is(value: Any) -> Any:
    return value


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class _Scope:
    """One table's columns that place a record: its source, point of sale, party type and received instant. The
    network is the point of sale's, else the source's, read from the small ``point_of_sale`` table when counting,
    so a point of sale moved to another network counts there at once."""

    def __init__(self, source_system: Any, point_of_sale: Any, party_type: Any, received_at: Any) -> None:
        self.source_system, self.point_of_sale = source_system, point_of_sale
        self.party_type, self.received_at = party_type, received_at

    def conditions(self, session: Session, filters: ReportFilters) -> list[ColumnElement[bool]]:
        """The rows the filters keep; a network keeps the records of its points of sale, and those of its source
        captured at none."""
        found: list[ColumnElement[bool]] = []
        if filters.start:
            found.append(self.received_at >= _day_start(filters.start))
        if filters.end:
            found.append(self.received_at < _day_start(filters.end + timedelta(days=1)))
        if filters.point_of_sale:
            found.append(self.point_of_sale == filters.point_of_sale.upper())
        if filters.party_type:
            found.append(self.party_type == filters.party_type)
        if filters.network:
            network = filters.network.upper()
            codes = sorted(session.scalars(select(PointOfSale.code).where(PointOfSale.network == network)))
            found.append(or_(self.point_of_sale.in_(codes),
                             and_(self.point_of_sale.is_(None), self.source_system == network)))
        return found

    def period(self, session: Session, filters: ReportFilters) -> tuple[ColumnElement[Any], Callable[[Any], Any]]:
        """What rows are grouped by for the filters' period, and how a group's value reads as its period label."""
        dialect = session.get_bind().dialect.name
        if not filters.grain:
            return literal(None).label("period"), _as_is
        if dialect == "postgresql":
            # Formatting a million instants as text costs three times their truncation: truncate, then label the
            # groups (in the session's time zone, as ``period_label`` does).
            grain = filters.grain
            return (func.date_trunc(grain, self.received_at).label("period"),
                    cache(lambda instant: python_period_label(instant.date(), grain)))
        return period_label(self.received_at, filters.grain, dialect).label("period"), _as_is


_RECORDS = _Scope(SourceRecord.source_system, SourceRecord.point_of_sale_code, SourceRecord.party_type,
                  SourceRecord.last_received_at)
_FINDINGS = _Scope(RecordFinding.source_system, RecordFinding.point_of_sale, RecordFinding.party_type,
                   RecordFinding.received_at)
_VALUES = _Scope(PlaceholderValueUse.source_system, PlaceholderValueUse.point_of_sale, PlaceholderValueUse.party_type,
                 PlaceholderValueUse.received_at)
_BY_RULE, _BY_FREQUENCY = RecordFinding.placeholder_rule.is_(True), RecordFinding.placeholder_frequency.is_(True)
_PLACEHOLDER, _INVALID = _BY_RULE | _BY_FREQUENCY, RecordFinding.invalid.is_(True)


def grouped(session: Session, scope: _Scope, filters: ReportFilters, dims: Sequence[Any],
            counts: Sequence[ColumnElement[Any]], where: Sequence[ColumnElement[bool]] = ()) -> dict[Key, list[int]]:
    """Counts per (period, *dims) of the rows the filters keep (period None when the filters set none)."""
    period, label = scope.period(session, filters)
    query = (select(period, *dims, *counts).where(*scope.conditions(session, filters), *where)
             .group_by(period, *dims))
    return {(label(period_value), *rest[:len(dims)]): [int(value or 0) for value in rest[len(dims):]]
            for period_value, *rest in plain_rows(session.execute(query))}


def live_records(session: Session, filters: ReportFilters, dims: Sequence[Any]) -> dict[Key, int]:
    """Live records per (period, *dims): the denominators, counted from the scope index alone."""
    return {key: values[0] for key, values in grouped(session, _RECORDS, filters, dims, (func.count(),),
                                                       (SourceRecord.is_deleted.is_(False),)).items()}


@contextmanager
def live_records_meanwhile(session: Session, filters: ReportFilters,
                           dims: Sequence[Any]) -> Iterator[Callable[[], dict[Key, int]]]:
    """The denominators counted on a connection of their own while the caller counts findings on ``session``: the
    two scans run on two cores (at a million records, the denominators alone took 0.5-0.8 s)."""
    engine = session.get_bind()

    def count() -> dict[Key, int]:
        with Session(engine) as own:
            return live_records(own, filters, dims)

    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(count).result


def _add(totals: dict[Key, list[int]], key: Key, values: list[int]) -> None:
    totals[key] = [a + b for a, b in zip(totals[key], values, strict=True)] if key in totals else values


def _rows_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _period_column(filters: ReportFilters) -> tuple[Column, ...]:
    return (PERIOD,) if filters.grain else ()


def _with_period(filters: ReportFilters, row: dict[str, Any], period: Any) -> dict[str, Any]:
    return {"period": period, **row} if filters.grain else row


# ---------------------------------------------------------------- placeholders


def placeholders(session: Session, filters: ReportFilters) -> ReportTable:
    """Per party type and field: records carrying a placeholder found by rule, by frequency, either; shares of the
    party type's current records. A TOTAL row per party type counts records with a placeholder in any field."""
    counts = (_rows_where(_BY_RULE), _rows_where(_BY_FREQUENCY), func.count())
    with live_records_meanwhile(session, filters, (SourceRecord.party_type,)) as counted_records:
        by_field = grouped(session, _FINDINGS, filters, (RecordFinding.party_type, RecordFinding.field), counts,
                           (_PLACEHOLDER,))
        records = counted_records()
    rows = []
    for (period, party_type, field), (by_rule, by_frequency, either) in sorted(by_field.items(), key=_field_order):
        whole = records.get((period, party_type), 0)
        rows.append(_with_period(filters, {
            "party_type": party_type, "field": _field_label(field), "by_rule": by_rule,
            "by_rule_share": share(by_rule, whole), "by_frequency": by_frequency,
            "by_frequency_share": share(by_frequency, whole), "records": either, "share": share(either, whole),
            "current_records": whole}, period))
    columns = (*_period_column(filters), Column("party_type", "Party type"), Column("field", "Field"),
               Column("by_rule", "Records with a placeholder by rule", "count"),
               Column("by_rule_share", "Share by rule", "share"),
               Column("by_frequency", "Records with a placeholder by frequency", "count"),
               Column("by_frequency_share", "Share by frequency", "share"),
               Column("records", "Records with a placeholder", "count"), Column("share", "Share", "share"),
               Column("current_records", "Current records of the party type", "count"))
    return ReportTable("placeholders", "Placeholders captured instead of values", columns, rows,
                       Chart("field", ("by_rule", "by_frequency")), DATE_NOTE, filters)


# ---------------------------------------------------------------- placeholder values


def placeholder_values(session: Session, filters: ReportFilters) -> ReportTable:
    """The values the current model found shared by too many clients, with how many current records carry each."""
    model = latest_model(session)
    found = sorted({(*FREQUENCY_FIELDS[feature], value) for feature, value in (model.overused if model else ())
                    if feature in FREQUENCY_FIELDS})
    carried = {(feature, value): values for (_, feature, value), values in grouped(
        session, _VALUES, replace(filters, grain=None), (PlaceholderValueUse.feature, PlaceholderValueUse.value),
        (func.count(),)).items()}
    found.sort(key=lambda item: (-carried.get((item[1], item[2]), [0])[0], item[1], item[2]))
    rows = [{"feature": name, "field": field, "value": value, "records": carried.get((name, value), [0])[0]}
            for field, name, value in found]
    columns = (Column("feature", "Compared as"), Column("field", "Field"), Column("value", "Value"),
               Column("records", "Current records carrying it", "count"))
    note = ("Values held by more different clients than a client's own can be, found when the current match model "
            "was trained; matching ignores them. " + DATE_NOTE)
    if filters.grain:
        note += " " + _NO_PERIOD_NOTE
    if model is None:
        note = "No match model has been trained yet: no value has been found by frequency."
    return ReportTable("placeholder-values", "Values shared by too many clients", columns, rows,
                       Chart("value", ("records",)), note, filters)


# ---------------------------------------------------------------- invalid values


def invalid_values(session: Session, filters: ReportFilters) -> ReportTable:
    """Per party type, field and rule broken: records with a malformed value, and their share of the party type's
    current records. A TOTAL row per party type counts records with a malformed value in any field."""
    with live_records_meanwhile(session, filters, (SourceRecord.party_type,)) as counted_records:
        by_rule = grouped(session, _FINDINGS, filters,
                          (RecordFinding.party_type, RecordFinding.field, RecordFinding.rule), (func.count(),),
                          (_INVALID,))
        records = counted_records()
    rows = []
    for (period, party_type, field, rule), (count,) in sorted(by_rule.items(), key=_field_order):
        whole = records.get((period, party_type), 0)
        rows.append(_with_period(filters, {
            "party_type": party_type, "field": _field_label(field), "rule": rule, "records": count,
            "share": share(count, whole), "current_records": whole}, period))
    columns = (*_period_column(filters), Column("party_type", "Party type"), Column("field", "Field"),
               Column("rule", "Rule broken"), Column("records", "Records with an invalid value", "count"),
               Column("share", "Share", "share"), Column("current_records", "Current records of the party type",
                                                          "count"))
    return ReportTable("invalid-values", "Invalid values captured", columns, rows, Chart("field", ("records",)),
                       DATE_NOTE, filters)


# ---------------------------------------------------------------- by point of sale


def findings_by_point_of_sale(session: Session, filters: ReportFilters) -> ReportTable:
    """Per network and point of sale: current records, records with a finding, share, records with a placeholder and
    with an invalid value, and the field most often wrong; worst share first. A ranking, not a series: a period
    filter is not applied (a date window ranks the records of that window)."""
    ranked = replace(filters, grain=None)
    counts = (func.count(), _rows_where(_PLACEHOLDER), _rows_where(_INVALID))
    networks = networks_by_code(session)

    def of_point_of_sale(key: Key) -> Key:  # (period, source system, point of sale, ...) -> (network, point of sale)
        return (network_of(networks, key[2], key[1]), key[2])

    by_pos: dict[Key, list[int]] = {}
    by_field: dict[Key, dict[str, int]] = {}
    with live_records_meanwhile(session, ranked, (SourceRecord.source_system,
                                                  SourceRecord.point_of_sale_code)) as counted_records:
        found = grouped(session, _FINDINGS, ranked, (RecordFinding.source_system, RecordFinding.point_of_sale,
                                                     RecordFinding.field), counts)
        live = counted_records()
    for key, values in found.items():
        if key[3] == WHOLE_RECORD:
            _add(by_pos, of_point_of_sale(key), values)
        else:
            fields = by_field.setdefault(of_point_of_sale(key), {})
            fields[key[3]] = fields.get(key[3], 0) + values[0]
    records: dict[Key, list[int]] = {}
    for key, count in live.items():
        _add(records, of_point_of_sale(key), [count])
    rows = []
    for (network, point_of_sale), (whole,) in records.items():
        with_findings, with_placeholders, with_invalid = by_pos.get((network, point_of_sale), [0, 0, 0])
        fields = by_field.get((network, point_of_sale), {})
        # The field wrong in most records; of equals, the first by name.
        field = min(fields, key=lambda name: (-fields[name], name)) if fields else None
        rows.append({
            "network": network, "point_of_sale": point_of_sale, "current_records": whole, "records": with_findings,
            "share": share(with_findings, whole), "placeholders": with_placeholders, "invalid": with_invalid,
            "worst_field": field, "worst_field_records": fields.get(field, 0) if field else 0})
    rows.sort(key=lambda row: (-(row["share"] or 0), -row["records"], row["network"], row["point_of_sale"] or ""))
    columns = (Column("network", "Network"), Column("point_of_sale", "Point of sale"),
               Column("current_records", "Current records", "count"),
               Column("records", "Records with a finding", "count"), Column("share", "Share", "share"),
               Column("placeholders", "Records with a placeholder", "count"),
               Column("invalid", "Records with an invalid value", "count"),
               Column("worst_field", "Field most often wrong"),
               Column("worst_field_records", "Records wrong in that field", "count"))
    note = ("Records without a point of sale are counted under their source's network. "
            "The field most often wrong is the one with the most records carrying a placeholder or an invalid value. "
            + DATE_NOTE)
    if filters.grain:
        note += " A ranking is not grouped by period: choose a date window to rank the records of that window."
    return ReportTable("findings-by-point-of-sale", "Data quality by point of sale, worst first", columns, rows,
                       Chart("point_of_sale", ("placeholders", "invalid")), note, filters)


def _field_order(item: tuple[Key, list[int]]) -> tuple[Any, ...]:
    """Period and party type first; within them the fields wrong in most records first, the whole record last."""
    (period, party_type, field, *rest), values = item
    return (period or "", party_type, field == WHOLE_RECORD, -values[-1], field,
            *("" if part is None else part for part in rest))


def _field_label(field: str) -> str:
    return TOTAL if field == WHOLE_RECORD else field


REPORTS: dict[str, Callable[[Session, ReportFilters], ReportTable]] = {
    "placeholders": placeholders,
    "placeholder-values": placeholder_values,
    "invalid-values": invalid_values,
    "findings-by-point-of-sale": findings_by_point_of_sale,
}
