"""REST adapter for steward overrides of golden records: merge, split, unmerge, undo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from mdm.access import Permission
from mdm.api.access import current_principal, requires
from mdm.api.problems import BODY_PROBLEMS, problem_answers
from mdm.clock import utc_now
from mdm.db import run_transaction
from mdm.web import session_factory
from schemas import INTEGER_MAX
from schemas.overrides import MergeRequestSchema, OverrideSchema, ReasonSchema, SplitRequestSchema
from stewardship.overrides import (
    OverrideResult,
    merge_golden_records,
    split_golden_record,
    undo_override,
    unmerge_golden_record,
)

blp = Blueprint("overrides", __name__, url_prefix="/golden",
                description="Steward overrides: merge, split and unmerge golden records, and undo each")
# Bad input (422), an unknown golden record or override (404), a state that moved on (409).
_ANSWERS = (*BODY_PROBLEMS, 404, 409, 422)


def _override(work: Callable[[Session, str], OverrideResult]) -> dict[str, Any]:
    """Run the override in one transaction (again if it lost a race) as the calling steward; its answer."""
    actor = current_principal().actor
    result = run_transaction(session_factory(), lambda session: work(session, actor))
    return {
        "id": result.id, "kind": result.kind, "golden_id": result.golden_id, "undoes": result.undoes,
        "actor": result.actor, "reason": result.reason, "decided_at": result.decided_at,
        "judgements": list(result.judgements),
        "golden_records": [
            {"id": golden.id, "party_type": golden.party_type, "status": golden.status,
             "merged_into": golden.merged_into,
             "records": [{"source_system": system, "source_record_id": record_id}
                         for system, record_id in golden.records]}
            for golden in result.golden_records],
    }


@blp.post("/merge")
@requires(Permission.STEWARD)
@blp.arguments(MergeRequestSchema)
@blp.response(200, OverrideSchema)
@problem_answers(blp, *_ANSWERS)
def merge(request: dict[str, Any]) -> Any:
    """Merge active golden records into one (the survivor, the oldest by default); the others redirect to it
    (308), and every later resolution keeps their records together."""
    return _override(lambda session, actor: merge_golden_records(
        session, request["golden_ids"], request.get("survivor"), actor, request["reason"], utc_now()))


@blp.post("/<golden_id>/split")
@requires(Permission.STEWARD)
@blp.arguments(SplitRequestSchema)
@blp.response(200, OverrideSchema)
@problem_answers(blp, *_ANSWERS)
def split(request: dict[str, Any], golden_id: str) -> Any:
    """Take records out of a golden record, together into a new one (or each alone); every later resolution keeps
    them apart from the rest. The id stays with the part that keeps most records."""
    keys = [(key["source_system"], key["source_record_id"]) for key in request["records"]]
    return _override(lambda session, actor: split_golden_record(
        session, golden_id, keys, request["each_alone"], actor, request["reason"], utc_now()))


@blp.post("/<golden_id>/unmerge")
@requires(Permission.STEWARD)
@blp.arguments(ReasonSchema)
@blp.response(200, OverrideSchema)
@problem_answers(blp, *_ANSWERS)
def unmerge(request: dict[str, Any], golden_id: str) -> Any:
    """Give a merged id back: active again with the records it held before its merge; the survivor keeps the
    rest."""
    return _override(lambda session, actor: unmerge_golden_record(
        session, golden_id, actor, request["reason"], utc_now()))


@blp.post(f"/overrides/<int(max={INTEGER_MAX}):override_id>/undo")
@requires(Permission.STEWARD)
@blp.arguments(ReasonSchema)
@blp.response(200, OverrideSchema)
@problem_answers(blp, *_ANSWERS)
def undo(request: dict[str, Any], override_id: int) -> Any:
    """Undo an override with another one: a merge is unmerged, a split merged back under the same ids, an unmerge
    merged again."""
    return _override(lambda session, actor: undo_override(session, override_id, actor, request["reason"], utc_now()))
