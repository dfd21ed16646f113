"""Bulk load of a .jsonl / .jsonl.gz file through the same ingest use case as the API, chunk by chunk."""

from __future__ import annotations

import gc
import gzip
import io
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import IO, Any, cast
from zlib import crc32

from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from mdm.audit import SYSTEM_ACTOR
from mdm.clock import utc_now
from mdm.db import commit_without_waiting_for_disk, refresh_statistics, run_transaction, transaction
from mdm.errors import FieldError, MalformedRequest
from mdm.intake import IntakeResult, take_in
from mdm.models import SourceRecord, SourceRecordVersion
from mdm.points_of_sale import ensure_points_of_sale
from mdm.source_records import REJECTED, IngestResult, store_records
from mdm.strict_json import parse_json
from mdm.validation import IncomingRecord, validate_record

# Each chunk is one transaction: a crash loses at most the chunk in flight, and a re-run of the same
# file is idempotent (every record already stored answers "unchanged").
DEFAULT_CHUNK_SIZE = 5000
# Processes that parse and validate chunks ahead of the one that stores them: the machine's two cores.
CHECKING_PROCESSES = 2
# Connections that store a chunk's records at once on PostgreSQL, each the records of its own keys: while one
# waits for the server, the other's rows are prepared, and the server writes on two cores.
STORING_LANES = 2


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
    with stream, raw, _long_lived_objects_set_aside():
        if online:
            _load_online(sessions, stream, raw, source_systems, reject, progress, chunk_size, actor, summary)
        else:
            _store_checked(sessions, stream, raw, source_systems, reject, progress, chunk_size, actor, summary)
    with transaction(sessions) as session:
        refresh_statistics(session, [cast(Table, model.__table__) for model in (SourceRecord, SourceRecordVersion)])
    return summary


@contextmanager
def _long_lived_objects_set_aside() -> Iterator[None]:
    """Keep the objects alive when the load starts (modules, the engine, the configuration) out of the garbage
    collector's full passes: a load allocates enough to run one every 5,000 records, and each walked them all,
    a tenth of a second (a third of the storing process's time)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
    """Worker processes parse and validate the chunks ahead; this process rejects what they found broken, in file
    order, and hands each chunk's records to the storing lanes, one transaction per lane and chunk."""
    lanes = [ThreadPoolExecutor(1) for _ in range(_storing_lanes(sessions))]
    named_points_of_sale: set[str] = set()
    in_flight: deque[tuple[list[Future[list[IngestResult]]], int]] = deque()
    try:
        for lines, position, checked in _checked_batches(_batches(stream, raw, chunk_size),
                                                         frozenset(source_systems)):
            summary.read += len(lines)
            accepted: list[IncomingRecord] = []
            invalid: list[tuple[int, bytes]] = []
            errors: list[tuple[FieldError, ...]] = []
            for (number, text), outcome in zip(lines, checked, strict=True):
                if isinstance(outcome, _Unreadable):
                    _count_rejection(summary, reject, number, text, (outcome.error,))
                elif isinstance(outcome, _Invalid):
                    invalid.append((number, text))
                    errors.append(outcome.errors)
                else:
                    accepted.append(_incoming(outcome))
            # Rejected as the API rejects: the lines that are no JSON first, then the records that break a rule.
            for (number, text), broken in zip(invalid, errors, strict=True):
                _count_rejection(summary, reject, number, text, broken)
            _name_points_of_sale(sessions, accepted, named_points_of_sale)
            shares: list[list[tuple[int, IncomingRecord]]] = [[] for _ in lanes]
            for record in accepted:
                share = shares[crc32(record.source_record_id.encode()) % len(lanes)]
                share.append((len(share), record))
            in_flight.append(([lane.submit(run_transaction, sessions, partial(_store_chunk, accepted=share,
                                                                              actor=actor))
                               for lane, share in zip(lanes, shares, strict=True) if share], position))
            # One chunk stored while the next is read: the lanes never wait for the file, nor hold it all.
            if len(in_flight) > 1:
                _count_stored(summary, progress, *in_flight.popleft())
        while in_flight:
            _count_stored(summary, progress, *in_flight.popleft())
    finally:
        for lane in lanes:
            lane.shutdown(cancel_futures=True)


def _storing_lanes(sessions: sessionmaker[Session]) -> int:
    """PostgreSQL stores a chunk on several connections at once, each for its own records, so one lane's statements
    run while another's are prepared; SQLite's writers take turns, so one lane."""
    with sessions() as session:
        return STORING_LANES if session.get_bind().dialect.name == "postgresql" else 1


def _name_points_of_sale(sessions: sessionmaker[Session], accepted: list[IncomingRecord], named: set[str]) -> None:
    """Create the chunk's new points of sale before its lanes store it, each with the network of the first record
    that names it in the file, as a load in one lane would: the lanes store their shares in any order."""
    first_networks: dict[str, str] = {}
    for record in accepted:
        if record.point_of_sale and record.point_of_sale not in named:
            first_networks.setdefault(record.point_of_sale, record.source_system)
    if first_networks:
        run_transaction(sessions, partial(ensure_points_of_sale, networks_by_code=first_networks, now=utc_now()))
        named.update(first_networks)


def _count_stored(summary: LoadSummary, progress: Callable[[int], None],
                  stored: list[Future[list[IngestResult]]], position: int) -> None:
    for share in stored:
        for result in share.result():
            setattr(summary, result.status, getattr(summary, result.status) + 1)
    progress(position)


def _store_chunk(session: Session, accepted: list[tuple[int, IncomingRecord]], actor: str) -> list[IngestResult]:
    # A chunk whose commit a crash loses is stored again by a re-run of the file, each of its records new or
    # unchanged from what is stored: the load need not wait for each commit to reach the disk.
    commit_without_waiting_for_disk(session)
    return store_records(session, accepted, actor=actor)


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


@dataclass(frozen=True, slots=True)
class _Invalid:
    """A line of JSON that breaks a rule of the record format."""

    errors: tuple[FieldError, ...]


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
