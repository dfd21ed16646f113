"""A steward's decision on a task: the task ends, the verdict becomes a judgement every later resolution honours.

Two stewards may open one task at once; the first decision wins and the second is refused (409), never silently
applied on top: the claim is one conditional UPDATE on the task's status and revision, which PostgreSQL serialises
on the row (the second writer waits, then finds the task no longer open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from mdm.audit import AuditEntry, append_events
from mdm.errors import Conflict
from mdm.events import NewEvent, emit_many
from mdm.models import DECIDED, OPEN, SourceRecord, StewardshipTask
from stewardship.judgements import JudgementResult, record_judgement, validate_verdict
from stewardship.queue import TaskSummary, find_task, task_summaries

TASK_DECIDED = "task.decided"


@dataclass(frozen=True, slots=True)
class TaskDecision:
    task: TaskSummary
    judgement: JudgementResult


def decide_task(session: Session, task_id: int, verdict: str, comment: str | None, actor: str, now: datetime,
                revision: int | None = None) -> TaskDecision:
    """Decide an open task (``revision``: the one the steward saw; a task refreshed since is refused)."""
    validate_verdict(verdict)
    task = find_task(session, task_id)
    if task.status != OPEN:
        raise Conflict(f"task {task_id} is already {task.status}"
                       + (f" ({task.outcome} by {task.ended_by})" if task.ended_by else ""))
    if revision is not None and revision != task.revision:
        raise Conflict(f"task {task_id} changed since revision {revision} (now {task.revision}): reload it and "
                       "decide on what it shows now")
    claimed = session.execute(
        update(StewardshipTask)
        .where(StewardshipTask.id == task_id, StewardshipTask.status == OPEN,
               StewardshipTask.revision == task.revision)
        .values(status=DECIDED, outcome=verdict, ended_at=now, ended_by=actor, comment=comment, updated_at=now,
                revision=StewardshipTask.revision + 1)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"task {task_id} was decided or changed by someone else meanwhile: reload it")
    session.refresh(task)
    records = [session.get(SourceRecord, record_id) for record_id in (task.record_a_id, task.record_b_id)]
    keys = [(record.source_system, record.source_record_id) for record in records if record is not None]
    judgement = record_judgement(session, keys[0], keys[1], verdict, actor, comment, now)
    task.judgement_id = judgement.id
    session.flush()
    details = {"task": task.id, "verdict": verdict, "comment": comment, "judgement": judgement.id,
               "records": [f"{system}:{key}" for system, key in keys], "golden_ids": list(judgement.golden_ids)}
    append_events(session, [AuditEntry(TASK_DECIDED, None, actor, {"kind": "stewardship"}, task.model_version,
                                       details)], now)
    emit_many(session, [NewEvent(TASK_DECIDED, None, details)], now)
    (summary,) = task_summaries(session, [task], now)
    return TaskDecision(summary, judgement)
