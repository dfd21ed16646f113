"""The current versions a full run reads, kept aside in a temporary file in the order read, so that survivorship
reads each golden record's versions again from there instead of from the database.

A full run reads every live record's current version to match it; survivorship then needs the same versions again,
grouped by golden record. Asking the database a second time for a million payloads (joined through the new links,
cast to text) costs it more CPU than the survivorship it feeds; a file the page cache holds costs next to nothing,
and the workers that compute attributes read it themselves, so the payloads never pass through the main process
twice.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson

Span = tuple[int, int]
"""Where one entry lies in the spool: (start, end) byte offsets."""

_FLUSHED_FROM = 1 << 20  # bytes gathered before a write to the file


class VersionSpool:
    """Entries appended one per record, found again by their position in the order appended. Each entry is the
    version's provenance as a JSON array, a newline (JSON text holds none raw), and the payload's JSON text."""

    def __init__(self) -> None:
        self._file = tempfile.NamedTemporaryFile(prefix="mdm-versions-")  # noqa: SIM115 (closed by close())
        self.path = self._file.name
        self._ends = array("q", [0])
        self._pending = bytearray()

    def append(self, source_system: str, source_record_id: str, version: int, received_at: datetime,
               network: str, point_of_sale: str | None, first_received_at: datetime, last_received_at: datetime,
               payload: str) -> None:
        entry = orjson.dumps((source_system, source_record_id, version, received_at, network, point_of_sale,
                              first_received_at, last_received_at)) + b"\n" + payload.encode()
        self._pending += entry
        self._ends.append(self._ends[-1] + len(entry))
        if len(self._pending) >= _FLUSHED_FROM:
            self.flush()

    def __len__(self) -> int:
        return len(self._ends) - 1

    def spans(self, positions: Sequence[int]) -> list[Span]:
        """Where the entries of the records at these positions lie (everything appended is readable after)."""
        self.flush()
        ends = self._ends
        return [(ends[position], ends[position + 1]) for position in positions]

    def flush(self) -> None:
        """Write what was appended to the file."""
        if self._pending:
            self._file.write(self._pending)
            self._file.flush()
            self._pending.clear()

    def close(self) -> None:
        _forget_mapping(self.path)  # a mapping would keep the deleted file's space until this process ends
        self._file.close()  # and the file is gone

    def __enter__(self) -> VersionSpool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


SpooledVersion = tuple[str, str, int, datetime, str, str | None, datetime, datetime, bytes]
"""(source system, source record id, version, received_at, network, point of sale, first and last received_at,
payload as JSON text)."""


def read_spooled(path: str, spans: Sequence[Span]) -> Iterator[SpooledVersion]:
    """The entries at these spans of the spool at ``path`` (opened by path: the worker processes that read it were
    forked before it existed)."""
    if not spans:
        return
    mapped = _mapping(path, max(end for _, end in spans))
    for start, end in spans:
        header, _, payload = mapped[start:end].partition(b"\n")
        given: list[Any] = orjson.loads(header)
        yield (given[0], given[1], given[2], datetime.fromisoformat(given[3]), given[4], given[5],
               datetime.fromisoformat(given[6]), datetime.fromisoformat(given[7]), payload)


_kept: tuple[tuple[str, int, int], mmap.mmap] | None = None
"""The spool this process last read, still mapped: a golden record's versions lie anywhere in the file, so each
chunk touches pages all over it, and mapping the file anew per chunk took every page's fault again (at a million
records, seconds of the workers' time)."""


def _mapping(path: str, size: int) -> mmap.mmap:
    """The file at ``path`` mapped whole, at least ``size`` bytes of it: the one kept when it is the same file and
    long enough, a new one (which replaces it) otherwise."""
    global _kept
    status = os.stat(path)
    identity = (path, status.st_ino, status.st_dev)
    if _kept is not None and _kept[0] == identity and len(_kept[1]) >= size:
        return _kept[1]
    _forget_mapping()
    with open(path, "rb") as file:
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    _kept = (identity, mapped)
    return mapped


def _forget_mapping(path: str | None = None) -> None:
    """Let go of the kept spool (only if it is the one at ``path``, when given): it is unmapped once no reader still
    going through it holds it."""
    global _kept
    if _kept is not None and (path is None or _kept[0][0] == path):
        _kept = None
