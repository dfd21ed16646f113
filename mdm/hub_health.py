"""The hub's own health: its golden records and how many records each holds, how its links were made, the
stewards' queue, what resolutions changed per period, the movements they found, and the latest runs.

Each indicator is one narrow SQL query over an index or a summary table (``golden_portfolio`` for the records per
golden record), fast on a hub of millions of records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from mdm.clock import as_utc, utc_now
from mdm.events import GOLDEN_CREATED, GOLDEN_MERGED, GOLDEN_RESTORED, GOLDEN_RETIRED, GOLDEN_SPLIT
from mdm.models import (
    OPEN,
    SAME,
    AuditEvent,
    GoldenPortfolio,
    GoldenRecord,
    Judgement,
    PointOfSaleStint,
    RecordLink,
    ResolutionRun,
    StewardshipTask,
)
from mdm.movements import REASONS
from mdm.portfolio import move_conditions
from mdm.reports import PERIOD, TOTAL, Chart, Column, ReportFilters, ReportTable, period_label, share
from mdm.resolution import ACTIVE, MERGED, OVERRIDE, RETIRED

STATUSES = (ACTIVE, MERGED, RETIRED)
# Records per golden record: (label, least, most); None means no upper bound.
SIZE_BANDS = (("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6-10", 6, 10), ("11+", 11, None))
# Priority bands as the stewards' queue filters them (stewardship.queue.PRIORITY_BANDS).
PRIORITY_BANDS = (("high", 60, None), ("medium", 30, 59), ("low", 0, 29))
AGE_BANDS_DAYS = (("under 1 day", 0, 1), ("1-7 days", 1, 7), ("7-30 days", 7, 30), ("30+ days", 30, None))
CHANGE_KINDS = {GOLDEN_CREATED: "created", GOLDEN_MERGED: "merged", GOLDEN_SPLIT: "split",
                GOLDEN_RETIRED: "retired", GOLDEN_RESTORED: "restored"}
LATEST_RUNS = 20
NO_NETWORK = "the network and point-of-sale filters do not apply"


def _notes(*notes: str | None) -> str | None:
    return "; ".join(note for note in notes if note) or None


def _unused_filters(filters: ReportFilters, *names: str) -> str | None:
    """A note naming the filters given that this table cannot apply."""
    given = [name for name in names if getattr(filters, name)]
    labels = {"network": "network", "point_of_sale": "point of sale", "party_type": "party type",
              "grain": "period grouping", "start": "dates", "end": "dates"}
    wording = sorted({labels[name] for name in given})
    return f"not applicable here: {', '.join(wording)}" if wording else None


def _band(value: ColumnElement[int] | Any, least: int, most: int | None) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = value >= least
    return condition if most is None else condition & (value <= most)


def _since(column: Any, filters: ReportFilters) -> list[ColumnElement[bool]]:
    """The column's instants within the filters' days (inclusive)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.start:
        conditions.append(column >= datetime.combine(filters.start, datetime.min.time(), UTC))
    if filters.end:
        conditions.append(column < datetime.combine(filters.end, datetime.max.time(), UTC))
    return conditions


def golden_records(session: Session, filters: ReportFilters) -> ReportTable:
    """Golden records by status and party type, and how many records the active ones hold."""
    party = [GoldenRecord.party_type == filters.party_type] if filters.party_type else []
    statuses = session.execute(select(GoldenRecord.party_type, GoldenRecord.status, func.count()).where(*party)
                               .group_by(GoldenRecord.party_type, GoldenRecord.status)).all()
    size_columns = [func.sum(case((_band(GoldenPortfolio.records, least, most), 1), else_=0))
                    for _, least, most in SIZE_BANDS]
    sizes = session.execute(
        select(GoldenPortfolio.party_type, func.sum(GoldenPortfolio.records), *size_columns)
        .where(*([GoldenPortfolio.party_type == filters.party_type] if filters.party_type else []))
        .group_by(GoldenPortfolio.party_type)).all()
    rows: dict[str, dict[str, Any]] = {}

    def row_of(party_type: str) -> dict[str, Any]:
        return rows.setdefault(party_type, {"party_type": party_type, **dict.fromkeys(STATUSES, 0), "records": 0,
                                            **{f"holding_{label}": 0 for label, _, _ in SIZE_BANDS}})

    for party_type, status, count in statuses:
        row_of(party_type)[status] = count
    for party_type, records, *bands in sizes:
        row = row_of(party_type)
        row["records"] = int(records or 0)
        for (label, _, _), count in zip(SIZE_BANDS, bands, strict=True):
            row[f"holding_{label}"] = int(count or 0)
    ordered = [rows[party_type] for party_type in sorted(rows)]
    if ordered:
        total = {key: sum(row[key] for row in ordered) for key in ordered[0] if key != "party_type"}
        ordered.append({"party_type": TOTAL, **total})
    for row in ordered:
        row["records_per_golden"] = round(row["records"] / row[ACTIVE], 3) if row[ACTIVE] else None
    return ReportTable(
        "golden-records", "Golden records by status, and records per client",
        (Column("party_type", "Party type"), *(Column(s, s.title(), "count") for s in STATUSES),
         Column("records", "Records of active ones", "count"),
         *(Column(f"holding_{label}", f"Holding {label} record{'' if label == '1' else 's'}", "count")
           for label, _, _ in SIZE_BANDS),
         Column("records_per_golden", "Records per active golden record", "number")),
        ordered, Chart("party_type", STATUSES),
        _unused_filters(filters, "network", "point_of_sale", "grain", "start", "end"), filters)


def links(session: Session, filters: ReportFilters) -> ReportTable:
    """Current links by how they were made: by the model (a full run, or online on arrival), or by a steward (an
    override, or a ``same`` verdict on the record)."""
    judged = (select(Judgement.record_a_id).where(Judgement.verdict == SAME)
              .union(select(Judgement.record_b_id).where(Judgement.verdict == SAME)))
    current = (select(RecordLink.cause, RecordLink.probability,
                      case((RecordLink.record_id.in_(judged), True), else_=False).label("judged"))
               .where(RecordLink.valid_to.is_(None), *_since(RecordLink.valid_from, filters)).subquery())
    counts = session.execute(
        select(current.c.cause, current.c.judged, func.count(), func.count(current.c.probability))
        .group_by(current.c.cause, current.c.judged)).all()
    whole = sum(count for _, _, count, _ in counts)
    rows = []
    for cause, judged_same, count, scored in sorted(counts, key=lambda r: (-r[2], r[0], r[1])):
        steward = cause == OVERRIDE or bool(judged_same)
        rows.append({"made_by": "steward" if steward else "model",
                     "how": _how(cause, bool(judged_same)), "links": count, "share": share(count, whole),
                     "standing_alone": count - scored})
    if rows:
        rows.append({"made_by": TOTAL, "how": TOTAL, "links": whole, "share": 1.0,
                     "standing_alone": sum(row["standing_alone"] for row in rows)})
    return ReportTable(
        "links", "Current links by how they were made",
        (Column("made_by", "Made by"), Column("how", "How"), Column("links", "Links", "count"),
         Column("share", "Share of links", "share"), Column("standing_alone", "Records standing alone", "count")),
        rows, Chart("how", ("links",)), _notes(
            "dates select the links made in the period; a record standing alone matched no other record",
            _unused_filters(filters, "network", "point_of_sale", "party_type", "grain")), filters)


def _how(cause: str, judged_same: bool) -> str:
    if cause == OVERRIDE:
        return "steward override"
    if judged_same:
        return "steward verdict (same)"
    return {"resolution": "full resolution", "online": "online, on arrival"}.get(cause, cause)


def stewardship_queue(session: Session, filters: ReportFilters) -> ReportTable:
    """Open tasks by kind and priority band, with their age (median, oldest, and how many in each age band)."""
    now = utc_now()
    conditions: list[ColumnElement[bool]] = [StewardshipTask.status == OPEN, *_since(StewardshipTask.created_at,
                                                                                       filters)]
    if filters.party_type:
        conditions.append(StewardshipTask.party_type == filters.party_type)
    if filters.network:
        conditions.append(or_(StewardshipTask.source_system_a == filters.network,
                              StewardshipTask.source_system_b == filters.network))
    band = case(*((_band(StewardshipTask.priority, least, most), label) for label, least, most in PRIORITY_BANDS),
                else_="low")
    age_columns = [func.sum(case((_aged(StewardshipTask.created_at, now, least, most), 1), else_=0))
                   for _, least, most in AGE_BANDS_DAYS]
    groups = session.execute(
        select(StewardshipTask.kind, band, func.count(), func.min(StewardshipTask.created_at), *age_columns)
        .where(*conditions).group_by(StewardshipTask.kind, band)).all()
    rows = []
    for kind, priority, count, oldest, *ages in sorted(groups, key=lambda g: (g[0], _band_rank(g[1]))):
        median = session.scalar(select(StewardshipTask.created_at)
                                .where(*conditions, StewardshipTask.kind == kind, band == priority)
                                .order_by(StewardshipTask.created_at).offset((count - 1) // 2).limit(1))
        rows.append({"kind": kind, "priority": priority, "open_tasks": count,
                     "median_age_days": _days(now, median), "oldest_age_days": _days(now, oldest),
                     **{label: int(n or 0) for (label, _, _), n in zip(AGE_BANDS_DAYS, ages, strict=True)}})
    return ReportTable(
        "stewardship-queue", "Open stewardship tasks by kind, priority and age",
        (Column("kind", "Kind"), Column("priority", "Priority"), Column("open_tasks", "Open tasks", "count"),
         Column("median_age_days", "Median age (days)", "number"),
         Column("oldest_age_days", "Oldest (days)", "number"),
         *(Column(label, label.capitalize(), "count") for label, _, _ in AGE_BANDS_DAYS)),
        rows, Chart("kind", tuple(label for label, _, _ in AGE_BANDS_DAYS)), _notes(
            "dates select the tasks opened in the period; the network filter keeps tasks holding one of its records",
            _unused_filters(filters, "point_of_sale", "grain")), filters)


def _aged(column: Any, now: datetime, least_days: int, most_days: int | None) -> ColumnElement[bool]:
    """Created at least ``least_days`` and less than ``most_days`` days before ``now``."""
    condition: ColumnElement[bool] = column <= now - timedelta(days=least_days)
    return condition if most_days is None else condition & (column > now - timedelta(days=most_days))


def _band_rank(label: str) -> int:
    return [band for band, _, _ in PRIORITY_BANDS].index(label)


def _days(now: datetime, moment: datetime | None) -> float | None:
    return None if moment is None else round((now - as_utc(moment)).total_seconds() / 86_400, 1)


def golden_changes(session: Session, filters: ReportFilters) -> ReportTable:
    """Golden records created, merged, split, retired and restored, per period (from the audit trail)."""
    columns: list[Any] = [AuditEvent.kind]
    if filters.grain:
        columns.append(period_label(AuditEvent.occurred_at, filters.grain,
                                    session.get_bind().dialect.name).label("period"))
    counts = session.execute(select(*columns, func.count())
                             .where(AuditEvent.kind.in_(CHANGE_KINDS), *_since(AuditEvent.occurred_at, filters))
                             .group_by(*columns)).all()
    rows: dict[str, dict[str, Any]] = {}
    for kind, *rest in counts:
        label = rest[0] if filters.grain else TOTAL
        row = rows.setdefault(label, {"period": label, **dict.fromkeys(CHANGE_KINDS.values(), 0)})
        row[CHANGE_KINDS[kind]] += rest[-1]
    return ReportTable(
        "golden-changes", "Golden record changes per period",
        (PERIOD, *(Column(name, name.title(), "count") for name in CHANGE_KINDS.values())),
        [rows[label] for label in sorted(rows)], Chart("period", tuple(CHANGE_KINDS.values())),
        _notes("without a period grouping, one row sums up the dates asked for",
               _unused_filters(filters, "network", "point_of_sale", "party_type")), filters)


def movements_by_reason(session: Session, filters: ReportFilters) -> ReportTable:
    """Client movements (a new point of sale taking over) per reason and period."""
    conditions = move_conditions(filters)
    if filters.network:
        conditions.append(PointOfSaleStint.network == filters.network)
    query = select(PointOfSaleStint.reason, func.count()).where(*conditions)
    period = None
    if filters.grain:
        period = period_label(PointOfSaleStint.start_date, filters.grain, session.get_bind().dialect.name)
        query = query.add_columns(period.label("period"))
    if filters.party_type:
        query = query.join(GoldenPortfolio, GoldenPortfolio.golden_id == PointOfSaleStint.golden_id).where(
            GoldenPortfolio.party_type == filters.party_type)
    counts = session.execute(query.group_by(PointOfSaleStint.reason, *([period] if period is not None else [])))
    rows: dict[str, dict[str, Any]] = {}
    for found in counts:
        reason, count = found[0], found[1]
        label = found._mapping["period"] if period is not None else TOTAL
        row = rows.setdefault(label, {"period": label, **dict.fromkeys(REASONS, 0), "moves": 0})
        row[reason] = row.get(reason, 0) + count
        row["moves"] += count
    reasons = tuple(reason for reason in REASONS if reason != "initial")
    return ReportTable(
        "movements-by-reason", "Client movements by reason",
        (PERIOD, *(Column(r, r.replace("_", " ").capitalize(), "count") for r in reasons),
         Column("moves", "Moves", "count")),
        [rows[label] for label in sorted(rows)], Chart("period", reasons), _notes(
            "the network filter keeps moves to it, the point-of-sale filter moves from or to it"
            if filters.network or filters.point_of_sale else None), filters)


def runs(session: Session, filters: ReportFilters) -> ReportTable:
    """The latest resolution runs: what each read and changed, and how long it took."""
    latest = session.execute(select(ResolutionRun).where(*_since(ResolutionRun.started_at, filters))
                             .order_by(ResolutionRun.started_at.desc(), ResolutionRun.id.desc()).limit(LATEST_RUNS))
    rows = [{"run": run.id, "started_at": as_utc(run.started_at).isoformat(), "model_version": run.model_version,
             "records": run.records, "golden_records": run.golden_records, "links_changed": run.links_changed,
             "created": run.created, "merged": run.merged, "split": run.split, "possible_pairs": run.possible_pairs,
             "tasks_opened": run.tasks_opened, "tasks_closed": run.tasks_closed,
             "seconds": round((as_utc(run.finished_at) - as_utc(run.started_at)).total_seconds(), 3)}
            for run in latest.scalars()]
    count = ("records", "golden_records", "links_changed", "created", "merged", "split", "possible_pairs",
             "tasks_opened", "tasks_closed")
    return ReportTable(
        "runs", "Latest resolution runs",
        (Column("run", "Run", "number"), Column("started_at", "Started", "date"),
         Column("model_version", "Model version"), *(Column(name, name.replace("_", " ").capitalize(), "count")
                                                     for name in count),
         Column("seconds", "Duration (s)", "number")),
        rows, Chart("started_at", ("seconds",)), _notes(
            f"the {LATEST_RUNS} latest runs started in the period",
            _unused_filters(filters, "network", "point_of_sale", "party_type", "grain")), filters)


REPORTS: dict[str, Callable[[Session, ReportFilters], ReportTable]] = {
    "golden-records": golden_records,
    "links": links,
    "stewardship-queue": stewardship_queue,
    "golden-changes": golden_changes,
    "movements-by-reason": movements_by_reason,
    "runs": runs,
}
