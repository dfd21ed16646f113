"""REST adapter for point of sale reference data."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from mdm.access import Permission
from mdm.api.access import current_principal, requires
from mdm.api.problems import BODY_PROBLEMS, PROBLEM_JSON, problem_answers
from mdm.clock import utc_now
from mdm.points_of_sale import get_point_of_sale, list_points_of_sale, update_point_of_sale
from mdm.web import unit_of_work
from schemas.points_of_sale import PointOfSaleQuerySchema, PointOfSaleSchema, PointOfSaleUpdateSchema
from schemas.problems import ProblemSchema

blp = Blueprint("points_of_sale", __name__, url_prefix="/points-of-sale",
                description="Agencies, broker offices, BGD offices, bank branches and web channels")


@blp.get("")
@requires(Permission.READ_REFERENCE)
@blp.arguments(PointOfSaleQuerySchema, location="query")
@blp.response(200, PointOfSaleSchema(many=True))
def list_all(query: dict[str, str]) -> Any:
    """Points of sale, optionally of one network."""
    with unit_of_work() as session:
        return list_points_of_sale(session, query.get("network"))


@blp.get("/<code>")
@requires(Permission.READ_REFERENCE)
@blp.response(200, PointOfSaleSchema)
@blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM_JSON)
def get_one(code: str) -> Any:
    with unit_of_work() as session:
        return get_point_of_sale(session, code)


@blp.patch("/<code>")
@requires(Permission.ADMINISTER)
@blp.arguments(PointOfSaleUpdateSchema)
@blp.response(200, PointOfSaleSchema)
@problem_answers(blp, *BODY_PROBLEMS, 404, 422)
def patch_one(changes: dict[str, str | None], code: str) -> Any:
    """Edit a point of sale's network, city or name, or declare it closed on a day with its successor."""
    with unit_of_work() as session:
        return update_point_of_sale(session, code, changes, utc_now(), current_principal().actor)
