"""The data-quality findings of every live record's current version (``matching.findings``), written where resolution
has just standardised the records and built their features, never by standardising them again: replaced online for
the records a request changed, in its transaction, and rebuilt in full by every full consolidation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from matching.features import FeatureTable
from matching.findings import Finding, frequency_findings
from mdm.db import bulk_insert, empty_table, indexes_set_aside
from mdm.models import RecordFinding, SourceRecord

_table = cast(Table, RecordFinding.__table__)
_CHUNK = 5000
_ROWS_PER_INSERT = 50_000  # bounds the rows held at once when a full consolidation writes a million records'


@dataclass(frozen=True, slots=True)
class RecordScope:
    """Where a record's current version belongs in the indicators: who captured it, what it is, when it came."""

    version: int
    source_system: str
    point_of_sale: str | None
    party_type: str
    received_at: datetime


def record_findings(features: FeatureTable) -> Iterator[tuple[int, Finding]]:
    """(position, finding) of every record of ``features``: placeholders by rule and malformed values first, then the
    values blanked as placeholders by frequency."""
    for position, findings in enumerate(features.findings):
        for finding in findings:
            yield position, finding
    yield from frequency_findings(features.blanked)


def _rows(found: Iterable[tuple[int, Finding]], record_ids: Sequence[int],
          scope_at: Callable[[int], RecordScope | None]) -> Iterator[dict[str, Any]]:
    for position, finding in found:
        scope = scope_at(position)
        if scope is None:  # retracted since it was read: it keeps no finding
            continue
        yield {"record_id": record_ids[position], "version": scope.version, "source_system": scope.source_system,
               "point_of_sale": scope.point_of_sale, "party_type": scope.party_type, "received_at": scope.received_at,
               "field": finding.field, "kind": finding.kind, "rule": finding.rule, "value": finding.value}


def _insert(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _ROWS_PER_INSERT:
            bulk_insert(session, _table, batch)
            batch = []
    bulk_insert(session, _table, batch)


def rebuild_record_findings(session: Session, features: FeatureTable, record_ids: Sequence[int],
                            scopes: Sequence[RecordScope | None]) -> None:
    """Replace every finding by those of these records (positions of ``features``, scopes as they were read)."""
    empty_table(session, _table)
    with indexes_set_aside(session, _table):
        _insert(session, _rows(record_findings(features), record_ids, scopes.__getitem__))


def replace_record_findings(session: Session, changed_ids: Iterable[int], probe_ids: Sequence[int],
                            features: FeatureTable | None) -> None:
    """The changed records' findings become their current version's (``probe_ids`` and ``features`` describe the
    live ones; a retracted record keeps none)."""
    ordered = sorted(changed_ids)
    for start in range(0, len(ordered), _CHUNK):
        session.execute(delete(RecordFinding).where(RecordFinding.record_id.in_(ordered[start:start + _CHUNK])))
    found = list(record_findings(features)) if features is not None else []
    if not found:  # the usual case online: a clean record costs no further statement
        return
    scopes = read_scopes(session, sorted({probe_ids[position] for position, _ in found}))
    _insert(session, _rows(found, probe_ids, lambda position: scopes.get(probe_ids[position])))


def read_scopes(session: Session, record_ids: Sequence[int]) -> dict[int, RecordScope]:
    """The scope of each of these records that is live."""
    ordered = sorted(record_ids)
    scopes: dict[int, RecordScope] = {}
    for start in range(0, len(ordered), _CHUNK):
        for record_id, version, source_system, point_of_sale, party_type, received_at in session.execute(
            select(SourceRecord.id, SourceRecord.current_version, SourceRecord.source_system,
                   SourceRecord.point_of_sale_code, SourceRecord.party_type, SourceRecord.last_received_at)
            .where(SourceRecord.id.in_(ordered[start:start + _CHUNK]), SourceRecord.is_deleted.is_(False))
        ):
            scopes[record_id] = RecordScope(version, source_system, point_of_sale, party_type, received_at)
    return scopes
