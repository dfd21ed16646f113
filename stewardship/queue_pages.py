"""The steward console's queue pages: the queue with its filters, a task side by side, one-click decisions."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from matching.uncertain import TASK_KINDS as KINDS
from mdm.access import Permission
from mdm.api.access import csrf_token, current_principal, page
from mdm.clock import utc_now
from mdm.db import run_transaction
from mdm.errors import MdmError
from mdm.web import session_factory, unit_of_work
from stewardship.decisions import decide_task
from stewardship.queue import PARTY_TYPES, PRIORITY_BANDS, STATUSES, TaskFilter, get_task, list_tasks

blp = Blueprint("queue_pages", __name__, url_prefix="/stewardship", template_folder="templates")
PER_PAGE = 50
MOST_OFFSET = 1_000_000  # as the API's: a larger offset names no page and must not reach SQL
VERDICT_LABELS = {"same": "Same client", "not_same": "Not the same", "unsure": "Unsure"}


def _filter_from_query() -> TaskFilter:
    args = request.args
    return TaskFilter(args.get("status") or "open", args.get("kind") or None, args.get("party_type") or None,
                      args.get("network") or None, args.get("priority") or None, args.get("assignee") or None)


@blp.get("/queue")
@page(Permission.READ_STEWARDSHIP)
def queue() -> ResponseReturnValue:
    wanted = _filter_from_query()
    offset = request.args.get("offset", "0")
    start = min(int(offset), MOST_OFFSET) if offset.isdigit() else 0
    error = None
    try:
        with unit_of_work() as session:
            tasks = list_tasks(session, wanted, PER_PAGE, start, utc_now())
    except MdmError as refused:
        error, tasks = refused, None
    return render_template(
        "stewardship/queue.html", wanted=wanted, tasks=tasks, error=error, statuses=STATUSES, kinds=KINDS,
        party_types=PARTY_TYPES, bands=tuple(PRIORITY_BANDS), per_page=PER_PAGE, principal=current_principal(),
        csrf_token=csrf_token()), 422 if error else 200


@blp.get("/tasks/<int:task_id>")
@page(Permission.READ_STEWARDSHIP)
def task(task_id: int) -> ResponseReturnValue:
    return _render_task(task_id, None, 200)


def _render_task(task_id: int, problem: MdmError | None, status: int) -> ResponseReturnValue:
    """The task page; an unknown task is answered by the hub's page for problems (404)."""
    with unit_of_work() as session:
        detail = get_task(session, task_id, utc_now())
    principal = current_principal()
    return render_template("stewardship/task.html", detail=detail, problem=problem, verdicts=VERDICT_LABELS,
                           may_decide=principal.may(Permission.STEWARD), principal=principal,
                           csrf_token=csrf_token(), back=_back_to_queue()), status


def _back_to_queue() -> str:
    """The queue page the steward came from (its filters and page), and never a link elsewhere: ``back`` comes
    from the URL, so a ``javascript:`` or foreign link would be a trap on a trusted page."""
    back = request.args.get("back", "")
    queue_path = url_for(".queue")
    return back if back == queue_path or back.startswith(f"{queue_path}?") else queue_path


@blp.post("/tasks/<int:task_id>/decision")
@page(Permission.STEWARD)
def decide(task_id: int) -> ResponseReturnValue:
    form = request.form
    revision = form.get("revision", "")
    actor = current_principal().actor
    try:
        run_transaction(session_factory(), lambda session: decide_task(
            session, task_id, form.get("verdict", ""), form.get("comment") or None, actor, utc_now(),
            int(revision) if revision.isdigit() else None))
    except MdmError as refused:
        return _render_task(task_id, refused, refused.status)
    return redirect(url_for(".task", task_id=task_id, decided=1), code=303)
