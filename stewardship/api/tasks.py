"""REST adapter for the stewardship queue: tasks, decisions, assignments and direct judgements."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from mdm.access import Permission
from mdm.api.access import current_principal, requires
from mdm.api.problems import BODY_PROBLEMS, problem_answers
from mdm.clock import utc_now
from mdm.db import run_transaction
from mdm.errors import FieldError, InvalidInput
from mdm.match_explanations import parse_record_reference
from mdm.web import session_factory, unit_of_work
from schemas import BIGINT_MAX
from schemas.stewardship import (
    AssignmentSchema,
    DecisionResultSchema,
    DecisionSchema,
    JudgementOutSchema,
    JudgementRequestSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskQuerySchema,
    TaskSchema,
)
from stewardship.decisions import decide_task
from stewardship.judgements import judge_against_golden, record_judgement
from stewardship.queue import TaskFilter, assign_task, get_task, list_tasks

blp = Blueprint("stewardship", __name__, url_prefix="/stewardship",
                description="The data stewards' queue: tasks, decisions and judgements")
TASK = f"/tasks/<int(max={BIGINT_MAX}):task_id>"


@blp.get("/tasks")
@requires(Permission.READ_STEWARDSHIP)
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskPageSchema)
def list_queue(query: dict[str, Any]) -> Any:
    """The queue, most urgent first (priority, then age), filtered by status, kind, party type, network, priority
    band and assignee."""
    wanted = TaskFilter(query["status"], query.get("kind"), query.get("party_type"), query.get("network"),
                        query.get("priority"), query.get("assignee"))
    with unit_of_work() as session:
        return list_tasks(session, wanted, query["limit"], query["offset"], utc_now())


@blp.get(TASK)
@requires(Permission.READ_STEWARDSHIP)
@blp.response(200, TaskDetailSchema)
@problem_answers(blp, 404, 409)
def get_one(task_id: int) -> Any:
    """The task with both records side by side, the fields that differ, and the model's per-field evidence."""
    with unit_of_work() as session:
        return get_task(session, task_id, utc_now())


@blp.post(f"{TASK}/decision")
@requires(Permission.STEWARD)
@blp.arguments(DecisionSchema)
@blp.response(200, DecisionResultSchema)
@problem_answers(blp, *BODY_PROBLEMS, 404, 409, 422)
def decide(decision: dict[str, Any], task_id: int) -> Any:
    """Decide a task: same, not_same or unsure, with a comment. The verdict becomes a judgement that every later
    resolution honours; a task already decided, or changed since ``revision``, answers 409."""
    actor = current_principal().actor
    return run_transaction(session_factory(), lambda session: decide_task(
        session, task_id, decision["verdict"], decision.get("comment"), actor, utc_now(), decision.get("revision")))


@blp.post(f"{TASK}/assignment")
@requires(Permission.STEWARD)
@blp.arguments(AssignmentSchema)
@blp.response(200, TaskSchema)
@problem_answers(blp, *BODY_PROBLEMS, 404, 409, 422)
def assign(assignment: dict[str, Any], task_id: int) -> Any:
    """Give an open task to a steward, or back to the pool (null)."""
    with unit_of_work() as session:
        return assign_task(session, task_id, assignment["assignee"], current_principal().actor, utc_now())


@blp.post("/judgements")
@requires(Permission.STEWARD)
@blp.arguments(JudgementRequestSchema)
@blp.response(201, JudgementOutSchema)
@problem_answers(blp, *BODY_PROBLEMS, 404, 409, 422)
def judge(request: dict[str, Any]) -> Any:
    """A verdict on two records (a, b), or on a record and a golden record (a, golden_id), without a task."""
    if ("b" in request) == ("golden_id" in request):
        raise InvalidInput("judge a against one record or one golden record", (FieldError(
            "b", "one_of", "give exactly one of b and golden_id"),))
    left = parse_record_reference("a", request["a"])
    actor, now, verdict, reason = current_principal().actor, utc_now(), request["verdict"], request.get("reason")
    if "golden_id" in request:
        return run_transaction(session_factory(), lambda session: judge_against_golden(
            session, left, request["golden_id"], verdict, actor, reason, now))
    right = parse_record_reference("b", request["b"])
    return run_transaction(session_factory(), lambda session: record_judgement(
        session, left, right, verdict, actor, reason, now))
