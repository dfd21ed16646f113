"""REST adapter for source records: upsert one or many, read, list versions, retract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from flask_smorest import Blueprint

from mdm.access import Permission, require_source_system
from mdm.api.access import current_principal, requires
from mdm.api.json_body import read_json_body
from mdm.api.problems import PROBLEM_JSON
from mdm.api.request_log import note_record_keys
from mdm.db import run_transaction
from mdm.errors import FieldError, InvalidInput
from mdm.intake import IntakeResult, take_in, take_out
from mdm.source_records import CREATED, REJECTED, get_record, list_versions
from mdm.text_rules import text_error
from mdm.validation import MAX_ID_LENGTH, MAX_SOURCE_SYSTEM_LENGTH
from mdm.web import session_factory, unit_of_work
from schemas.problems import ProblemSchema
from schemas.records import (
    BatchResultSchema,
    IngestResultSchema,
    RecordInSchema,
    RecordSchema,
    VersionSchema,
)

blp = Blueprint("records", __name__, url_prefix="/records", description="Source records pushed by source systems")
F = TypeVar("F", bound=Callable[..., Any])


def _problems(*statuses: int) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        for status in statuses:
            view = blp.alt_response(status, schema=ProblemSchema, content_type=PROBLEM_JSON)(view)
        return view
    return decorate


def _well_formed_keys(items: list[Any]) -> list[str]:
    keys = []
    for item in items:
        if not isinstance(item, dict):
            continue
        system, record_id = item.get("source_system"), item.get("source_record_id")
        if (isinstance(system, str) and isinstance(record_id, str)
                and text_error("source_system", system, MAX_SOURCE_SYSTEM_LENGTH) is None
                and text_error("source_record_id", record_id, MAX_ID_LENGTH) is None):
            keys.append(f"{system.strip().upper()}:{record_id.strip()}")
    return keys


def _ingest(items: list[Any]) -> list[IntakeResult]:
    principal = current_principal()
    # A source token speaks for its own network only: one record of another refuses the whole request.
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("source_system"), str) and item["source_system"]:
            require_source_system(principal, item["source_system"])
    source_systems = current_app.config["SOURCE_SYSTEMS"]
    # Named before the transaction, so that a failure is logged with the records it concerned.
    note_record_keys(_well_formed_keys(items))
    results = run_transaction(session_factory(),
                              lambda session: take_in(session, items, source_systems, principal.actor))
    # Keys of stored records only: a rejected item's key may be anything the sender put there.
    note_record_keys(f"{r.source_system}:{r.source_record_id}" for r in results if r.status != REJECTED)
    return results


@blp.post("")
@requires(Permission.WRITE_RECORDS)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": RecordInSchema}}})
@blp.response(200, IngestResultSchema, description="a new version was stored, or the content was unchanged")
@blp.alt_response(201, schema=IngestResultSchema, description="a new source record was created")
@_problems(400, 413, 422)
def post_record() -> Any:
    """Upsert one source record: a new record, a new version, or unchanged when the content is the same."""
    body = read_json_body()
    if not isinstance(body, dict):
        raise InvalidInput("a record must be a JSON object", (FieldError("$", "type", "expected a JSON object"),))
    (result,) = _ingest([body])
    if result.status == REJECTED:
        raise InvalidInput("the record breaks the ingest contract", result.errors)
    return result, 201 if result.status == CREATED else 200


@blp.post("/batch")
@requires(Permission.WRITE_RECORDS)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": {
    "type": "array", "items": {"$ref": "#/components/schemas/RecordIn"},
}}}})
@blp.response(200, BatchResultSchema, description="one result per item, in order; good items are stored")
@_problems(400, 413, 422)
def post_batch() -> Any:
    """Upsert many records (a JSON array, or an object with a ``records`` array) in one transaction."""
    body = read_json_body()
    items = body.get("records") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise InvalidInput("a batch is a JSON array of records",
                           (FieldError("$", "type", "expected a JSON array of records"),))
    limit = current_app.config["BATCH_MAX_ITEMS"]
    if len(items) > limit:
        raise InvalidInput(f"a batch holds at most {limit} records",
                           (FieldError("$", "max_items", f"{len(items)} records sent, at most {limit} allowed"),))
    results = _ingest(items)
    summary = {"received": len(items), "created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    for result in results:
        summary[result.status] += 1
    return {"summary": summary, "items": results}


@blp.get("/<source_system>/<path:source_record_id>/versions")
@requires(Permission.READ_RECORDS)
@blp.response(200, VersionSchema(many=True))
@_problems(404)
def get_versions(source_system: str, source_record_id: str) -> Any:
    """Every version of the record, oldest first, tombstones included."""
    require_source_system(current_principal(), source_system)
    with unit_of_work() as session:
        return list_versions(session, source_system, source_record_id)


@blp.get("/<source_system>/<path:source_record_id>")
@requires(Permission.READ_RECORDS)
@blp.response(200, RecordSchema)
@_problems(404)
def get_source_record(source_system: str, source_record_id: str) -> Any:
    """The record and its current version."""
    require_source_system(current_principal(), source_system)
    with unit_of_work() as session:
        return get_record(session, source_system, source_record_id)


@blp.delete("/<source_system>/<path:source_record_id>")
@requires(Permission.WRITE_RECORDS)
@blp.response(200, IngestResultSchema, description="a tombstone version was written (or it already was retracted)")
@_problems(404)
def delete_source_record(source_system: str, source_record_id: str) -> Any:
    """Retract the record: a tombstone version; earlier versions stay readable."""
    principal = current_principal()
    require_source_system(principal, source_system)
    result = run_transaction(session_factory(),
                             lambda session: take_out(session, source_system, source_record_id, principal.actor))
    note_record_keys([f"{result.source_system}:{result.source_record_id}"])
    return result
