"""Golden records as users read them: identity, status, surviving attributes with their provenance, every
candidate value, and the cross-reference to every source record."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mdm.clock import as_utc
from mdm.db import plain_rows
from mdm.errors import MdmError, NotFound
from mdm.models import GoldenRecord, RecordLink, SourceRecord
from mdm.survivorship import Attribute, Quality, Value, expand, golden_survivorship
from native import Rebuilt, rebuilt

# A merge chain longer than this would be a data error, not history.
MAX_REDIRECTS = 50
ACTIVE = "active"
EXPORT_CHUNK = 2000


class MovedPermanently(MdmError):
    """The golden record was merged: its survivor answers for it from now on."""

    status = 308
    title = "Permanent redirect"

    def __init__(self, golden_id: str, survivor: str) -> None:
        super().__init__(f"golden record {golden_id} was merged into {survivor}")
        self.survivor = survivor


@dataclass(frozen=True, slots=True)
class CrossReference:
    source_system: str
    source_record_id: str
    point_of_sale: str | None
    product_line: str | None
    linked_since: datetime
    model_version: str | None
    probability: float | None
    cause: str

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class CandidateValue:
    """A value one linked record's current version offers for a field, chosen or not."""

    value: Value
    raw: Value
    quality: Quality
    source_system: str
    source_record_id: str
    version: int
    received_at: datetime

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class GoldenView:
    id: str
    party_type: str
    status: str
    created_at: datetime
    updated_at: datetime
    attributes: dict[str, Attribute]
    candidates: dict[str, list[CandidateValue]]
    xrefs: tuple[CrossReference, ...]

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def survivor_of(session: Session, golden: GoldenRecord) -> str:
    """The id at the end of a golden record's chain of merges (its own id when it was not merged)."""
    current = golden
    for _ in range(MAX_REDIRECTS):
        if current.merged_into is None:
            return current.id
        target = session.get(GoldenRecord, current.merged_into)
        if target is None:
            break
        current = target
    raise RuntimeError(f"golden record {golden.id} has a broken or circular merge chain")


def cross_references(session: Session, golden_ids: list[str]) -> dict[str, list[CrossReference]]:
    """The current cross-references of these golden records (one query: pass at most a few thousand ids)."""
    rows = session.execute(
        select(RecordLink.golden_id, SourceRecord.source_system, SourceRecord.source_record_id,
               SourceRecord.point_of_sale_code, SourceRecord.product_line, RecordLink.valid_from,
               RecordLink.model_version, RecordLink.probability, RecordLink.cause)
        .join(RecordLink, RecordLink.record_id == SourceRecord.id)
        .where(RecordLink.golden_id.in_(golden_ids), RecordLink.valid_to.is_(None))
        .order_by(RecordLink.golden_id, SourceRecord.source_system, SourceRecord.source_record_id)
    )
    found: dict[str, list[CrossReference]] = {}
    for golden_id, system, record_id, point_of_sale, product_line, since, model, probability, cause in plain_rows(rows):
        found.setdefault(golden_id, []).append(
            CrossReference(system, record_id, point_of_sale, product_line, as_utc(since), model, probability, cause))
    return found


def count_active(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(GoldenRecord).where(GoldenRecord.status == ACTIVE)) or 0


def export_golden_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every active golden record with its attributes (and their provenance) and cross-references, streamed in id
    order; the values are ready for orjson (dataclasses and aware datetimes)."""
    rows = session.execute(
        select(GoldenRecord.id, GoldenRecord.party_type, GoldenRecord.status, GoldenRecord.created_at,
               GoldenRecord.updated_at, GoldenRecord.attributes)
        .where(GoldenRecord.status == ACTIVE).order_by(GoldenRecord.id).execution_options(yield_per=EXPORT_CHUNK)
    )
    for batch in rows.partitions():
        xrefs = cross_references(session, [row.id for row in batch])
        for golden_id, party_type, status, created_at, updated_at, attributes in plain_rows(batch):
            yield {"id": golden_id, "party_type": party_type, "status": status, "created_at": as_utc(created_at),
                   "updated_at": as_utc(updated_at), "attributes": expand(attributes),
                   "xrefs": xrefs.get(golden_id, [])}


def find_golden_record(session: Session, golden_id: str) -> GoldenRecord:
    """The golden record under this id: ``NotFound`` if none, ``MovedPermanently`` if it was merged."""
    golden = session.get(GoldenRecord, golden_id)
    if golden is None:
        raise NotFound(f"no golden record {golden_id!r}")
    if golden.merged_into is not None:
        raise MovedPermanently(golden_id, survivor_of(session, golden))
    return golden


def get_golden_record(session: Session, golden_id: str) -> GoldenView:
    """The golden record and its current cross-references; a merged id raises ``MovedPermanently``."""
    golden = find_golden_record(session, golden_id)
    xrefs = tuple(cross_references(session, [golden_id]).get(golden_id, ()))
    # Candidates are computed on read from the immutable versions; only the chosen attributes are stored.
    candidates = {
        field: [CandidateValue(c.reading.value, c.reading.raw, c.reading.quality, c.source.source_system,
                               c.source.source_record_id, c.source.version, c.source.received_at) for c in found]
        for field, found in golden_survivorship(session, golden.id, golden.party_type).candidates.items()
    }
    return GoldenView(golden.id, golden.party_type, golden.status, as_utc(golden.created_at),
                      as_utc(golden.updated_at), expand(golden.attributes), candidates, xrefs)
