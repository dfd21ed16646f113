"""REST adapter for golden records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, request, url_for
from flask_smorest import Blueprint
from marshmallow import RAISE
from sqlalchemy.orm import Session

from mdm.access import Permission, require_golden_visible
from mdm.api.access import current_principal, requires
from mdm.api.problems import PROBLEM_JSON
from mdm.golden_records import MovedPermanently, get_golden_record
from mdm.golden_search import read_search_query, search_golden_records
from mdm.lineage import get_lineage, parse_as_of
from mdm.movements import movement_history
from mdm.web import unit_of_work
from schemas.golden import GoldenRecordSchema, GoldenSearchQuerySchema, GoldenSearchSchema, MovementHistorySchema
from schemas.lineage import LineageQuerySchema, LineageSchema
from schemas.problems import ProblemSchema

blp = Blueprint("golden", __name__, url_prefix="/golden", description="Golden records: one per real client")


def _read_or_redirect(endpoint: str, golden_id: str, read: Callable[[Session, str], Any]) -> Any:
    """What ``read`` answers for the golden record, or a permanent redirect to the same endpoint (and query) of its
    survivor; a source system sees only the golden records its own records belong to."""
    try:
        with unit_of_work() as session:
            require_golden_visible(session, current_principal(), golden_id)
            return read(session, golden_id)
    except MovedPermanently as moved:
        location = url_for(endpoint, golden_id=moved.survivor)
        if request.query_string:
            location = f"{location}?{request.query_string.decode()}"
        return redirect(location, code=308)


@blp.get("")
@requires(Permission.SEARCH_GOLDEN)
@blp.arguments(GoldenSearchQuerySchema, location="query", unknown=RAISE)
@blp.response(200, GoldenSearchSchema)
@blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM_JSON)
def search(query: dict[str, Any]) -> Any:
    """Find clients by name (fuzzy), identifier, phone, e-mail and city; active golden records, best first,
    each with the criteria that matched on which source record."""
    search_query = read_search_query(query)
    with unit_of_work() as session:
        return search_golden_records(session, search_query)


@blp.get("/<golden_id>")
@requires(Permission.READ_GOLDEN)
@blp.response(200, GoldenRecordSchema)
@blp.alt_response(308, description="the golden record was merged; Location names the survivor")
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
def get_one(golden_id: str) -> Any:
    """The golden record with its cross-reference to every current source record."""
    return _read_or_redirect("golden.get_one", golden_id, get_golden_record)


@blp.get("/<golden_id>/lineage")
@requires(Permission.READ_AUDIT)
@blp.arguments(LineageQuerySchema, location="query")
@blp.response(200, LineageSchema)
@blp.alt_response(308, description="the golden record was merged; Location names the survivor's lineage")
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM_JSON)
def lineage(query: dict[str, str], golden_id: str) -> Any:
    """Status, attributes, links with the source version current then, model versions, probabilities and audit
    trail, as of a date (the end of that day, UTC) or date-time; now by default."""
    as_of = parse_as_of(query.get("as_of"))
    return _read_or_redirect("golden.lineage", golden_id, lambda session, gid: get_lineage(session, gid, as_of))


@blp.get("/<golden_id>/movements")
@requires(Permission.READ_GOLDEN)
@blp.response(200, MovementHistorySchema)
@blp.alt_response(308, description="the golden record was merged; Location names the survivor's movements")
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
def movements(golden_id: str) -> Any:
    """Point-of-sale history: every stint (network, point of sale, dates, reason, the record that opened it) and
    the points of sale serving the client now."""
    return _read_or_redirect("golden.movements", golden_id, movement_history)
