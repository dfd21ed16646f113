"""The outbox: lifecycle events other systems read with ``GET /events?after=``, written in the transaction that
made the change, so an event exists exactly when its change was committed.

Writers take the audit chain head lock before inserting: ids are then handed out in commit order, and a reader
that pages with ``after`` never skips an event that a slower transaction commits later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from mdm.audit import lock_chain_head
from mdm.clock import as_utc
from mdm.db import bulk_insert_columns, json_text, plain_rows
from mdm.models import OutboxEvent
from native import Rebuilt, rebuilt

GOLDEN_CREATED, GOLDEN_UPDATED, GOLDEN_MERGED = "golden.created", "golden.updated", "golden.merged"
GOLDEN_SPLIT, GOLDEN_RETIRED = "golden.split", "golden.retired"
GOLDEN_RESTORED = "golden.restored"  # a merged golden record made active again by a steward's unmerge
CLIENT_MOVED = "client.moved"
EVENT_TYPES = frozenset({GOLDEN_CREATED, GOLDEN_UPDATED, GOLDEN_MERGED, GOLDEN_SPLIT, GOLDEN_RETIRED, GOLDEN_RESTORED,
                         CLIENT_MOVED, "task.created", "task.decided"})
_outbox_table = cast(Table, OutboxEvent.__table__)


# A named tuple: a full run makes one per golden record, and a frozen dataclass costs four times more to build.
class NewEvent(NamedTuple):
    type: str
    golden_id: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    id: int
    type: str
    golden_id: str | None
    occurred_at: datetime
    payload: dict[str, Any]

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class EventPage:
    events: tuple[PublishedEvent, ...]
    next_after: int  # what to pass as ``after`` next time: the last id read (or the same ``after`` if none)

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def emit(session: Session, type: str, golden_id: str | None, payload: dict[str, Any], now: datetime) -> None:
    """Write one lifecycle event in the caller's transaction."""
    emit_many(session, [NewEvent(type, golden_id, payload)], now)


def emit_many(session: Session, events: Sequence[NewEvent], now: datetime) -> None:
    """Write lifecycle events, in order, in the caller's transaction."""
    if not events:
        return
    unknown = {event.type for event in events} - EVENT_TYPES
    if unknown:
        raise ValueError(f"unknown event types: {sorted(unknown)}")
    lock_chain_head(session)
    moment = as_utc(now).astimezone(UTC)
    bulk_insert_columns(session, _outbox_table, {
        "type": [event.type for event in events], "golden_id": [event.golden_id for event in events],
        "occurred_at": [moment] * len(events), "payload": [json_text(event.payload) for event in events],
    })


def read_events(session: Session, after: int, limit: int) -> EventPage:
    """The events with an id greater than ``after``, in id order (at most ``limit``)."""
    rows = plain_rows(session.execute(
        select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.golden_id, OutboxEvent.occurred_at, OutboxEvent.payload)
        .where(OutboxEvent.id > after).order_by(OutboxEvent.id).limit(limit)))
    events = tuple(PublishedEvent(event_id, event_type, golden_id, as_utc(occurred_at), payload)
                   for event_id, event_type, golden_id, occurred_at, payload in rows)
    return EventPage(events, events[-1].id if events else after)
