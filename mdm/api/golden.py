"""REST adapter for golden records."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_smorest import Blueprint

from mdm.api.problems import PROBLEM_JSON
from mdm.golden_records import MovedPermanently, get_golden_record
from mdm.lineage import get_lineage, parse_as_of
from mdm.web import unit_of_work
from schemas.golden import GoldenRecordSchema
from schemas.lineage import LineageQuerySchema, LineageSchema
from schemas.problems import ProblemSchema

blp = Blueprint("golden", __name__, url_prefix="/golden", description="Golden records: one per real client")


@blp.get("/<golden_id>")
@blp.response(200, GoldenRecordSchema)
@blp.alt_response(308, description="the golden record was merged; Location names the survivor")
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
def get_one(golden_id: str) -> Any:
    """The golden record with its cross-reference to every current source record."""
    try:
        with unit_of_work() as session:
            return get_golden_record(session, golden_id)
    except MovedPermanently as moved:
        return redirect(url_for("golden.get_one", golden_id=moved.survivor), code=308)


@blp.get("/<golden_id>/lineage")
@blp.arguments(LineageQuerySchema, location="query")
@blp.response(200, LineageSchema)
@blp.alt_response(308, description="the golden record was merged; Location names the survivor's lineage")
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM_JSON)
def lineage(query: dict[str, str], golden_id: str) -> Any:
    """Status, links with the source version current then, model versions, probabilities and audit trail, as of
    a date (the end of that day, UTC) or date-time; now by default."""
    as_of = parse_as_of(query.get("as_of"))
    try:
        with unit_of_work() as session:
            return get_lineage(session, golden_id, as_of)
    except MovedPermanently as moved:
        location = url_for("golden.lineage", golden_id=moved.survivor)
        if request.query_string:
            location = f"{location}?{request.query_string.decode()}"
        return redirect(location, code=308)
