"""What a resolution did to each golden record, written once to the audit trail and once to the outbox.

One entry per golden record change (not per link): created, restored (a merged one active again, by a steward's
unmerge), updated (records joined, left or revised), split, merged (into its survivor) or retired. Records are
named ``SOURCE_SYSTEM:source_record_id``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdm.audit import SYSTEM_ACTOR, AuditEntry, append_events
from mdm.db import one_of, plain_rows
from mdm.events import (
    GOLDEN_CREATED,
    GOLDEN_MERGED,
    GOLDEN_RESTORED,
    GOLDEN_RETIRED,
    GOLDEN_SPLIT,
    GOLDEN_UPDATED,
    NewEvent,
    emit_many,
)
from mdm.models import RecordLink, SourceRecord

if TYPE_CHECKING:
    from mdm.resolution import GoldenChanges

ONLINE = "online"
LINK_PROBABILITY = "link_probability"
_CHUNK = 5000
_WRITE_SLICE = 20_000


def record_golden_changes(session: Session, changes: GoldenChanges, actor: str = SYSTEM_ACTOR) -> None:
    """Append the audit entries and emit the lifecycle events of these changes, in the caller's transaction.
    A slice of entries at a time: a full run describes every golden record, and the trail and the outbox each
    continue where the slice before left them."""
    entries = describe_changes(session, changes, actor)
    while written := list(islice(entries, _WRITE_SLICE)):
        append_events(session, written, changes.now)
        # The links' probabilities are the trail's evidence, not part of the lifecycle event contract.
        emit_many(session, [NewEvent(entry.kind, entry.golden_id,
                                     {key: value for key, value in entry.details.items() if key != LINK_PROBABILITY})
                            for entry in written], changes.now)


def describe_changes(session: Session, changes: GoldenChanges, actor: str) -> Iterator[AuditEntry]:
    """One audit entry per changed golden record: created, restored, split, updated, merged, retired, then by id."""
    joined: dict[str, list[int]] = defaultdict(list)
    left: dict[str, list[int]] = defaultdict(list)
    moved_to: dict[str, set[str]] = defaultdict(set)
    came_from: dict[str, set[str]] = defaultdict(set)
    for record_id, before, after in changes.relinked:
        if after is not None:
            joined[after].append(record_id)
        if before is not None:
            left[before].append(record_id)
            if after is not None:
                moved_to[before].add(after)
                came_from[after].add(before)
    relinked = {record_id for record_id, _, _ in changes.relinked}
    revised: dict[str, list[int]] = defaultdict(list)
    stayed = _golden_of(session, changes.revised - relinked)
    for record_id, golden_id in stayed.items():
        revised[golden_id].append(record_id)
    absorbed: dict[str, list[str]] = defaultdict(list)
    for merged_id, survivor in changes.merged.items():
        absorbed[survivor].append(merged_id)
    triggers = sorted(changes.revised) if changes.cause == ONLINE else []
    names, versions = _records(session, relinked | stayed.keys() | set(triggers))
    resolution_cause = {"kind": changes.cause, **changes.decision}  # the same for every entry of a batch run
    kinds = [(GOLDEN_CREATED, changes.created), (GOLDEN_RESTORED, changes.restored), (GOLDEN_SPLIT, changes.split),
             (GOLDEN_UPDATED, changes.refreshed - changes.created - changes.restored - changes.split),
             (GOLDEN_MERGED, frozenset(changes.merged)), (GOLDEN_RETIRED, changes.retired)]
    nothing: list[Any] = []
    triggered_by: dict[str, list[int]] = {}
    for kind, golden_ids in kinds:
        for golden_id in sorted(golden_ids):
            came_in, went_out, revised_here = (joined.get(golden_id, nothing), left.get(golden_id, nothing),
                                               revised.get(golden_id, nothing))
            details: dict[str, Any] = {}
            for name, ids in (("joined", came_in), ("left", went_out), ("revised", revised_here)):
                if ids:
                    details[name] = [names[record_id] for record_id in ids]
            if came_in and changes.probabilities:
                # The score of each new link: with the records that joined, what a rebuild restores links from.
                details[LINK_PROBABILITY] = {names[record_id]: changes.probabilities.get(record_id)
                                               for record_id in came_in}
            if kind in (GOLDEN_CREATED, GOLDEN_RESTORED) and golden_id in came_from:
                details["split_from"] = sorted(came_from[golden_id])
            if kind == GOLDEN_SPLIT:
                details["split_into"] = sorted(moved_to[golden_id])
            if kind == GOLDEN_MERGED:
                details["survivor"] = changes.merged[golden_id]
            if golden_id in absorbed:
                details["absorbed"] = sorted(absorbed[golden_id])
            cause: dict[str, Any] = resolution_cause
            if changes.cause == ONLINE:
                # The changed records this golden record holds or held; a merged one answers with its survivor's.
                own = {*came_in, *went_out, *revised_here}
                triggered_by[golden_id] = [record_id for record_id in triggers if record_id in own]
                relevant = (triggered_by[golden_id] or triggered_by.get(changes.merged.get(golden_id, ""), [])
                            or triggers)
                cause = {"kind": changes.cause, "records": [
                    {"record": names[record_id], "version": versions[record_id]} for record_id in relevant]}
            yield AuditEntry(kind, golden_id, actor, cause, changes.model_version, details)


def _records(session: Session, record_ids: Collection[int]) -> tuple[dict[int, str], dict[int, int]]:
    """Each record's name (``SOURCE_SYSTEM:source_record_id``) and current version number."""
    names: dict[int, str] = {}
    versions: dict[int, int] = {}
    for ids in _slices(record_ids):
        rows = plain_rows(session.execute(
            select(SourceRecord.id, SourceRecord.source_system, SourceRecord.source_record_id,
                   SourceRecord.current_version).where(one_of(session, SourceRecord.id, ids))))
        for record_id, system, source_record_id, version in rows:
            names[record_id] = f"{system}:{source_record_id}"
            versions[record_id] = version
    return names, versions


def _golden_of(session: Session, record_ids: Collection[int]) -> dict[int, str]:
    """The golden record each of these records is linked to now (records without a link are left out)."""
    found: dict[int, str] = {}
    for ids in _slices(record_ids):
        found.update(plain_rows(session.execute(
            select(RecordLink.record_id, RecordLink.golden_id)
            .where(one_of(session, RecordLink.record_id, ids), RecordLink.valid_to.is_(None)))))
    return found


def _slices(record_ids: Collection[int]) -> Iterator[list[int]]:
    ordered = sorted(record_ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start:start + _CHUNK]
