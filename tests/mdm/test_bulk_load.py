"""Loading .jsonl and .jsonl.gz files: streamed, chunked, rejected lines reported, re-runs idempotent."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import DEFAULT_SOURCE_SYSTEMS
from mdm.audit import SYSTEM_ACTOR
from mdm.bulk_load import load_file
from mdm.db import transaction
from mdm.errors import FieldError, MalformedRequest
from mdm.models import (
    PointOfSale,
    SourceRecord,
    SourceRecordVersion,
)
from mdm.source_records import ingest_records
from mdm.strict_json import parse_json
from tests.conftest import empty_database, journal_state


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


def _hub_state(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every stored fact a load writes, by key and field, without ids and the moment of writing."""
    record, version = SourceRecord.__table__.c, SourceRecordVersion.__table__.c
    with engine.connect() as connection:
        state = {
            "heads": sorted(tuple(row) for row in connection.execute(select(
                record.source_system, record.source_record_id, record.party_type, record.point_of_sale_code,
                record.product_line, record.current_version, record.content_hash, record.is_deleted,
                record.first_received_at, record.last_received_at))),
            "versions": sorted((row[0], row[1], *row[2:-1], orjson.dumps(row[-1], option=orjson.OPT_SORT_KEYS))
                               for row in connection.execute(select(
                record.source_system, record.source_record_id, version.version, version.content_hash,
                version.is_tombstone, version.party_type, version.point_of_sale_code, version.product_line,
                version.received_at, version.recorded_by, version.payload,
            ).join(SourceRecordVersion, version.record_id == record.id))),
            "points of sale": sorted(tuple(row) for row in connection.execute(
                select(PointOfSale.code, PointOfSale.network))),
        }
    state["journal"] = journal_state(engine)
    return state


def _ingest_reference(sessions: sessionmaker[Session], path: Path, chunk_size: int,
                      rejected: list[tuple[int, tuple[FieldError, ...]]]) -> None:
    """The file stored line by line through ingest_records, as the API stores a batch: the reference result."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    lines = [(number, text) for number, text in enumerate(io.BytesIO(data), start=1) if text.strip()]
    for start in range(0, len(lines), chunk_size):
        items: list[tuple[int, object]] = []
        for number, text in lines[start:start + chunk_size]:
            try:
                items.append((number, parse_json(text)))
            except MalformedRequest as error:
                rejected.append((number, error.errors))
        with transaction(sessions) as session:
            results = ingest_records(session, [item for _, item in items], DEFAULT_SOURCE_SYSTEMS, actor=SYSTEM_ACTOR)
        rejected += [(number, result.errors) for (number, _), result in zip(items, results, strict=True)
                     if result.status == "rejected"]


def test_a_load_stores_field_by_field_what_ingest_records_stores(
    sessions: sessionmaker[Session], engine: Engine, tmp_path: Path,
) -> None:
    # The load checks lines in worker processes and stores them in its own: the reference stores each chunk
    # through the use case of the API. A first file, then a second with new versions, resends and rejects.
    records = [generated.record for generated in generate(60, seed=3)]
    later = [{**record, "phone": "0661000000"} if index % 3 else record for index, record in enumerate(records[:30])]
    broken = [b'{"source_system": "WEB"', b'{"source_system": "WEB", "source_record_id": "x", "party_type": "cat"}',
              b'{"source_system": "WEB", "source_record_id": "d", "source_record_id": "e"}']
    first = _write(tmp_path / "first.jsonl.gz", [orjson.dumps(record) for record in records])
    # Within a chunk, the lines that are no JSON are reported before the records that break a rule.
    second = _write(tmp_path / "second.jsonl", [broken[1], *map(orjson.dumps, later[:3]), broken[0], b"",
                                                 *map(orjson.dumps, [*later[3:], later[5]]), broken[2]])
    loaded: list[tuple[int, tuple[FieldError, ...]]] = []
    for path in (first, second):
        load_file(sessions, path, DEFAULT_SOURCE_SYSTEMS, lambda n, _t, e: loaded.append((n, e)), chunk_size=7)
    by_load = _hub_state(engine)
    empty_database(engine)
    reference: list[tuple[int, tuple[FieldError, ...]]] = []
    for path in (first, second):
        _ingest_reference(sessions, path, 7, reference)
    assert [number for number, _ in loaded] == [5, 1, 35] and loaded == reference
    assert by_load["versions"] and by_load["journal"][2]  # the fields captured
    assert by_load == _hub_state(engine)


def test_a_record_sent_in_many_chunks_keeps_its_versions_in_file_order(
    sessions: sessionmaker[Session], tmp_path: Path,
) -> None:
    # Chunks of two lines, each with a new version of one client: on PostgreSQL chunks are stored two at once, and
    # a chunk must wait for the one before it that holds the same record.
    lines = []
    for step in range(30):
        lines.append(orjson.dumps({"source_system": "WEB", "source_record_id": "SAME", "party_type": "person",
                                   "full_name": "CLIENT SAME", "phone": f"06610000{step:02d}"}))
        lines.append(_lines(30)[step])
    summary = load_file(sessions, _write(tmp_path / "versions.jsonl", lines), DEFAULT_SOURCE_SYSTEMS,
                        lambda *_: None, chunk_size=2)
    assert (summary.created, summary.updated, summary.rejected) == (31, 29, 0)
    with sessions() as session:
        phones = session.execute(
            select(SourceRecordVersion.version, SourceRecordVersion.payload["phone"].as_string())
            .join(SourceRecord, SourceRecord.id == SourceRecordVersion.record_id)
            .where(SourceRecord.source_record_id == "SAME").order_by(SourceRecordVersion.version)).all()
        head = session.scalars(select(SourceRecord).where(SourceRecord.source_record_id == "SAME")).one()
    assert [version for version, _ in phones] == list(range(1, 31))
    assert [phone for _, phone in phones] == [f"06610000{step:02d}" for step in range(30)]
    assert head.current_version == 30
