"""REST adapter for match explanations."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from mdm.access import Permission
from mdm.api.access import requires
from mdm.api.problems import PROBLEM_JSON
from mdm.match_explanations import explain_records, parse_record_reference
from mdm.web import unit_of_work
from schemas.matches import ExplainQuerySchema, ExplanationSchema
from schemas.problems import ProblemSchema

blp = Blueprint("matches", __name__, url_prefix="/match", description="Why two records are (not) one client")


@blp.get("/explain")
@requires(Permission.SEARCH_GOLDEN)
@blp.arguments(ExplainQuerySchema, location="query")
@blp.response(200, ExplanationSchema)
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
@blp.alt_response(409, schema=ProblemSchema, content_type=PROBLEM_JSON)
@blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM_JSON)
def explain(query: dict[str, str]) -> Any:
    """Per-field evidence (level, weight, values), total weight, probability, band and model version."""
    left, right = parse_record_reference("a", query["a"]), parse_record_reference("b", query["b"])
    with unit_of_work() as session:
        return explain_records(session, left, right)
