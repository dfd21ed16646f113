"""The data-quality findings of every live record's current version (``matching.findings``), written where resolution
has just standardised the records and built their features, never by standardising them again: replaced online for
the records a request changed, in its transaction, and rebuilt in full by every full consolidation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from matching.features import FeatureTable
from matching.findings import INVALID, PLACEHOLDER_FREQUENCY, Finding, frequency_findings
from mdm.db import bulk_insert, empty_table, indexes_set_aside, plain_rows
from mdm.models import PlaceholderValueUse, RecordFinding, SourceRecord

WHOLE_RECORD = "*"  # the field of the row that sums a record up
_finding_table = cast(Table, RecordFinding.__table__)
_value_table = cast(Table, PlaceholderValueUse.__table__)
_CHUNK = 5000
_RECORDS_PER_INSERT = 20_000  # bounds the rows held at once when a full consolidation writes a million records'


# A named tuple: a full run makes one per record, and a frozen dataclass costs four times more to build.
class RecordScope(NamedTuple):
    """Where a record's current version belongs in the indicators: who captured it, what it is, when it came."""

    version: int
    source_system: str
    point_of_sale: str | None
    party_type: str
    received_at: datetime


def findings_by_position(features: FeatureTable) -> dict[int, list[Finding]]:
    """The findings of every record of ``features`` that has some, by position: placeholders by rule and malformed
    values (standardisation's), then the values blanked as placeholders by frequency (the features')."""
    found: dict[int, list[Finding]] = {}
    for position, findings in enumerate(features.findings):
        if findings:
            found[position] = list(findings)
    for position, finding in frequency_findings(features.blanked):
        found.setdefault(position, []).append(finding)
    return found


def _field_rows(findings: list[Finding]) -> Iterator[dict[str, Any]]:
    """One row per field found wrong, and the ``*`` row of the record as a whole."""
    fields: dict[str, dict[str, Any]] = {}
    whole = {"field": WHOLE_RECORD, "placeholder_rule": False, "placeholder_frequency": False, "invalid": False,
             "rule": None}
    for finding in findings:
        row = fields.setdefault(finding.field, {"field": finding.field, "placeholder_rule": False,
                                                "placeholder_frequency": False, "invalid": False, "rule": None})
        row[finding.kind] = whole[finding.kind] = True
        if finding.kind == INVALID:
            row["rule"] = finding.rule
    yield from fields.values()
    yield whole


def _write(session: Session, found: dict[int, list[Finding]], record_ids: Sequence[int],
           scope_at: Callable[[int], RecordScope | None]) -> None:
    """Insert the rows of these findings, a slice of records at a time."""
    positions = sorted(found)
    for start in range(0, len(positions), _RECORDS_PER_INSERT):
        findings: list[dict[str, Any]] = []
        values: list[dict[str, Any]] = []
        for position in positions[start:start + _RECORDS_PER_INSERT]:
            scope = scope_at(position)
            if scope is None:  # retracted since it was read: it keeps no finding
                continue
            where = {"record_id": record_ids[position], "source_system": scope.source_system,
                     "point_of_sale": scope.point_of_sale, "party_type": scope.party_type,
                     "received_at": scope.received_at}
            findings.extend({**where, "version": scope.version, **row} for row in _field_rows(found[position]))
            values.extend({**where, "field": finding.field, "feature": finding.rule, "value": finding.value}
                          for finding in found[position] if finding.kind == PLACEHOLDER_FREQUENCY)
        bulk_insert(session, _finding_table, findings)
        bulk_insert(session, _value_table, values)


def rebuild_record_findings(session: Session, features: FeatureTable, record_ids: Sequence[int],
                            scopes: Sequence[RecordScope | None]) -> None:
    """Replace every finding by those of these records (positions of ``features``, scopes as they were read)."""
    for table in (_finding_table, _value_table):
        empty_table(session, table)
    with indexes_set_aside(session, _finding_table), indexes_set_aside(session, _value_table):
        _write(session, findings_by_position(features), record_ids, scopes.__getitem__)


def replace_record_findings(session: Session, changed_ids: Iterable[int], probe_ids: Sequence[int],
                            features: FeatureTable | None) -> None:
    """The changed records' findings become their current version's (``probe_ids`` and ``features`` describe the
    live ones; a retracted record keeps none)."""
    ordered = sorted(changed_ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        session.execute(delete(RecordFinding).where(RecordFinding.record_id.in_(chunk)))
        session.execute(delete(PlaceholderValueUse).where(PlaceholderValueUse.record_id.in_(chunk)))
    found = findings_by_position(features) if features is not None else {}
    if not found:  # the usual case online: a clean record costs no further statement
        return
    scopes = read_scopes(session, sorted({probe_ids[position] for position in found}))
    _write(session, found, probe_ids, lambda position: scopes.get(probe_ids[position]))


def read_scopes(session: Session, record_ids: Sequence[int]) -> dict[int, RecordScope]:
    """The scope of each of these records that is live."""
    ordered = sorted(record_ids)
    scopes: dict[int, RecordScope] = {}
    for start in range(0, len(ordered), _CHUNK):
        for record_id, version, source_system, point_of_sale, party_type, received_at in plain_rows(session.execute(
            select(SourceRecord.id, SourceRecord.current_version, SourceRecord.source_system,
                   SourceRecord.point_of_sale_code, SourceRecord.party_type, SourceRecord.last_received_at)
            .where(SourceRecord.id.in_(ordered[start:start + _CHUNK]), SourceRecord.is_deleted.is_(False))
        )):
            scopes[record_id] = RecordScope(version, source_system, point_of_sale, party_type, received_at)
    return scopes
