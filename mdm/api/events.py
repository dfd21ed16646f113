"""REST adapter for the lifecycle event feed."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from mdm.access import Permission
from mdm.api.access import requires
from mdm.api.problems import PROBLEM_JSON
from mdm.events import read_events
from mdm.web import unit_of_work
from schemas.events import EventPageSchema, EventsQuerySchema
from schemas.problems import ProblemSchema

blp = Blueprint("events", __name__, url_prefix="/events", description="Lifecycle events, in commit order")


@blp.get("")
@requires(Permission.READ_AUDIT)
@blp.arguments(EventsQuerySchema, location="query")
@blp.response(200, EventPageSchema)
@blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM_JSON)
def list_events(query: dict[str, int]) -> Any:
    """The events after the id ``after``, oldest first; poll again with ``after=next_after`` for the next ones."""
    with unit_of_work() as session:
        return read_events(session, query["after"], query["limit"])
