"""Loading .jsonl and .jsonl.gz files: streamed, chunked, rejected lines reported, re-runs idempotent."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config import DEFAULT_SOURCE_SYSTEMS
from mdm.bulk_load import load_file
from mdm.errors import FieldError
from mdm.models import SourceRecord


def _write(path: Path, lines: list[bytes]) -> Path:
    data = b"\n".join(lines) + b"\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def _lines(count: int) -> list[bytes]:
    return [orjson.dumps({"source_system": "WEB", "source_record_id": f"W{i}", "party_type": "person",
                          "full_name": f"CLIENT {i}"}) for i in range(count)]


@pytest.mark.parametrize("name", ["clients.jsonl", "clients.jsonl.gz"])
def test_load_stores_good_lines_and_reports_bad_ones(
    sessions: sessionmaker[Session], tmp_path: Path, name: str,
) -> None:
    bad = [b'{"source_system": "WEB"', b'{"source_system": "WEB", "source_record_id": "x", "party_type": "cat"}']
    path = _write(tmp_path / name, [*_lines(5), bad[0], b"", *_lines(7)[5:], bad[1]])
    rejected: list[tuple[int, tuple[FieldError, ...]]] = []
    summary = load_file(sessions, path, DEFAULT_SOURCE_SYSTEMS, lambda n, _t, e: rejected.append((n, e)),
                        chunk_size=3)
    assert (summary.read, summary.created, summary.unchanged, summary.rejected) == (9, 7, 0, 2)
    assert [number for number, _ in rejected] == [6, 10]
    assert rejected[0][1][0].rule == "json"
    assert summary.reasons[("party_type", "one_of")] == 1
    rerun = load_file(sessions, path, DEFAULT_SOURCE_SYSTEMS, lambda *_: None, chunk_size=4)
    assert (rerun.created, rerun.unchanged, rerun.rejected) == (0, 7, 2)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == 7
