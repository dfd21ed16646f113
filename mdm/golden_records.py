"""Golden records as users read them: identity, status, and the cross-reference to every source record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdm.clock import as_utc
from mdm.errors import MdmError, NotFound
from mdm.models import GoldenRecord, RecordLink, SourceRecord

# A merge chain longer than this would be a data error, not history.
MAX_REDIRECTS = 50


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


@dataclass(frozen=True, slots=True)
class GoldenView:
    id: str
    party_type: str
    status: str
    created_at: datetime
    updated_at: datetime
    xrefs: tuple[CrossReference, ...]


def _survivor(session: Session, golden: GoldenRecord) -> str:
    current = golden
    for _ in range(MAX_REDIRECTS):
        if current.merged_into is None:
            return current.id
        target = session.get(GoldenRecord, current.merged_into)
        if target is None:
            break
        current = target
    raise RuntimeError(f"golden record {golden.id} has a broken or circular merge chain")


def require_active_golden(session: Session, golden_id: str) -> GoldenRecord:
    """The golden record that answers for this id: ``NotFound`` if unknown, ``MovedPermanently`` if merged."""
    golden = session.get(GoldenRecord, golden_id)
    if golden is None:
        raise NotFound(f"no golden record {golden_id!r}")
    if golden.merged_into is not None:
        raise MovedPermanently(golden_id, _survivor(session, golden))
    return golden


def get_golden_record(session: Session, golden_id: str) -> GoldenView:
    """The golden record and its current cross-references; a merged id raises ``MovedPermanently``."""
    golden = require_active_golden(session, golden_id)
    rows = session.execute(
        select(SourceRecord.source_system, SourceRecord.source_record_id, SourceRecord.point_of_sale_code,
               SourceRecord.product_line, RecordLink.valid_from, RecordLink.model_version, RecordLink.probability,
               RecordLink.cause)
        .join(RecordLink, RecordLink.record_id == SourceRecord.id)
        .where(RecordLink.golden_id == golden_id, RecordLink.valid_to.is_(None))
        .order_by(SourceRecord.source_system, SourceRecord.source_record_id)
    )
    xrefs = tuple(
        CrossReference(system, record_id, point_of_sale, product_line, as_utc(since), model, probability, cause)
        for system, record_id, point_of_sale, product_line, since, model, probability, cause in rows
    )
    return GoldenView(golden.id, golden.party_type, golden.status, as_utc(golden.created_at),
                      as_utc(golden.updated_at), xrefs)
