"""A consolidated hub and the moves that change its golden records, shared by the history tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import DEFAULT_SOURCE_SYSTEMS
from mdm.db import transaction
from mdm.resolution import current_links, resolve_all, resolve_changed
from mdm.source_records import get_record, ingest_records

Key = tuple[str, str]


def consolidate(sessions: sessionmaker[Session], records: int = 600, now: datetime | None = None) -> None:
    """Store generated records and run a full consolidation."""
    with transaction(sessions) as session:
        ingest_records(session, [g.record for g in generate(records, seed=4)], DEFAULT_SOURCE_SYSTEMS, now)
    resolve_all(sessions, now=now)


def members_by_golden(sessions: sessionmaker[Session]) -> dict[str, list[Key]]:
    members: dict[str, list[Key]] = defaultdict(list)
    with sessions() as session:
        for system, record_id, golden_id in current_links(session):
            members[golden_id].append((system, record_id))
    return dict(members)


def pick(members: dict[str, list[Key]], size: int, avoid: set[str]) -> str:
    """A golden record with at least ``size`` records (exactly one when size is 1), not among ``avoid``. Chosen by
    its records, not by its id (ids are random), so every run picks the same client."""
    return next(golden for golden, keys in sorted(members.items(), key=lambda item: sorted(item[1]))
                if golden not in avoid and (len(keys) >= size if size > 1 else len(keys) == 1))


def payload_of(sessions: sessionmaker[Session], key: Key) -> dict[str, Any]:
    with sessions() as session:
        return dict(get_record(session, *key).current.payload or {})


def as_duplicate_of(sessions: sessionmaker[Session], key: Key, model: Key) -> dict[str, Any]:
    """A new version of record ``key`` that describes the same client as record ``model``."""
    return {**payload_of(sessions, model), "source_system": key[0], "source_record_id": key[1]}


def send_online(sessions: sessionmaker[Session], records: list[dict[str, Any]], now: datetime | None = None) -> None:
    """Store the records and resolve them online, in one transaction (as POST /records does)."""
    with transaction(sessions) as session:
        results = ingest_records(session, records, DEFAULT_SOURCE_SYSTEMS, now)
        resolve_changed(session, {r.record_id for r in results if r.record_id is not None}, now)


LOADED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
MOVED = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
ABSORBED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def moves_and_a_merge(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Loaded on 10 January; on 10 February a record of `source` gets a new version that describes the client of
    `target`, and moves there; on 10 March the only record of `single` does the same (`single` is merged into
    `target`)."""
    consolidate(sessions, now=LOADED)
    members = members_by_golden(sessions)
    target = pick(members, 2, set())
    source = pick(members, 3, {target})
    single = pick(members, 1, set())
    moved = members[source][0]
    send_online(sessions, [as_duplicate_of(sessions, moved, members[target][0])], MOVED)
    send_online(sessions, [as_duplicate_of(sessions, members[single][0], members[target][1])], ABSORBED)
    return {"members": members, "target": target, "source": source, "single": single, "moved": moved}
