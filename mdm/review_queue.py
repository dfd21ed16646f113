"""The stewardship queue as resolution keeps it: tasks opened, refreshed and closed in the transaction that changes
what they are about, so that no task is ever stale and one pair of clusters never has two open tasks.

A task stands for two clusters (the golden records a steward would compare) through their strongest pair of
records (``matching.uncertain``). A resolution looks again at every open task whose records it re-clustered:
- still uncertain: the task is refreshed when its evidence changed (another pair, a new version, another score),
  with a new revision, so a decision taken on what a steward saw no longer applies;
- the two records now in one cluster, judged by a steward meanwhile, retracted, or no longer uncertain: closed,
  with the reason as its outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from matching.clustering import CANNOT_LINK
from matching.pipeline import BatchResolution
from matching.uncertain import CONSTRAINT_SPLIT, IDENTIFIER_CONFLICT, UncertainPair
from mdm.audit import AuditEntry, append_events
from mdm.events import NewEvent, emit_many
from mdm.models import CLOSED, OPEN, SourceRecord, StewardshipTask
from mdm.resolved_records import ResolvedRecords

TASK_CREATED, TASK_REFRESHED, TASK_CLOSED = "task.created", "task.refreshed", "task.closed"
# Why the data settled a task (its outcome when closed).
LINKED, JUDGED, RETRACTED, SETTLED = "linked", "judged", "retracted", "no_longer_uncertain"
# Priority: legal persons first (a company's duplicate weighs on many contracts), then how telling the kind is,
# then the number of records the decision moves (capped: a huge cluster is not a hundred times more urgent).
_ORGANISATION_PRIORITY = 40
_KIND_PRIORITY = {IDENTIFIER_CONFLICT: 30, CONSTRAINT_SPLIT: 20}
_POSSIBLE_PRIORITY = 10
_MOST_IMPACT = 20


@dataclass(frozen=True, slots=True)
class TaskChanges:
    """What a resolution did to the queue (task ids)."""

    opened: tuple[int, ...] = ()
    refreshed: tuple[int, ...] = ()
    closed: tuple[int, ...] = ()

    def touching(self, record_ids: Iterable[int], tasks_by_record: dict[int, set[int]]) -> tuple[int, ...]:
        """The tasks opened or refreshed that hold one of these records."""
        live = set(self.opened) | set(self.refreshed)
        return tuple(sorted({task for record in record_ids for task in tasks_by_record.get(record, ())
                             if task in live}))


def task_priority(party_type: str, kind: str, records_involved: int) -> int:
    return ((_ORGANISATION_PRIORITY if party_type == "organization" else 0)
            + _KIND_PRIORITY.get(kind, _POSSIBLE_PRIORITY) + min(records_involved, _MOST_IMPACT))


@dataclass(frozen=True, slots=True)
class _Desired:
    pair: UncertainPair
    record_a: int
    record_b: int
    records_involved: int


def refresh_tasks(
    session: Session, resolution: BatchResolution, records: ResolvedRecords, changed: set[int] | None,
    retracted: set[int], judged_pairs: set[tuple[int, int]], now: datetime, actor: str, cause: str,
) -> tuple[TaskChanges, dict[int, set[int]]]:
    """Bring the open tasks of these records in line with their new clustering (positions of ``resolution``, golden
    records each joined).

    ``changed``: the records with a new version (None: a full run, which answers for every open task).
    ``judged_pairs``: the pairs of records with a steward's verdict in force, whatever it says (the clustering
    honoured them): two clusters a steward already compared do not come back to the queue. Answers what changed
    and, for the records of opened or refreshed tasks, their task ids."""
    cluster = resolution.cluster
    record_ids = records.record_ids
    sizes = np.bincount(cluster, minlength=len(record_ids)) if len(record_ids) else np.zeros(0, np.int64)

    def cluster_pair(left: int, right: int) -> tuple[int, int]:
        a, b = int(cluster[left]), int(cluster[right])
        return (a, b) if a < b else (b, a)

    judged = {cluster_pair(position_a, position_b) for a, b in judged_pairs
              if (position_a := records.position(a)) is not None and (position_b := records.position(b)) is not None}
    desired: dict[tuple[int, int], _Desired] = {}
    for pair in resolution.uncertain:
        key = cluster_pair(pair.left, pair.right)
        record_a, record_b = sorted((record_ids[pair.left], record_ids[pair.right]))
        # Two clusters a steward already compared stay out of the queue, except where a record bridged the
        # steward's cannot-link: which side it belongs to is the clustering's guess, a question never asked.
        bridged = pair.kind == CONSTRAINT_SPLIT and pair.detail == CANNOT_LINK
        if key in judged and not (bridged and (record_a, record_b) not in judged_pairs):
            continue
        desired[key] = _Desired(pair, record_a, record_b, int(sizes[key[0]] + sizes[key[1]]))

    existing = _open_tasks(session, None if changed is None else set(record_ids) | retracted)
    heads = _heads(session, {record for d in desired.values() for record in (d.record_a, d.record_b)}
                   | {record for task in existing for record in (task.record_a_id, task.record_b_id)})
    opened: list[StewardshipTask] = []
    refreshed: list[StewardshipTask] = []
    closed: list[tuple[StewardshipTask, str]] = []
    claimed: set[tuple[int, int]] = set()
    keyed: list[tuple[StewardshipTask, tuple[int, int]]] = []
    for task in existing:
        a, b = task.record_a_id, task.record_b_id
        if a in retracted or b in retracted or heads[a].is_deleted or heads[b].is_deleted:
            closed.append((task, RETRACTED))
        elif (position_a := records.position(a)) is None or (position_b := records.position(b)) is None:
            # Its partner was not re-clustered: a record that changed lost every key it shared with it.
            if changed is not None and (a in changed or b in changed):
                closed.append((task, SETTLED))
        else:
            keyed.append((task, cluster_pair(position_a, position_b)))
    # A task already on its pair's strongest records keeps it first, so no two open tasks ever hold one pair.
    keyed.sort(key=lambda item: (item[1] not in desired or (desired[item[1]].record_a, desired[item[1]].record_b)
                                 != (item[0].record_a_id, item[0].record_b_id), item[0].id))
    for task, key in keyed:
        if key[0] == key[1]:
            closed.append((task, LINKED))
        elif key in desired and key not in claimed:
            claimed.add(key)
            if _apply(task, desired[key], heads, resolution.model.version):
                refreshed.append(task)
        else:
            closed.append((task, JUDGED if key in judged else SETTLED))
    # Closed first: a refreshed or new task may take over the pair a closed one held (one open task per pair).
    for task, outcome in closed:
        session.execute(update(StewardshipTask).where(StewardshipTask.id == task.id).values(
            status=CLOSED, outcome=outcome, ended_at=now, ended_by=actor, updated_at=now,
            revision=StewardshipTask.revision + 1))
    session.flush()
    for task in refreshed:
        task.updated_at = now
        task.revision += 1
    session.flush()
    for key, wanted in desired.items():
        if key in claimed:
            continue
        task = StewardshipTask(status=OPEN, revision=1, created_at=now, updated_at=now)
        _apply(task, wanted, heads, resolution.model.version)
        session.add(task)
        opened.append(task)
    session.flush()
    _record(session, opened, refreshed, closed, heads, records, resolution.model.version, actor, cause, now)
    changes = TaskChanges(tuple(t.id for t in opened), tuple(t.id for t in refreshed), tuple(t.id for t, _ in closed))
    by_record: dict[int, set[int]] = {}
    for task in opened + refreshed:
        for record in (task.record_a_id, task.record_b_id):
            by_record.setdefault(record, set()).add(task.id)
    return changes, by_record


def _apply(task: StewardshipTask, wanted: _Desired, heads: dict[int, SourceRecord], model_version: str) -> bool:
    """Set the task's evidence to what the resolution found; answers whether anything a steward sees changed."""
    pair = wanted.pair
    head_a, head_b = heads[wanted.record_a], heads[wanted.record_b]
    values: dict[str, Any] = {
        "kind": pair.kind, "record_a_id": wanted.record_a, "record_b_id": wanted.record_b,
        "version_a": head_a.current_version, "version_b": head_b.current_version, "party_type": head_a.party_type,
        "source_system_a": head_a.source_system, "source_system_b": head_b.source_system,
        "probability": None if pair.probability is None else round(pair.probability, 6),
        "weight": None if pair.weight is None else round(pair.weight, 4), "model_version": model_version,
        "detail": pair.detail, "records_involved": wanted.records_involved,
        "priority": task_priority(head_a.party_type, pair.kind, wanted.records_involved),
    }
    changed = any(getattr(task, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(task, name, value)
    return changed


def _open_tasks(session: Session, record_ids: set[int] | None) -> list[StewardshipTask]:
    """Open tasks holding one of these records (every open task when None), in id order."""
    query = select(StewardshipTask).where(StewardshipTask.status == OPEN).order_by(StewardshipTask.id)
    if record_ids is None:
        return list(session.scalars(query))
    found: dict[int, StewardshipTask] = {}
    ordered = sorted(record_ids)
    for start in range(0, len(ordered), 2000):
        part = ordered[start:start + 2000]
        found.update({task.id: task for task in session.scalars(query.where(
            StewardshipTask.record_a_id.in_(part) | StewardshipTask.record_b_id.in_(part)))})
    return [found[task_id] for task_id in sorted(found)]


def _heads(session: Session, record_ids: set[int]) -> dict[int, SourceRecord]:
    heads: dict[int, SourceRecord] = {}
    ordered = sorted(record_ids)
    for start in range(0, len(ordered), 2000):
        heads.update({head.id: head for head in session.scalars(
            select(SourceRecord).where(SourceRecord.id.in_(ordered[start:start + 2000])))})
    return heads


def close_tasks_of(session: Session, record_ids: set[int], outcome: str, now: datetime, actor: str,
                   model_version: str | None) -> tuple[int, ...]:
    """Close the open tasks holding one of these records (retracted ones, when nothing is left to re-cluster)."""
    tasks = _open_tasks(session, record_ids)
    for task in tasks:
        session.execute(update(StewardshipTask).where(StewardshipTask.id == task.id).values(
            status=CLOSED, outcome=outcome, ended_at=now, ended_by=actor, updated_at=now,
            revision=StewardshipTask.revision + 1))
    _record(session, [], [], [(task, outcome) for task in tasks], {}, ResolvedRecords([], {}), model_version, actor,
            "online", now)
    return tuple(task.id for task in tasks)


def _record(session: Session, opened: list[StewardshipTask], refreshed: list[StewardshipTask],
            closed: list[tuple[StewardshipTask, str]], heads: dict[int, SourceRecord], records: ResolvedRecords,
            model_version: str | None, actor: str, cause_kind: str, now: datetime) -> None:
    """Every change of a task in the audit trail (caused by the resolution: ``online`` or ``resolution``); a new
    task also as a ``task.created`` event."""
    cause = {"kind": cause_kind}

    def describe(task: StewardshipTask) -> dict[str, Any]:
        pair = (task.record_a_id, task.record_b_id)
        return {"task": task.id, "kind": task.kind, "priority": task.priority, "party_type": task.party_type,
                "records": [f"{heads[r].source_system}:{heads[r].source_record_id}" for r in pair],
                "versions": [task.version_a, task.version_b], "golden_ids": [records.golden_of(r) for r in pair],
                "probability": task.probability, "detail": task.detail}

    entries = [AuditEntry(TASK_CREATED, None, actor, cause, model_version, describe(task)) for task in opened]
    entries += [AuditEntry(TASK_REFRESHED, None, actor, cause, model_version, describe(task)) for task in refreshed]
    entries += [AuditEntry(TASK_CLOSED, None, actor, cause, model_version, {"task": task.id, "outcome": outcome})
                for task, outcome in closed]
    append_events(session, entries, now)
    emit_many(session, [NewEvent(TASK_CREATED, None, describe(task)) for task in opened], now)
