"""Bulk load of a .jsonl / .jsonl.gz file through the same ingest use case as the API, chunk by chunk."""

from __future__ import annotations

import gzip
import io
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from mdm.audit import SYSTEM_ACTOR
from mdm.db import (
    commit_without_waiting_for_disk,
    next_ids,
    on_postgresql,
    refresh_statistics,
    run_transaction,
    transaction,
)
from mdm.errors import FieldError, MalformedRequest
from mdm.heap import batch_collection_pace
from mdm.intake import IntakeResult, take_in
from mdm.models import SourceRecord, SourceRecordVersion
from mdm.source_records import REJECTED, IngestResult, store_records
from mdm.strict_json import parse_json
from mdm.validation import IncomingRecord, validate_record
from native import Rebuilt, rebuilt

# Each chunk is one transaction: a crash loses at most the chunks in flight, and a re-run of the same
# file is idempotent (every record already stored answers "unchanged").
DEFAULT_CHUNK_SIZE = 5000
# Chunks stored at once on PostgreSQL, each on its own connection.
CONCURRENT_CHUNKS = 2
# Processes that parse and validate chunks ahead of the one that stores them: the machine's two cores.
CHECKING_PROCESSES = 2

_record_table = cast(Table, SourceRecord.__table__)


@dataclass(slots=True)
class LoadSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Online loads only: how each stored record was resolved (linked / new / possible).
    decisions: Counter[str] = field(default_factory=Counter)

    @property
    def stored(self) -> int:
        return self.created + self.updated


def _open(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """The decoded line stream and the raw file underneath (whose position measures progress)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the returned handle
    if path.suffix == ".gz":
        return io.BufferedReader(gzip.GzipFile(fileobj=raw)), raw
    return raw, raw


def _parsed(text: bytes) -> tuple[Any, FieldError | None]:
    """A line's value, or why it has none."""
    try:
        # The same strict JSON as the API: a line with a duplicate key has no single meaning either.
        return parse_json(text), None
    except MalformedRequest as error:
        return None, error.errors[0]


def load_file(
    sessions: sessionmaker[Session],
    path: Path,
    source_systems: Collection[str],
    reject: Callable[[int, bytes, tuple[FieldError, ...]], None],
    progress: Callable[[int], None] = lambda _position: None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    online: bool = False,
    actor: str = SYSTEM_ACTOR,
) -> LoadSummary:
    """Stream the file (never whole in memory); every rejected line goes to ``reject`` with its reasons.
    ``online``: each chunk is resolved in its own transaction as it is stored, exactly as the API does."""
    summary = LoadSummary()
    stream, raw = _open(path)
    with stream, raw, batch_collection_pace():
        if online:
            _load_online(sessions, stream, raw, source_systems, reject, progress, chunk_size, actor, summary)
        else:
            _store_checked(sessions, stream, raw, source_systems, reject, progress, chunk_size, actor, summary)
    with transaction(sessions) as session:
        refresh_statistics(session, [cast(Table, model.__table__) for model in (SourceRecord, SourceRecordVersion)])
    return summary


def _load_online(
    sessions: sessionmaker[Session], stream: IO[bytes], raw: IO[bytes], source_systems: Collection[str],
    reject: Callable[[int, bytes, tuple[FieldError, ...]], None], progress: Callable[[int], None],
    chunk_size: int, actor: str, summary: LoadSummary,
) -> None:
    for lines, position in _batches(stream, raw, chunk_size):
        parsed = [(number, text, *_parsed(text)) for number, text in lines]
        readable = [(number, text, value) for number, text, value, error in parsed if error is None]
        results = run_transaction(sessions, partial(take_in, items=[value for _, _, value in readable],
                                                    source_systems=source_systems, actor=actor))
        summary.decisions.update(result.decision for result in results if result.decision)
        summary.read += len(lines)
        for number, text, _, error in parsed:
            if error is not None:
                _count_rejection(summary, reject, number, text, (error,))
        _count_results(summary, reject, [(number, text) for number, text, _ in readable], results)
        progress(position)


def _store_checked(
    sessions: sessionmaker[Session], stream: IO[bytes], raw: IO[bytes], source_systems: Collection[str],
    reject: Callable[[int, bytes, tuple[FieldError, ...]], None], progress: Callable[[int], None],
    chunk_size: int, actor: str, summary: LoadSummary,
) -> None:
    """Worker processes parse and validate the chunks ahead; this process stores them, a few at once."""
    with _ChunkWriters(sessions, actor, summary, progress) as writers:
        for lines, position, checked in _checked_batches(_batches(stream, raw, chunk_size),
                                                         frozenset(source_systems)):
            summary.read += len(lines)
            accepted: list[tuple[int, IncomingRecord]] = []
            invalid: list[tuple[int, bytes]] = []
            errors: list[tuple[FieldError, ...]] = []
            for (number, text), outcome in zip(lines, checked, strict=True):
                if isinstance(outcome, _Unreadable):
                    _count_rejection(summary, reject, number, text, (outcome.error,))
                elif isinstance(outcome, _Invalid):
                    invalid.append((number, text))
                    errors.append(outcome.errors)
                else:
                    accepted.append((len(accepted), _incoming(outcome)))
            # Rejected as the API rejects: the lines that are no JSON first, then the records that break a rule.
            for (number, text), broken in zip(invalid, errors, strict=True):
                _count_rejection(summary, reject, number, text, broken)
            writers.store(accepted, position)


class _ChunkWriters:
    """Stores chunks in their own transactions, on PostgreSQL two at once on two connections: while the database
    writes one chunk, Python prepares the next (alone, each waited for the other: the load took the sum of both).
    What was stored still follows the file's order. A record's versions are numbered in it: a chunk holding a
    record that a chunk still being stored holds waits for it. New records take ids drawn beforehand, chunk after
    chunk, whichever transaction comes first: a full run reads records in id order, and its training sample and
    its ties follow that order, so a load gives the same clusters however its chunks were timed. SQLite takes one
    writer at a time: there chunks are stored one after the other. Results and progress are counted in file order."""

    def __init__(self, sessions: sessionmaker[Session], actor: str, summary: LoadSummary,
                 progress: Callable[[int], None]) -> None:
        with sessions() as session:
            self._postgresql = on_postgresql(session)
        self._most = CONCURRENT_CHUNKS if self._postgresql else 1
        self._sessions, self._actor, self._summary, self._progress = sessions, actor, summary, progress
        self._pool = ThreadPoolExecutor(self._most, thread_name_prefix="load-writer")
        self._storing: deque[tuple[set[tuple[str, str]], Future[list[IngestResult]], int]] = deque()

    def __enter__(self) -> _ChunkWriters:
        return self

    def __exit__(self, *failure: object) -> None:
        try:
            if failure[0] is None:
                while self._storing:
                    self._finish_oldest()
        finally:
            self._pool.shutdown(wait=True)

    def store(self, accepted: list[tuple[int, IncomingRecord]], position: int) -> None:
        keys = {record.key for _, record in accepted}
        while self._storing and (len(self._storing) == self._most
                                 or any(not keys.isdisjoint(held) for held, _, _ in self._storing)):
            self._finish_oldest()
        reserved = None
        if self._postgresql and accepted:  # one id per record: those that turn out not new leave a gap
            with transaction(self._sessions) as session:
                reserved = next_ids(session, _record_table, len(accepted))
        self._storing.append((keys, self._pool.submit(run_transaction, self._sessions, partial(
            _store_chunk, accepted=accepted, actor=self._actor, reserved_ids=reserved)), position))

    def _finish_oldest(self) -> None:
        _, stored, position = self._storing.popleft()
        for result in stored.result():
            setattr(self._summary, result.status, getattr(self._summary, result.status) + 1)
        self._progress(position)


def _store_chunk(session: Session, accepted: list[tuple[int, IncomingRecord]], actor: str,
                 reserved_ids: list[int] | None) -> list[IngestResult]:
    # A chunk whose commit a crash loses is stored again by a re-run of the file, each of its records new or
    # unchanged from what is stored: the load need not wait for each commit to reach the disk.
    commit_without_waiting_for_disk(session)
    return store_records(session, accepted, actor=actor, reserved_ids=reserved_ids)


def _batches(stream: IO[bytes], raw: IO[bytes], size: int) -> Iterator[tuple[list[tuple[int, bytes]], int]]:
    """The file's non-blank lines with their numbers, ``size`` at a time, with the position in the file after."""
    batch: list[tuple[int, bytes]] = []
    for number, text in enumerate(stream, start=1):
        if text.strip():
            batch.append((number, text))
            if len(batch) == size:
                yield batch, raw.tell()
                batch = []
    if batch:
        yield batch, raw.tell()


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """A line that is no strict JSON."""

    error: FieldError

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class _Invalid:
    """A line of JSON that breaks a rule of the record format."""

    errors: tuple[FieldError, ...]

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


# A valid line as a worker sends it back: the fields of its IncomingRecord but the key, which is two of them (a
# tuple pickles for less than the record).
_Checked = tuple[str, str, str, str | None, str | None, datetime | None, str, tuple[str, ...], str]


def _check_lines(source_systems: frozenset[str], lines: list[tuple[int, bytes]],
                 ) -> list[_Checked | _Unreadable | _Invalid]:
    checked: list[_Checked | _Unreadable | _Invalid] = []
    for _, text in lines:
        value, error = _parsed(text)
        if error is not None:
            checked.append(_Unreadable(error))
            continue
        outcome = validate_record(value, source_systems)
        if isinstance(outcome, list):
            checked.append(_Invalid(tuple(outcome)))
        else:
            checked.append((outcome.source_system, outcome.source_record_id, outcome.party_type,
                            outcome.product_line, outcome.point_of_sale, outcome.received_at, outcome.payload_text,
                            outcome.carried_fields, outcome.content_hash))
    return checked


def _incoming(checked: _Checked) -> IncomingRecord:
    return IncomingRecord(*checked, key=(checked[0], checked[1]))


def _checked_batches(
    batches: Iterator[tuple[list[tuple[int, bytes]], int]], source_systems: frozenset[str],
) -> Iterator[tuple[list[tuple[int, bytes]], int, list[_Checked | _Unreadable | _Invalid]]]:
    """Each batch with its lines checked, in file order, by a pool of worker processes that keeps a few batches
    ahead of the caller (never the whole file in memory)."""
    check = partial(_check_lines, source_systems)
    with multiprocessing.get_context("fork").Pool(CHECKING_PROCESSES) as pool:
        pending: deque[tuple[list[tuple[int, bytes]], int, AsyncResult[list[_Checked | _Unreadable | _Invalid]]]]
        pending = deque()
        for lines, position in batches:
            pending.append((lines, position, pool.apply_async(check, (lines,))))
            if len(pending) > CHECKING_PROCESSES:
                done, at, result = pending.popleft()
                yield done, at, result.get()
        while pending:
            done, at, result = pending.popleft()
            yield done, at, result.get()


def _count_results(
    summary: LoadSummary, reject: Callable[[int, bytes, tuple[FieldError, ...]], None],
    lines: list[tuple[int, bytes]], results: Sequence[IngestResult | IntakeResult],
) -> None:
    for (number, text), result in zip(lines, results, strict=True):
        if result.status == REJECTED:
            _count_rejection(summary, reject, number, text, result.errors)
        else:
            setattr(summary, result.status, getattr(summary, result.status) + 1)


def _count_rejection(
    summary: LoadSummary, reject: Callable[[int, bytes, tuple[FieldError, ...]], None], number: int, text: bytes,
    errors: tuple[FieldError, ...],
) -> None:
    summary.rejected += 1
    summary.reasons.update((error.field, error.rule) for error in errors)
    reject(number, text, errors)
