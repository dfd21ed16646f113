"""The capture journal: how many source record versions were created, modified and retracted per day and per month,
and which fields the captures carried, kept in step in the transaction that stores the versions."""

from __future__ import annotations

import logging
import operator
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Table, func, select, text
from sqlalchemy.orm import Session, class_mapper, sessionmaker

from mdm.db import CopyFields, bulk_insert_blocks, empty_table, on_postgresql, plain_rows, transaction
from mdm.models import (
    JOURNAL_FIELDS,
    JournalCaptureDay,
    JournalCaptureMonth,
    JournalFieldMonth,
    JournalUnknownFieldMonth,
    SourceRecord,
    SourceRecordVersion,
)
from mdm.points_of_sale import network_of, networks_by_code
from mdm.reports import NETWORKS, ReportFilters, period_label
from mdm.validation import carried_fields

_log = logging.getLogger(__name__)

# What a capture is, as a position in the (created, modified, retracted) counts of a journal row.
CREATION, MODIFICATION, RETRACTION = 0, 1, 2
COUNTS = ("created", "modified", "retracted")
FINER_THAN_MONTH = ("day", "week")
NO_VALUE = ""  # the key's stand-in for no point of sale or no product line: a primary key holds no null

day_table = cast(Table, JournalCaptureDay.__table__)
month_table = cast(Table, JournalCaptureMonth.__table__)
field_month_table = JournalFieldMonth.__table__
unknown_field_month_table = cast(Table, JournalUnknownFieldMonth.__table__)
JOURNAL_TABLES = (day_table, month_table, field_month_table, unknown_field_month_table)
# Each table's key columns (its mapper's identity; the tables have no key constraint): the other columns are counts.
_KEYS = {cast(Table, model.__table__).name: tuple(column.name for column in class_mapper(model).primary_key)
         for model in (JournalCaptureDay, JournalCaptureMonth, JournalFieldMonth, JournalUnknownFieldMonth)}
# Where each field of the record format is counted in a row of field_month_table's counts, after the captures.
_FIELD_POSITIONS = {name: position for position, name in enumerate(JOURNAL_FIELDS, start=1)}
# Versions read per round trip when the journal is filled from the versions already stored.
_BACKFILL_PAGE = 20_000


class Capture(NamedTuple):
    """One stored version as the journal counts it: the fields its payload carried a value in (see
    ``carried_fields``); a retraction carries none. A named tuple: a bulk load makes a million."""

    kind: int
    received_at: datetime
    network: str
    point_of_sale: str | None
    product_line: str | None
    party_type: str
    carried_fields: tuple[str, ...] | None


class _Shape(NamedTuple):
    """What one capture adds to a row: its counts, those counts as COPY text, and (in a field row) the fields
    outside the record format it carried."""

    counts: tuple[int, ...]
    text: CopyFields
    unknown: tuple[str, ...] = ()


def _shape(counts: Sequence[int], unknown: tuple[str, ...] = ()) -> _Shape:
    return _Shape(tuple(counts), CopyFields("\t".join(map(str, counts))), unknown)


_KIND_SHAPES = tuple(_shape([int(kind == position) for position in range(len(COUNTS))]) for kind in range(len(COUNTS)))


@lru_cache(maxsize=1 << 14)
def _field_shape(carried: tuple[str, ...]) -> _Shape:
    """What one capture carrying these fields adds to a row of field_month_table. Records come in far fewer sets of
    carried fields than there are captures (20,628 among 300,000 synthetic records): each is read into counts and
    COPY text once while it stays among the last ones used."""
    counts = [1] + [0] * len(JOURNAL_FIELDS)
    unknown = []
    for name in carried:
        position = _FIELD_POSITIONS.get(name)
        if position is None:
            unknown.append(name)
        else:
            counts[position] += 1
    return _shape(counts, tuple(unknown))


# A key counted once holds its capture's shape, shared with every key counted alike; one counted again, a list of
# its own. A historical file opens a day and a month row for nearly every capture: most rows count one.
_Counted = _Shape | list[int]


def _count(rows: dict[tuple[Any, ...], _Counted], key: tuple[Any, ...], shape: _Shape) -> None:
    counted = rows.get(key)
    if counted is None:
        rows[key] = shape
    else:
        so_far = counted if isinstance(counted, list) else counted.counts
        rows[key] = list(map(operator.add, so_far, shape.counts))


@dataclass(slots=True)
class _Tally:
    days: dict[tuple[Any, ...], _Counted] = field(default_factory=dict)
    months: dict[tuple[Any, ...], _Counted] = field(default_factory=dict)
    # Per key: the captures, then how many carried each field of the record format.
    fields: dict[tuple[Any, ...], _Counted] = field(default_factory=dict)
    unknown_fields: Counter[tuple[Any, ...]] = field(default_factory=Counter)

    def add(self, capture: Capture) -> None:
        kind, moment, network, point_of_sale, product_line, party_type, carried = capture
        day = (moment.astimezone(UTC) if moment.tzinfo else moment).date()  # naive: SQLite's UTC
        month = day.replace(day=1)
        point_of_sale, product_line = point_of_sale or NO_VALUE, product_line or NO_VALUE
        _count(self.days, (day, network, product_line, party_type), _KIND_SHAPES[kind])
        _count(self.months, (month, network, point_of_sale, product_line, party_type), _KIND_SHAPES[kind])
        if carried is None:
            return
        shape = _field_shape(carried)
        where = (month, network, point_of_sale, party_type)
        _count(self.fields, where, shape)
        for name in shape.unknown:
            self.unknown_fields[(*where, name)] += 1


def journal_captures(session: Session, captures: Iterable[Capture]) -> None:
    """Add the captures of one write to the journal: one appended row per key it counts, one insert per table."""
    tally = _Tally()
    for capture in captures:
        tally.add(capture)
    _write(session, tally)


def _write(session: Session, tally: _Tally) -> None:
    _append(session, day_table, tally.days)
    _append(session, month_table, tally.months)
    _append(session, field_month_table, tally.fields)
    _append(session, unknown_field_month_table, {key: [present] for key, present in tally.unknown_fields.items()})


def _append(session: Session, table: Table, rows: Mapping[tuple[Any, ...], _Counted]) -> None:
    """Rows given as key → counts in the table's column order; a key's rows are added up when read."""
    if not rows:
        return
    names = [column.name for column in table.columns]
    if not on_postgresql(session):
        bulk_insert_blocks(session, table, names, [list(zip(*(
            (*key, *(counted if isinstance(counted, list) else counted.counts)) for key, counted in rows.items()),
            strict=True))], stream=False)
        return
    # A row counted once ends with its shape's text; the others' counts are made COPY text here, once per distinct
    # run (a field row has 32 counts, and formatting them row by row was most of the journal's time).
    texts: dict[tuple[int, ...], CopyFields] = {}
    endings: list[CopyFields] = []
    for counted in rows.values():
        if not isinstance(counted, list):
            endings.append(counted.text)
            continue
        numbers = tuple(counted)
        text = texts.get(numbers)
        if text is None:
            text = texts[numbers] = _shape(numbers).text
        endings.append(text)
    bulk_insert_blocks(session, table, names, [[*zip(*rows, strict=True), endings]], stream=False)


def journal_key(table: Table) -> tuple[str, ...]:
    """The columns that make a journal row's key; the others are counts."""
    return _KEYS[table.name]


def fold_capture_journal(session: Session) -> None:
    """Fold the rows of each key into one, in every journal table (the daily run does, after writes appended a row
    per key each): the reports read the same sums from fewer rows. A row appended by a writer while this runs is
    left as it is, for the next fold."""
    postgresql = on_postgresql(session)
    for table in JOURNAL_TABLES:
        keys = ", ".join(journal_key(table))
        counts = [column.name for column in table.columns if column.name not in journal_key(table)]
        insert = f"INSERT INTO {table.name} ({keys}, {', '.join(counts)})"
        sums = ", ".join(f"sum({name})" for name in counts)
        if postgresql:
            # One statement, one snapshot: it deletes the rows of repeated keys it sees and inserts their sums.
            session.execute(text(
                f"WITH folded AS (DELETE FROM {table.name} WHERE ({keys}) IN (SELECT {keys} FROM {table.name} "
                f"GROUP BY {keys} HAVING count(*) > 1) RETURNING *) {insert} SELECT {keys}, {sums} FROM folded "
                f"GROUP BY {keys}"))
            continue
        # SQLite writes one transaction at a time; the sums get rowids after the last row they add up.
        last = session.scalar(text(f"SELECT max(rowid) FROM {table.name}"))
        if last is None:
            continue
        repeated = f"SELECT {keys} FROM {table.name} WHERE rowid <= :last GROUP BY {keys} HAVING count(*) > 1"
        session.execute(text(f"{insert} SELECT {keys}, {sums} FROM {table.name} WHERE rowid <= :last AND "
                             f"({keys}) IN ({repeated}) GROUP BY {keys}"), {"last": last})
        session.execute(text(f"DELETE FROM {table.name} WHERE rowid <= :last AND ({keys}) IN ({repeated})"),
                        {"last": last})


@contextmanager
def journal_folded_beside(sessions: sessionmaker[Session], session: Session) -> Iterator[None]:
    """Fold the capture journal while the body writes in ``session``: on PostgreSQL in a transaction of its own, on
    another connection, from the start (the fold depends on nothing the body writes, and at a million bulk-loaded
    captures takes seconds the database would otherwise spend with the run waiting); on SQLite, whose writers go
    one at a time, in ``session`` once the body is done. A fold that fails on its own leaves the journal as it was,
    with the same sums, and is logged: the next daily run folds it."""
    if not on_postgresql(session):
        yield
        fold_capture_journal(session)
        return
    failures: list[Exception] = []

    def fold() -> None:
        try:
            with transaction(sessions) as own:
                fold_capture_journal(own)
        except Exception as failure:  # reported below: the run it runs beside goes on
            failures.append(failure)

    folding = threading.Thread(target=fold, name="journal-fold")
    folding.start()
    try:
        yield
    finally:
        folding.join()
    for failure in failures:
        _log.warning("the capture journal was not folded: %s", failure)


def rebuild_capture_journal(session: Session) -> None:
    """Fill the journal again from every stored version, page by page. A version is counted under its point of
    sale's network as the reference data says now: the network at capture was not kept before the journal."""
    for table in JOURNAL_TABLES:
        empty_table(session, table)
    networks = networks_by_code(session)
    version = SourceRecordVersion
    query = (
        select(version.id, version.version, version.is_tombstone, version.received_at, SourceRecord.source_system,
               version.point_of_sale_code, version.product_line, version.party_type, version.payload)
        .join(SourceRecord, SourceRecord.id == version.record_id)
        .order_by(version.id).limit(_BACKFILL_PAGE)
    )
    last_id = 0
    while True:
        page = plain_rows(session.execute(query.where(version.id > last_id)))
        if not page:
            return
        tally = _Tally()
        for _, number, is_tombstone, received_at, source_system, point_of_sale, product_line, party_type, payload \
                in page:
            kind = RETRACTION if is_tombstone else CREATION if number == 1 else MODIFICATION
            network = network_of(networks, point_of_sale, source_system)
            tally.add(Capture(kind, received_at, network, point_of_sale, product_line, party_type,
                              None if is_tombstone else carried_fields(payload)))
        _write(session, tally)
        last_id = page[-1][0]
    fold_capture_journal(session)


def is_monthly(table: Table) -> bool:
    return "month" in table.c


def journal_conditions(table: Table, filters: ReportFilters) -> list[ColumnElement[bool]]:
    """The filters as conditions on a journal table; on a month table, dates widen to the months they fall in."""
    monthly = is_monthly(table)
    when = table.c.month if monthly else table.c.day
    conditions: list[ColumnElement[bool]] = []
    if filters.start:
        conditions.append(when >= (filters.start.replace(day=1) if monthly else filters.start))
    if filters.end:
        conditions.append(when <= (filters.end.replace(day=1) if monthly else filters.end))
    if filters.network:
        conditions.append(table.c.network == filters.network.strip().upper())
    if filters.point_of_sale:
        conditions.append(table.c.point_of_sale == filters.point_of_sale.strip().upper())
    if filters.party_type:
        conditions.append(table.c.party_type == filters.party_type.strip().lower())
    return conditions


def journal_period(table: Table, grain: str, dialect: str) -> ColumnElement[str]:
    """The period of a journal row; a month table cannot tell days or weeks apart, so those periods are months."""
    if is_monthly(table):
        return period_label(table.c.month, "month" if grain in FINER_THAN_MONTH else grain, dialect).label("period")
    return period_label(table.c.day, grain, dialect).label("period")


JournalKey = tuple[str, ...]


def journal_sums(session: Session, table: Table, filters: ReportFilters, dimensions: Sequence[str],
                 values: Mapping[str, Any]) -> dict[JournalKey, dict[str, int]]:
    """Each of ``values`` (columns of a journal table) summed per period (under a grain, else '') and dimensions,
    within the filters: the one query every activity and capture-quality indicator reads the journal with."""
    groups: list[Any] = [table.c[name] for name in dimensions]
    if filters.grain:
        groups.insert(0, journal_period(table, filters.grain, session.get_bind().dialect.name))
    query = (select(*groups, *(func.sum(value) for value in values.values()))
             .where(*journal_conditions(table, filters)).group_by(*groups))
    no_period = () if filters.grain else ("",)
    width = len(groups)
    return {(*no_period, *row[:width]): dict(zip(values, map(int, row[width:]), strict=True))
            for row in plain_rows(session.execute(query))}


def network_order(network: str) -> tuple[int, str]:
    """The order networks are listed in: the known ones as configured, then any other by name."""
    return (NETWORKS.index(network), "") if network in NETWORKS else (len(NETWORKS), network)


def months_note(filters: ReportFilters) -> str | None:
    """What a reader of a table counted from a month table must know, when its dates or periods are widened."""
    if not (filters.start or filters.end or filters.grain in FINER_THAN_MONTH):
        return None
    finer = f" Periods are months, not {filters.grain}s." if filters.grain in FINER_THAN_MONTH else ""
    return ("Counted by whole months (points of sale and fields are kept by month): the dates are widened to the "
            f"months they fall in.{finer}")
