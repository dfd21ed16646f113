"""REST adapter for golden records."""

from __future__ import annotations

from typing import Any

from flask import redirect, url_for
from flask_smorest import Blueprint
from marshmallow import RAISE

from mdm.api.problems import PROBLEM_JSON
from mdm.golden_records import MovedPermanently, get_golden_record
from mdm.golden_search import read_search_query, search_golden_records
from mdm.web import unit_of_work
from schemas.golden import GoldenRecordSchema, GoldenSearchQuerySchema, GoldenSearchSchema
from schemas.problems import ProblemSchema

blp = Blueprint("golden", __name__, url_prefix="/golden", description="Golden records: one per real client")


@blp.get("")
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
