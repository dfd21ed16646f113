"""A consolidated hub and the moves that change its golden records, shared by the history tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
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
