"""The audit trail: append-only, hash-chained entries for every change of a golden record: what happened, who did
it (actor), why (cause), under which model version, and the details (records that joined or left, survivor, …).

Each entry's hash is sha256 over the previous entry's hash and a canonical serialisation of its own fields, so
changing or removing any entry breaks the chain from there on. Appending locks the one-row chain head until the
transaction ends: concurrent writers extend one chain, and sequence numbers follow commit order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mdm.clock import as_utc
from mdm.db import bulk_insert_columns, json_text, on_postgresql, plain_rows
from mdm.models import AuditChainHead, AuditEvent
from native import Rebuilt, rebuilt

SYSTEM_ACTOR = "hub"  # automatic resolution; a steward's decisions carry the steward's user
GENESIS_HASH = "0" * 64  # what the first entry chains to
_HEAD_ID = 1
# In ``Session.info``: (the transaction holding the head's lock, its sequence, its hash) as that transaction left it.
_HEAD_HELD = "mdm.audit.head_held"
_event_table = cast(Table, AuditEvent.__table__)


# A named tuple: a full run makes one per golden record, and a frozen dataclass costs four times more to build.
class AuditEntry(NamedTuple):
    """One change to append: ``cause`` and ``details`` are JSON objects of strings, integers and lists."""

    kind: str
    golden_id: str | None
    actor: str
    cause: dict[str, Any]
    model_version: str | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """Whether the chain holds; if not, the first event that does not (its sequence number) and why."""

    intact: bool
    events: int
    first_broken: int | None = None
    problem: str | None = None

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def _timestamp(moment: datetime) -> str:
    return as_utc(moment).astimezone(UTC).isoformat(timespec="microseconds")


def _chain_hash(previous: str, sequence: int, occurred_at: str, entry: AuditEntry) -> str:
    canonical = orjson.dumps(
        {"sequence": sequence, "occurred_at": occurred_at, "kind": entry.kind, "golden_id": entry.golden_id,
         "actor": entry.actor, "cause": entry.cause, "model_version": entry.model_version, "details": entry.details},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(previous.encode("ascii") + canonical).hexdigest()


def lock_chain_head(session: Session) -> tuple[int, str]:
    """Lock the chain head until the transaction ends and answer (last sequence, last hash). Every writer of the
    audit trail or the outbox takes it first, so their rows appear in commit order. A transaction reads it once:
    nobody else can move it while the lock is held, and ``append_events`` remembers where it left it."""
    held = session.info.get(_HEAD_HELD)
    if held is not None and held[0] is session.get_transaction():
        return held[1], held[2]
    locked = select(AuditChainHead.sequence, AuditChainHead.hash).where(AuditChainHead.id == _HEAD_ID).with_for_update()
    heads = plain_rows(session.execute(locked))
    if not heads:  # an empty trail: the first writer creates the head, a concurrent one waits for it
        insert = postgresql_insert if on_postgresql(session) else sqlite_insert
        session.execute(insert(AuditChainHead).values(id=_HEAD_ID, sequence=0, hash=GENESIS_HASH)
                        .on_conflict_do_nothing())
        heads = plain_rows(session.execute(locked))
    sequence, head_hash = heads[0]
    session.info[_HEAD_HELD] = (session.get_transaction(), int(sequence), str(head_hash))
    return int(sequence), str(head_hash)


def append_events(session: Session, entries: Sequence[AuditEntry], occurred_at: datetime) -> None:
    """Append the entries to the chain, in order, in the caller's transaction."""
    if not entries:
        return
    sequence, previous = lock_chain_head(session)
    first = sequence + 1
    moment = as_utc(occurred_at).astimezone(UTC)
    stamp = _timestamp(moment)
    hashes = []
    for entry in entries:  # each hash covers the one before: sequential by nature
        sequence += 1
        previous = _chain_hash(previous, sequence, stamp, entry)
        hashes.append(previous)
    bulk_insert_columns(session, _event_table, {
        "sequence": list(range(first, sequence + 1)), "occurred_at": [moment] * len(entries),
        "kind": [entry.kind for entry in entries], "golden_id": [entry.golden_id for entry in entries],
        "actor": [entry.actor for entry in entries], "cause": [json_text(entry.cause) for entry in entries],
        "model_version": [entry.model_version for entry in entries],
        "details": [json_text(entry.details) for entry in entries], "hash": hashes,
    })
    session.execute(update(AuditChainHead).where(AuditChainHead.id == _HEAD_ID)
                    .values(sequence=sequence, hash=previous))
    session.info[_HEAD_HELD] = (session.get_transaction(), sequence, previous)


def verify_chain(session: Session) -> ChainVerdict:
    """Recompute every hash from the first event to the chain head."""
    expected, previous = 1, GENESIS_HASH
    rows: Iterable[Any] = session.execute(  # Rows, streamed: not tuples to compiled code (see ``plain_rows``)
        select(AuditEvent.sequence, AuditEvent.occurred_at, AuditEvent.kind, AuditEvent.golden_id, AuditEvent.actor,
               AuditEvent.cause, AuditEvent.model_version, AuditEvent.details, AuditEvent.hash)
        .order_by(AuditEvent.sequence).execution_options(yield_per=10_000))
    for sequence, occurred_at, kind, golden_id, actor, cause, model_version, details, stored in rows:
        if sequence != expected:
            return ChainVerdict(False, expected - 1, expected,
                                f"event {expected} is missing: the chain goes from {expected - 1} to {sequence}")
        entry = AuditEntry(kind, golden_id, actor, cause, model_version, details)
        if _chain_hash(previous, sequence, _timestamp(occurred_at), entry) != stored:
            return ChainVerdict(False, expected - 1, expected,
                                f"event {expected} does not match its hash: it, or the hash of the event before, "
                                "was changed")
        previous = stored
        expected += 1
    last = expected - 1
    heads = plain_rows(session.execute(select(AuditChainHead.sequence, AuditChainHead.hash)
                                       .where(AuditChainHead.id == _HEAD_ID)))
    if not heads:
        return ChainVerdict(not last, last, 1 if last else None, "the chain head is missing" if last else None)
    head_sequence, head_hash = heads[0]
    if head_sequence != last:
        return ChainVerdict(False, last, min(head_sequence, last) + 1,
                            f"the chain head names event {head_sequence} but the trail ends at event {last}")
    if head_hash != previous:
        return ChainVerdict(False, last, last, f"event {last} does not match the hash the chain head holds")
    return ChainVerdict(True, last)
