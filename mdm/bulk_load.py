"""Bulk load of a .jsonl / .jsonl.gz file through the same ingest use case as the API, chunk by chunk."""

from __future__ import annotations

import gzip
import io
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from mdm.audit import SYSTEM_ACTOR
from mdm.db import refresh_statistics, run_transaction, transaction
from mdm.errors import FieldError, MalformedRequest
from mdm.intake import IntakeResult, take_in
from mdm.models import SourceRecord, SourceRecordVersion
from mdm.source_records import REJECTED, IngestResult, ingest_records
from mdm.strict_json import parse_json

# Each chunk is one transaction: a crash loses at most the chunk in flight, and a re-run of the same
# file is idempotent (every record already stored answers "unchanged").
DEFAULT_CHUNK_SIZE = 5000


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


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    text: bytes
    value: Any
    error: FieldError | None


def _open(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """The decoded line stream and the raw file underneath (whose position measures progress)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the returned handle
    if path.suffix == ".gz":
        return io.BufferedReader(gzip.GzipFile(fileobj=raw)), raw
    return raw, raw


def _parse_lines(stream: IO[bytes]) -> Iterator[_Line]:
    for number, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            # The same strict JSON as the API: a line with a duplicate key has no single meaning either.
            yield _Line(number, text, parse_json(text), None)
        except MalformedRequest as error:
            yield _Line(number, text, None, error.errors[0])


def _chunks(lines: Iterator[_Line], size: int) -> Iterator[list[_Line]]:
    chunk: list[_Line] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
    with stream, raw:
        for chunk in _chunks(_parse_lines(stream), chunk_size):
            parsed = [line for line in chunk if line.error is None]
            items = [line.value for line in parsed]
            results: Sequence[IngestResult | IntakeResult]
            if online:
                resolved = run_transaction(sessions, partial(take_in, items=items, source_systems=source_systems,
                                                                  actor=actor))
                summary.decisions.update(result.decision for result in resolved if result.decision)
                results = resolved
            else:
                results = run_transaction(sessions, partial(ingest_records, items=items, source_systems=source_systems,
                                                                 actor=actor))
            summary.read += len(chunk)
            for line in chunk:
                if line.error is not None:
                    _count_rejection(summary, reject, line, (line.error,))
            for line, result in zip(parsed, results, strict=True):
                if result.status == REJECTED:
                    _count_rejection(summary, reject, line, result.errors)
                else:
                    setattr(summary, result.status, getattr(summary, result.status) + 1)
            progress(raw.tell())
    with transaction(sessions) as session:
        refresh_statistics(session, [cast(Table, model.__table__) for model in (SourceRecord, SourceRecordVersion)])
    return summary


def _count_rejection(
    summary: LoadSummary, reject: Callable[[int, bytes, tuple[FieldError, ...]], None], line: _Line,
    errors: tuple[FieldError, ...],
) -> None:
    summary.rejected += 1
    summary.reasons.update((error.field, error.rule) for error in errors)
    reject(line.number, line.text, errors)
