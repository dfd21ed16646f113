"""The steward's queue: tasks filtered, ordered by priority and age, and one task with its evidence side by side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from matching.explain import Explanation
from matching.uncertain import TASK_KINDS
from mdm.audit import AuditEntry, append_events
from mdm.clock import as_utc
from mdm.errors import Conflict, FieldError, InvalidInput, NotFound
from mdm.match_explanations import explain_records
from mdm.models import CLOSED, DECIDED, OPEN, Judgement, SourceRecord, SourceRecordVersion, StewardshipTask
from mdm.resolution import golden_ids_of

STATUSES = (OPEN, DECIDED, CLOSED)
# Priority bands a steward filters by (priorities run from about 10 to 90, see mdm.review_queue.task_priority).
PRIORITY_BANDS: dict[str, tuple[int, int]] = {"high": (60, 1_000), "medium": (30, 59), "low": (0, 29)}
PARTY_TYPES = ("person", "organization")
MOST_PER_PAGE = 200
TASK_ASSIGNED = "task.assigned"
# Fields shown side by side, in reading order; any other field a record carries follows them.
DISPLAY_FIELDS = (
    "party_type", "civility", "first_name", "last_name", "full_name", "birth_date", "id_type", "national_id",
    "company_name", "trade_name", "legal_form", "ice", "rc_number", "rc_court", "tax_id", "professional_tax_number",
    "contact_person", "phone", "phone_alt", "email", "address_line", "city", "postal_code", "point_of_sale",
    "product_line", "received_at",
)


@dataclass(frozen=True, slots=True)
class TaskFilter:
    status: str | None = OPEN
    kind: str | None = None
    party_type: str | None = None
    network: str | None = None
    priority: str | None = None  # a band of PRIORITY_BANDS
    assignee: str | None = None

    def check(self) -> None:
        allowed = {"status": STATUSES, "kind": TASK_KINDS, "party_type": PARTY_TYPES, "priority": tuple(PRIORITY_BANDS)}
        errors = tuple(FieldError(name, "one_of", f"{name} must be one of {', '.join(values)}")
                       for name, values in allowed.items() if (value := getattr(self, name)) and value not in values)
        if errors:
            raise InvalidInput("the queue cannot be filtered that way", errors)


@dataclass(frozen=True, slots=True)
class TaskSummary:
    id: int
    kind: str
    status: str
    priority: int
    priority_band: str
    party_type: str
    records: tuple[str, str]  # SOURCE_SYSTEM:source_record_id
    versions: tuple[int, int]
    golden_ids: tuple[str | None, str | None]  # where the two records stand now
    networks: tuple[str, str]
    probability: float | None
    weight: float | None
    model_version: str | None
    detail: str | None
    records_involved: int
    assignee: str | None
    revision: int
    created_at: datetime
    updated_at: datetime
    age_days: int
    outcome: str | None
    ended_by: str | None
    ended_at: datetime | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class TaskPage:
    total: int
    limit: int
    offset: int
    tasks: tuple[TaskSummary, ...]


@dataclass(frozen=True, slots=True)
class RecordSide:
    """One record of a task as the steward sees it: its current version's fields as the source sent them."""

    record: str
    golden_id: str | None
    version: int
    received_at: datetime
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class JudgementView:
    id: int
    verdict: str
    actor: str
    reason: str | None
    decided_at: datetime
    versions: tuple[int, int]


@dataclass(frozen=True, slots=True)
class TaskDetail:
    task: TaskSummary
    left: RecordSide
    right: RecordSide
    fields: tuple[str, ...]  # the fields either record carries, in reading order
    differing: tuple[str, ...]  # those whose values differ (missing on one side counts)
    explanation: Explanation | None  # under the latest model; None when a record was retracted since
    judgements: tuple[JudgementView, ...]  # every verdict on the pair, oldest first


def band_of(priority: int) -> str:
    return next(band for band, (low, high) in PRIORITY_BANDS.items() if low <= priority <= high)


def _filtered(query: Select[Any], wanted: TaskFilter) -> Select[Any]:
    if wanted.status:
        query = query.where(StewardshipTask.status == wanted.status)
    if wanted.kind:
        query = query.where(StewardshipTask.kind == wanted.kind)
    if wanted.party_type:
        query = query.where(StewardshipTask.party_type == wanted.party_type)
    if wanted.network:
        network = wanted.network.upper()
        query = query.where(or_(StewardshipTask.source_system_a == network,
                                StewardshipTask.source_system_b == network))
    if wanted.priority:
        low, high = PRIORITY_BANDS[wanted.priority]
        query = query.where(StewardshipTask.priority.between(low, high))
    if wanted.assignee:
        query = query.where(StewardshipTask.assignee == wanted.assignee)
    return query


def list_tasks(session: Session, wanted: TaskFilter, limit: int = 50, offset: int = 0,
               now: datetime | None = None) -> TaskPage:
    """Tasks most urgent first: priority, then age (the oldest first)."""
    wanted.check()
    limit = max(1, min(limit, MOST_PER_PAGE))
    total = session.scalar(_filtered(select(func.count()).select_from(StewardshipTask), wanted)) or 0
    tasks = list(session.scalars(_filtered(select(StewardshipTask), wanted)
                                 .order_by(StewardshipTask.priority.desc(), StewardshipTask.id)
                                 .limit(limit).offset(max(offset, 0))))
    return TaskPage(total, limit, max(offset, 0), task_summaries(session, tasks, now))


def task_summaries(session: Session, tasks: list[StewardshipTask], now: datetime | None,
                   ) -> tuple[TaskSummary, ...]:
    record_ids = {record for task in tasks for record in (task.record_a_id, task.record_b_id)}
    names = {record_id: f"{system}:{key}" for record_id, system, key in session.execute(
        select(SourceRecord.id, SourceRecord.source_system, SourceRecord.source_record_id)
        .where(SourceRecord.id.in_(record_ids)))} if record_ids else {}
    golden = golden_ids_of(session, record_ids)
    moment = as_utc(now) if now is not None else None
    return tuple(_summary(task, names, golden, moment) for task in tasks)


def _summary(task: StewardshipTask, names: dict[int, str], golden: dict[int, str],
             now: datetime | None) -> TaskSummary:
    a, b = task.record_a_id, task.record_b_id
    created = as_utc(task.created_at)
    end = as_utc(task.ended_at) if task.ended_at else now or created
    return TaskSummary(
        task.id, task.kind, task.status, task.priority, band_of(task.priority), task.party_type, (names[a], names[b]),
        (task.version_a, task.version_b), (golden.get(a), golden.get(b)), (task.source_system_a, task.source_system_b),
        task.probability, task.weight, task.model_version, task.detail, task.records_involved, task.assignee,
        task.revision, created, as_utc(task.updated_at), max((end - created).days, 0), task.outcome, task.ended_by,
        as_utc(task.ended_at) if task.ended_at else None, task.comment,
    )


def find_task(session: Session, task_id: int) -> StewardshipTask:
    task = session.get(StewardshipTask, task_id)
    if task is None:
        raise NotFound(f"no stewardship task {task_id}")
    return task


def get_task(session: Session, task_id: int, now: datetime | None = None) -> TaskDetail:
    """The task, both records side by side (current versions), the differing fields and the model's evidence."""
    task = find_task(session, task_id)
    (summary,) = task_summaries(session, [task], now)
    left, right = (_side(session, record_id, name, golden_id) for record_id, name, golden_id in zip(
        (task.record_a_id, task.record_b_id), summary.records, summary.golden_ids, strict=True))
    present = [name for name in DISPLAY_FIELDS if name in left.fields or name in right.fields]
    present += sorted((set(left.fields) | set(right.fields)) - set(present) - {"source_system", "source_record_id"})
    differing = tuple(name for name in present if name not in ("received_at",)
                      and _shown(left.fields.get(name)) != _shown(right.fields.get(name)))
    explanation = None
    if task.status == OPEN or not _retracted(session, task):
        keys = [tuple(name.split(":", 1)) for name in summary.records]
        explanation = explain_records(session, (keys[0][0], keys[0][1]), (keys[1][0], keys[1][1]))
    verdicts = session.scalars(select(Judgement).where(
        Judgement.record_a_id == task.record_a_id, Judgement.record_b_id == task.record_b_id).order_by(Judgement.id))
    judgements = tuple(JudgementView(j.id, j.verdict, j.actor, j.reason, as_utc(j.decided_at),
                                     (j.version_a, j.version_b)) for j in verdicts)
    return TaskDetail(summary, left, right, tuple(present), differing, explanation, judgements)


def _shown(value: Any) -> str:
    return "" if value is None else str(value).strip().casefold()


def _retracted(session: Session, task: StewardshipTask) -> bool:
    return bool(session.scalar(select(func.count()).select_from(SourceRecord).where(
        SourceRecord.id.in_((task.record_a_id, task.record_b_id)), SourceRecord.is_deleted.is_(True))))


def _side(session: Session, record_id: int, name: str, golden_id: str | None) -> RecordSide:
    head = session.get(SourceRecord, record_id)
    assert head is not None  # a task's records are foreign keys
    version = session.scalars(select(SourceRecordVersion).where(
        SourceRecordVersion.record_id == record_id, SourceRecordVersion.payload.is_not(None))
        .order_by(SourceRecordVersion.version.desc()).limit(1)).one()
    fields = {key: value for key, value in (version.payload or {}).items() if value not in (None, "")}
    return RecordSide(name, golden_id, version.version, as_utc(version.received_at), fields)


def assign_task(session: Session, task_id: int, assignee: str | None, actor: str, now: datetime,
                ) -> TaskSummary:
    """Give an open task to a steward (None: back to the pool); written to the audit trail."""
    task = find_task(session, task_id)
    if task.status != OPEN:
        raise Conflict(f"task {task_id} is {task.status}: only an open task can be assigned")
    before, task.assignee, task.updated_at = task.assignee, assignee, now
    session.flush()
    append_events(session, [AuditEntry(TASK_ASSIGNED, None, actor, {"kind": "stewardship"}, None, {
        "task": task.id, "assignee": assignee, "before": before})], now)
    (summary,) = task_summaries(session, [task], now)
    return summary
