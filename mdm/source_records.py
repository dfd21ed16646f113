"""Source records: store them as append-only versions, retract them, read them back."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from mdm.capture_journal import CREATION, MODIFICATION, RETRACTION, Capture, journal_captures
from mdm.clock import as_utc, utc_now
from mdm.db import bulk_insert_columns, next_ids, on_postgresql, one_of, plain_rows
from mdm.errors import FieldError, NotFound
from mdm.models import PointOfSale, SourceRecord, SourceRecordVersion
from mdm.points_of_sale import ensure_points_of_sale, network_of
from mdm.validation import IncomingRecord, validate_record
from native import Rebuilt, rebuilt

CREATED, UPDATED, UNCHANGED, DELETED, REJECTED = "created", "updated", "unchanged", "deleted", "rejected"
TOMBSTONE_HASH = "tombstone"

_record_table = cast(Table, SourceRecord.__table__)
_version_table = cast(Table, SourceRecordVersion.__table__)


class IngestResult(NamedTuple):
    """What happened to one submitted item (``position``: its place in the submitted batch). A named tuple: a load
    makes one per record."""

    position: int
    status: str
    source_system: str | None = None
    source_record_id: str | None = None
    version: int | None = None
    errors: tuple[FieldError, ...] = ()
    # The stored record's internal id, so resolution can follow up on what was stored.
    record_id: int | None = None


@dataclass(slots=True)
class _Head:
    id: int | None
    version: int
    content_hash: str
    is_deleted: bool


def _load_heads(session: Session, keys: set[tuple[str, str]], lock: bool = False) -> dict[tuple[str, str], _Head]:
    """The heads of these records; ``lock``: held until the transaction ends, so a concurrent writer of one of
    them waits, then reads the version this one stored instead of writing the same version number again."""
    if not keys:
        return {}
    ids = sorted({source_record_id for _, source_record_id in keys})
    query = select(
        _record_table.c.source_system, _record_table.c.source_record_id, _record_table.c.id,
        _record_table.c.current_version, _record_table.c.content_hash, _record_table.c.is_deleted,
    ).where(one_of(session, _record_table.c.source_record_id, ids))
    if lock:
        # In id order, so batches sharing records never deadlock; NO KEY UPDATE leaves inserts of rows that
        # refer to a head (versions, links) free. A record's homonyms in other sources are locked as well.
        query = query.order_by(_record_table.c.id).with_for_update(key_share=True)
    rows = plain_rows(session.execute(query))
    # Filtering on the id alone uses the key index on every backend; other sources' homonyms are dropped here.
    return {(r[0], r[1]): _Head(r[2], r[3], r[4], r[5]) for r in rows if (r[0], r[1]) in keys}


def ingest_records(
    session: Session,
    items: Sequence[object],
    source_systems: Collection[str],
    now: datetime | None = None,
    actor: str | None = None,
) -> list[IngestResult]:
    """Validate and store a batch; each item gets its own result and only good items are written.

    Runs inside the caller's transaction: the whole batch lands or nothing does.
    """
    results: list[IngestResult] = []
    accepted: list[tuple[int, IncomingRecord]] = []
    for index, raw in enumerate(items):
        outcome = validate_record(raw, source_systems)
        if isinstance(outcome, list):
            results.append(IngestResult(index, REJECTED, *_key_of(raw), errors=tuple(outcome)))
        else:
            accepted.append((index, outcome))
    results += store_records(session, accepted, now, actor)
    return sorted(results, key=lambda result: result.position)


def store_records(
    session: Session,
    accepted: Sequence[tuple[int, IncomingRecord]],
    now: datetime | None = None,
    actor: str | None = None,
    reserved_ids: Sequence[int] | None = None,
) -> list[IngestResult]:
    """Store records that passed validation (each with its index in the caller's batch), in the caller's
    transaction; answers their results in the order given. ``reserved_ids`` (PostgreSQL): ids drawn beforehand
    from the records' sequence, one per item of ``accepted``; a new record takes its item's."""
    now = now or utc_now()
    # Each record's index, status and version; its result is made once its head has an id.
    outcomes: list[tuple[int, str, IncomingRecord, int]] = []
    heads = _load_heads(session, {record.key for _, record in accepted}, lock=True)
    first_networks: dict[str, str] = {}
    for _, record in accepted:
        if record.point_of_sale:
            first_networks.setdefault(record.point_of_sale, record.source_system)
    networks = ensure_points_of_sale(session, first_networks, now)
    # Per head to write: its latest record and when that arrived (and, for a new head, when its first did).
    new_heads: dict[tuple[str, str], tuple[datetime, IncomingRecord, datetime]] = {}
    head_updates: dict[tuple[str, str], tuple[IncomingRecord, datetime]] = {}
    versions: list[_NewVersion] = []
    for position, (index, record) in enumerate(accepted):
        key = record.key
        head = heads.get(key)
        if head is not None and not head.is_deleted and head.content_hash == record.content_hash:
            outcomes.append((index, UNCHANGED, record, head.version))
            continue
        received_at = record.received_at or now
        if head is None:
            head = heads[key] = _Head(reserved_ids[position] if reserved_ids else None, 1, record.content_hash, False)
            new_heads[key] = (received_at, record, received_at)
            outcomes.append((index, CREATED, record, 1))
        else:
            head.version += 1
            head.content_hash, head.is_deleted = record.content_hash, False
            if key in new_heads:
                new_heads[key] = (new_heads[key][0], record, received_at)
            else:
                head_updates[key] = (record, received_at)
            outcomes.append((index, UPDATED, record, head.version))
        versions.append(_NewVersion(record, head.version, received_at))

    _write(session, heads, new_heads, head_updates, versions, now, actor)
    journal_captures(session, [Capture(
        CREATION if version.number == 1 else MODIFICATION, version.received_at,
        network_of(networks, version.record.point_of_sale, version.record.source_system),
        version.record.point_of_sale, version.record.product_line, version.record.party_type,
        version.record.carried_fields,
    ) for version in versions])
    return [IngestResult(index, status, record.source_system, record.source_record_id, version,
                         record_id=heads[record.key].id) for index, status, record, version in outcomes]


class _NewVersion(NamedTuple):
    record: IncomingRecord
    number: int
    received_at: datetime


def _write(
    session: Session,
    heads: dict[tuple[str, str], _Head],
    new_heads: dict[tuple[str, str], tuple[datetime, IncomingRecord, datetime]],
    head_updates: dict[tuple[str, str], tuple[IncomingRecord, datetime]],
    versions: list[_NewVersion],
    now: datetime,
    actor: str | None,
) -> None:
    if new_heads:
        postgresql = on_postgresql(session)
        drawn = [key for key in new_heads if heads[key].id is None]
        if postgresql and drawn:
            # Ids drawn from the key's sequence first: the heads go in with their ids, nothing to read back.
            for key, record_id in zip(drawn, next_ids(session, _record_table, len(drawn)), strict=True):
                heads[key].id = record_id
        firsts = list(new_heads.values())
        latest = [record for _, record, _ in firsts]
        columns: dict[str, Sequence[Any]] = {
            "source_system": [record.source_system for record in latest],
            "source_record_id": [record.source_record_id for record in latest],
            "party_type": [record.party_type for record in latest],
            "point_of_sale_code": [record.point_of_sale for record in latest],
            "product_line": [record.product_line for record in latest],
            "content_hash": [record.content_hash for record in latest],
            "current_version": [heads[key].version for key in new_heads],
            "is_deleted": [False] * len(latest),
            "first_received_at": [first for first, _, _ in firsts],
            "last_received_at": [last for _, _, last in firsts],
            "updated_at": [now] * len(latest),
        }
        if postgresql:
            bulk_insert_columns(session, _record_table, {"id": [heads[key].id for key in new_heads], **columns})
        else:
            # A plain executemany then one read-back is far faster than RETURNING row by row on SQLite.
            bulk_insert_columns(session, _record_table, columns)
            for key, stored in _load_heads(session, set(new_heads)).items():
                heads[key].id = stored.id
    if head_updates:
        session.execute(
            update(_record_table).where(_record_table.c.id == bindparam("b_id")).values(
                {name: bindparam(f"b_{name}") for name in _HEAD_CHANGES}
            ),
            [
                {"b_id": heads[key].id, "b_party_type": record.party_type, "b_point_of_sale_code": record.point_of_sale,
                 "b_product_line": record.product_line, "b_content_hash": record.content_hash,
                 "b_current_version": heads[key].version, "b_is_deleted": False, "b_last_received_at": received_at,
                 "b_updated_at": now}
                # In id order, so concurrent batches touching the same records lock them in the same order.
                for key, (record, received_at) in sorted(head_updates.items(), key=lambda item: heads[item[0]].id or 0)
            ],
        )
    if versions:
        records = [version.record for version in versions]
        bulk_insert_columns(session, _version_table, {
            "record_id": [heads[record.key].id for record in records],
            "version": [version.number for version in versions],
            "content_hash": [record.content_hash for record in records],
            "is_tombstone": [False] * len(records),
            "party_type": [record.party_type for record in records],
            "point_of_sale_code": [record.point_of_sale for record in records],
            "product_line": [record.product_line for record in records],
            "payload": [record.payload_text for record in records],
            "received_at": [version.received_at for version in versions],
            "recorded_at": [now] * len(records),
            "recorded_by": [actor] * len(records),
        })


# What a new version changes in its record's head.
_HEAD_CHANGES = ("party_type", "point_of_sale_code", "product_line", "content_hash", "current_version", "is_deleted",
                 "last_received_at", "updated_at")


def _key_of(raw: object) -> tuple[str | None, str | None]:
    """The key of a rejected item, as far as it can be read, so the caller can tell which one failed."""
    if not isinstance(raw, dict):
        return None, None
    source_system, source_record_id = raw.get("source_system"), raw.get("source_record_id")
    return (
        source_system if isinstance(source_system, str) else None,
        str(source_record_id) if isinstance(source_record_id, (str, int)) else None,
    )


@dataclass(frozen=True, slots=True)
class VersionView:
    version: int
    content_hash: str
    is_tombstone: bool
    party_type: str
    point_of_sale: str | None
    product_line: str | None
    payload: dict[str, Any] | None
    received_at: datetime
    recorded_at: datetime
    recorded_by: str | None

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class RecordView:
    source_system: str
    source_record_id: str
    party_type: str
    point_of_sale: str | None
    product_line: str | None
    is_deleted: bool
    first_received_at: datetime
    last_received_at: datetime
    current: VersionView

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def _find_head(session: Session, source_system: str, source_record_id: str) -> SourceRecord:
    head = session.scalars(
        select(SourceRecord).where(
            SourceRecord.source_system == source_system.upper(),
            SourceRecord.source_record_id == source_record_id,
        )
    ).one_or_none()
    if head is None:
        raise NotFound(f"no record {source_record_id!r} from source system {source_system!r}")
    return head


def _version_view(row: SourceRecordVersion) -> VersionView:
    return VersionView(
        row.version, row.content_hash, row.is_tombstone, row.party_type, row.point_of_sale_code,
        row.product_line, row.payload, as_utc(row.received_at), as_utc(row.recorded_at), row.recorded_by,
    )


def get_record(session: Session, source_system: str, source_record_id: str) -> RecordView:
    """The record's head and its current version (a retracted record answers with its tombstone)."""
    head = _find_head(session, source_system, source_record_id)
    current = session.scalars(
        select(SourceRecordVersion).where(
            SourceRecordVersion.record_id == head.id, SourceRecordVersion.version == head.current_version,
        )
    ).one()
    return RecordView(
        head.source_system, head.source_record_id, head.party_type, head.point_of_sale_code,
        head.product_line, head.is_deleted, as_utc(head.first_received_at), as_utc(head.last_received_at),
        _version_view(current),
    )


def list_versions(session: Session, source_system: str, source_record_id: str) -> list[VersionView]:
    """Every version of a record, oldest first."""
    head = _find_head(session, source_system, source_record_id)
    rows = session.scalars(
        select(SourceRecordVersion)
        .where(SourceRecordVersion.record_id == head.id)
        .order_by(SourceRecordVersion.version)
    )
    return [_version_view(row) for row in rows]


def retract_record(
    session: Session, source_system: str, source_record_id: str, now: datetime | None = None,
    actor: str | None = None,
) -> IngestResult:
    """Write a tombstone version; retracting an already retracted record changes nothing."""
    now = now or utc_now()
    head = _find_head(session, source_system, source_record_id)
    if head.is_deleted:
        return IngestResult(0, UNCHANGED, head.source_system, head.source_record_id, head.current_version)
    head.current_version += 1
    head.is_deleted = True
    head.content_hash = TOMBSTONE_HASH
    head.last_received_at = now
    head.updated_at = now
    session.add(SourceRecordVersion(
        record_id=head.id, version=head.current_version, content_hash=TOMBSTONE_HASH, is_tombstone=True,
        party_type=head.party_type, point_of_sale_code=head.point_of_sale_code,
        product_line=head.product_line, payload=None, received_at=now, recorded_at=now, recorded_by=actor,
    ))
    session.flush()
    point_of_sale = session.get(PointOfSale, head.point_of_sale_code) if head.point_of_sale_code else None
    journal_captures(session, [Capture(
        RETRACTION, now, point_of_sale.network if point_of_sale else head.source_system, head.point_of_sale_code,
        head.product_line, head.party_type, None,
    )])
    return IngestResult(0, DELETED, head.source_system, head.source_record_id, head.current_version,
                        record_id=head.id)
