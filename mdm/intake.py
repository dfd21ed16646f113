"""Intake: store what a source sends and resolve it at once, in one transaction (the online flow)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from mdm.audit import SYSTEM_ACTOR
from mdm.errors import FieldError
from mdm.resolution import golden_ids_of, resolve_changed
from mdm.source_records import CREATED, DELETED, UNCHANGED, UPDATED, IngestResult, ingest_records, retract_record
from native import Rebuilt, rebuilt


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """An ingest result with the resolution it triggered (no golden id until a model has been trained)."""

    index: int
    status: str
    source_system: str | None
    source_record_id: str | None
    version: int | None
    errors: tuple[FieldError, ...] = field(default_factory=tuple)
    golden_id: str | None = None
    decision: str | None = None
    affected_golden_ids: tuple[str, ...] = ()
    tasks: tuple[int, ...] = ()  # stewardship tasks on the record opened or refreshed by this write

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def _with_resolution(results: Sequence[IngestResult], session: Session, actor: str) -> list[IntakeResult]:
    changed = {r.record_id for r in results if r.status in (CREATED, UPDATED, DELETED) and r.record_id is not None}
    created = {r.record_id for r in results if r.status == CREATED and r.record_id is not None}
    resolved = resolve_changed(session, changed, actor=actor, created=created)
    # A re-sent record changes nothing, but the sender still learns which client it belongs to.
    standing = golden_ids_of(session, {r.record_id for r in results if r.status == UNCHANGED and r.record_id})
    answers = []
    for result in results:
        outcome = resolved.get(result.record_id) if result.record_id is not None else None
        golden_id = outcome.golden_id if outcome else None
        if result.record_id is not None and result.status == UNCHANGED:
            golden_id = standing.get(result.record_id)
        answers.append(IntakeResult(
            result.position, result.status, result.source_system, result.source_record_id, result.version,
            result.errors, golden_id, outcome.decision if outcome else None, outcome.affected if outcome else (),
            outcome.tasks if outcome else (),
        ))
    return answers


def take_in(session: Session, items: Sequence[object], source_systems: Collection[str],
            actor: str = SYSTEM_ACTOR) -> list[IntakeResult]:
    """Store the items (each judged on its own) and resolve the records they created or changed; ``actor`` is
    who sent them, kept on each version and in the audit trail."""
    return _with_resolution(ingest_records(session, items, source_systems, actor=actor), session, actor)


def take_out(session: Session, source_system: str, source_record_id: str, actor: str = SYSTEM_ACTOR) -> IntakeResult:
    """Retract a record and resolve what it leaves behind."""
    (answer,) = _with_resolution([retract_record(session, source_system, source_record_id, actor=actor)], session,
                                 actor)
    return answer
