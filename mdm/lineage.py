"""Lineage: a golden record as it stood at a past instant: its status, the links valid then with the source
version each record had, the model version and probability that made each link, the steward decisions on its
records, and its audit trail so far."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mdm.clock import as_utc, utc_now
from mdm.errors import FieldError, InvalidInput, NotFound
from mdm.events import GOLDEN_MERGED, GOLDEN_RETIRED
from mdm.golden_records import find_golden_record
from mdm.models import AuditEvent, Judgement, RecordLink, SourceRecord, SourceRecordVersion
from mdm.resolution import ACTIVE, MERGED, RETIRED
from mdm.survivorship import Attribute, SourceVersion, attributes_of

# The status an audit event leaves its golden record in (any other change leaves it active).
_STATUS_AFTER = {GOLDEN_MERGED: MERGED, GOLDEN_RETIRED: RETIRED}


@dataclass(frozen=True, slots=True)
class VersionAsOf:
    """The version of a source record that was current at the instant asked for."""

    number: int
    received_at: datetime
    recorded_at: datetime
    content_hash: str
    is_tombstone: bool
    payload: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class LinkAsOf:
    source_system: str
    source_record_id: str
    valid_from: datetime
    valid_to: datetime | None
    model_version: str | None
    probability: float | None
    cause: str
    # None only when a consolidation that began before the record was stored linked it
    version: VersionAsOf | None


@dataclass(frozen=True, slots=True)
class AuditEventView:
    sequence: int
    occurred_at: datetime
    kind: str
    actor: str
    cause: dict[str, Any]
    model_version: str | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DecisionAsOf:
    """A steward's verdict on one of the golden record's records and another record, made by ``as_of``."""

    judgement: int
    verdict: str
    records: tuple[str, str]  # SOURCE_SYSTEM:source_record_id
    versions: tuple[int, int]  # the versions the steward saw
    actor: str
    reason: str | None
    decided_at: datetime
    superseded: bool  # a later verdict on the same pair had replaced it by as_of


@dataclass(frozen=True, slots=True)
class Lineage:
    id: str
    as_of: datetime
    party_type: str
    status: str
    # What survivorship made of the versions current then: the same rules as today's golden record.
    attributes: dict[str, Attribute]
    links: tuple[LinkAsOf, ...]
    events: tuple[AuditEventView, ...]
    decisions: tuple[DecisionAsOf, ...] = ()


def parse_as_of(text: str | None) -> datetime:
    """An ISO date (the end of that day, UTC) or date-time (UTC when it names no offset); now when absent."""
    if text is None or not text.strip():
        return utc_now()
    value = text.strip()
    try:
        return datetime.combine(date.fromisoformat(value), time.max, tzinfo=UTC)
    except ValueError:
        pass
    try:
        return as_utc(datetime.fromisoformat(value)).astimezone(UTC)
    except ValueError:
        raise InvalidInput("as_of is not an ISO 8601 date or date-time", (FieldError(
            "as_of", "iso_date_or_datetime", f"expected e.g. 2026-03-31 or 2026-03-31T12:00:00Z, got {value!r}"),
        )) from None


def get_lineage(session: Session, golden_id: str, as_of: datetime) -> Lineage:
    """The golden record as of ``as_of``; a merged id raises ``MovedPermanently`` (its survivor answers)."""
    golden = find_golden_record(session, golden_id)
    if as_utc(golden.created_at) > as_of:
        raise NotFound(f"golden record {golden_id} did not exist yet at {as_of.isoformat()}: "
                       f"it was created at {as_utc(golden.created_at).isoformat()}")
    events = tuple(
        AuditEventView(event.sequence, as_utc(event.occurred_at), event.kind, event.actor, event.cause,
                       event.model_version, event.details)
        for event in session.scalars(select(AuditEvent).where(
            AuditEvent.golden_id == golden_id, AuditEvent.occurred_at <= as_of).order_by(AuditEvent.sequence))
    )
    status = _STATUS_AFTER.get(events[-1].kind, ACTIVE) if events else ACTIVE
    links = session.execute(
        select(RecordLink, SourceRecord.source_system, SourceRecord.source_record_id)
        .join(SourceRecord, SourceRecord.id == RecordLink.record_id)
        .where(RecordLink.golden_id == golden_id, RecordLink.valid_from <= as_of,
               or_(RecordLink.valid_to.is_(None), RecordLink.valid_to > as_of))
        .order_by(SourceRecord.source_system, SourceRecord.source_record_id)
    ).all()
    versions = _versions_as_of(session, [link.record_id for link, _, _ in links], as_of)
    attributes = attributes_of([
        SourceVersion(system, source_record_id, version.number, version.received_at, version.payload)
        for link, system, source_record_id in links
        if (version := versions.get(link.record_id)) is not None and version.payload is not None
    ], golden.party_type)
    return Lineage(golden.id, as_of, golden.party_type, status, attributes, tuple(
        LinkAsOf(system, source_record_id, as_utc(link.valid_from),
                 None if link.valid_to is None else as_utc(link.valid_to), link.model_version, link.probability,
                 link.cause, versions.get(link.record_id))
        for link, system, source_record_id in links
    ), events, _decisions_as_of(session, [link.record_id for link, _, _ in links], as_of))


def _decisions_as_of(session: Session, record_ids: list[int], as_of: datetime) -> tuple[DecisionAsOf, ...]:
    """The verdicts made by ``as_of`` on pairs holding one of these records, oldest first."""
    if not record_ids:
        return ()
    judgements = list(session.scalars(select(Judgement).where(
        or_(Judgement.record_a_id.in_(record_ids), Judgement.record_b_id.in_(record_ids)),
        Judgement.decided_at <= as_of).order_by(Judgement.id)))
    involved = {record for j in judgements for record in (j.record_a_id, j.record_b_id)}
    names = {record: f"{system}:{key}" for record, system, key in session.execute(
        select(SourceRecord.id, SourceRecord.source_system, SourceRecord.source_record_id)
        .where(SourceRecord.id.in_(involved)))} if involved else {}
    latest = {(j.record_a_id, j.record_b_id): j.id for j in judgements}  # ascending ids: the last one wins
    return tuple(DecisionAsOf(
        j.id, j.verdict, (names[j.record_a_id], names[j.record_b_id]), (j.version_a, j.version_b), j.actor, j.reason,
        as_utc(j.decided_at), latest[(j.record_a_id, j.record_b_id)] != j.id) for j in judgements)


def _versions_as_of(session: Session, record_ids: list[int], as_of: datetime) -> dict[int, VersionAsOf]:
    """The latest version of each record recorded at or before ``as_of``."""
    found: dict[int, VersionAsOf] = {}
    rows = session.scalars(
        select(SourceRecordVersion)
        .where(SourceRecordVersion.record_id.in_(record_ids), SourceRecordVersion.recorded_at <= as_of)
        .order_by(SourceRecordVersion.record_id, SourceRecordVersion.version))
    for version in rows:  # ascending: the last one seen per record wins
        found[version.record_id] = VersionAsOf(
            version.version, as_utc(version.received_at), as_utc(version.recorded_at), version.content_hash,
            version.is_tombstone, version.payload)
    return found
