"""The steward's overrides from the golden record page: merge another golden record in, split records out, give a
merged id back. Each form posts here, runs the same use case as the REST API, then shows the golden record."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue

from mdm.access import Permission
from mdm.api.access import current_principal, page
from mdm.clock import utc_now
from mdm.db import run_transaction
from mdm.errors import FieldError, InvalidInput
from mdm.web import session_factory
from stewardship.overrides import (
    OverrideResult,
    merge_golden_records,
    split_golden_record,
    unmerge_golden_record,
)

blp = Blueprint("override_pages", __name__)


def _shown_after(result: OverrideResult, golden_id: str) -> ResponseReturnValue:
    """The golden record the steward acted on (its survivor if it is gone), with the override named."""
    return redirect(url_for("console.golden_record", golden_id=golden_id, override=result.id) + "#overrides",
                    code=303)


@blp.post("/golden/<golden_id>/merge")
@page(Permission.STEWARD)
def merge(golden_id: str) -> ResponseReturnValue:
    others = [value for value in request.form.get("golden_ids", "").replace(",", " ").split() if value]
    if not others:
        raise InvalidInput("name the golden records to merge into this one", (FieldError(
            "golden_ids", "required", "give at least one golden id (GC-…)"),))
    actor, reason = current_principal().actor, request.form.get("reason", "")
    result = run_transaction(session_factory(), lambda session: merge_golden_records(
        session, [golden_id, *others], golden_id, actor, reason, utc_now()))
    return _shown_after(result, golden_id)


@blp.post("/golden/<golden_id>/split")
@page(Permission.STEWARD)
def split(golden_id: str) -> ResponseReturnValue:
    records = [tuple(value.split(":", 1)) for value in request.form.getlist("records") if ":" in value]
    actor, reason = current_principal().actor, request.form.get("reason", "")
    each_alone = request.form.get("each_alone") == "1"
    result = run_transaction(session_factory(), lambda session: split_golden_record(
        session, golden_id, [(system, record_id) for system, record_id in records], each_alone, actor, reason,
        utc_now()))
    return _shown_after(result, golden_id)


@blp.post("/golden/<golden_id>/unmerge")
@page(Permission.STEWARD)
def unmerge(golden_id: str) -> ResponseReturnValue:
    """``golden_id`` is the merged id to give back (named by the survivor's page)."""
    actor, reason = current_principal().actor, request.form.get("reason", "")
    result = run_transaction(session_factory(), lambda session: unmerge_golden_record(
        session, golden_id, actor, reason, utc_now()))
    return _shown_after(result, golden_id)
