"""Crash safety on PostgreSQL: `kill -9` of `load` and of `resolve --full` while they write leaves no half-written
state, and running the same command again gives what an uninterrupted run gives (records and versions, the
partition into golden records, an intact audit chain)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from mdm.db import make_engine, upgrade_database
from mdm.models import AuditEvent, GoldenRecord, MatchModelVersion, RecordLink, SourceRecord, SourceRecordVersion
from tests.conftest import POSTGRES_URL, create_postgres_schema, drop_postgres_schema, postgres_schema_url

pytestmark = [pytest.mark.postgresql,
              pytest.mark.skipif(not POSTGRES_URL, reason="MDM_TEST_POSTGRES_URL is not set")]

ROOT = Path(__file__).resolve().parents[2]
FEED_RECORDS = 6000  # a new hub's first file: stored, then trained on and consolidated
BASE_RECORDS = 2500  # the first file of the hub that then receives a later one
LATER_RECORDS = 1500  # a later file, resolved online chunk by chunk (new clients and new versions)
CHUNK = 250
Key = tuple[str, str]


@dataclass(frozen=True)
class HubState:
    versions: frozenset[tuple[str, str, int, str]]  # (source system, record id, version, content hash)
    clusters: frozenset[frozenset[Key]]
    golden_records: int
    audit_events: int


@dataclass(frozen=True)
class Hub:
    url: str
    engine: Engine
    name: str  # the application name its commands connect with, to find their sessions in pg_stat_activity


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("feeds")
    first, base, later = folder / "first.jsonl.gz", folder / "base.jsonl.gz", folder / "later.jsonl.gz"
    for path, records, seed in ((first, FEED_RECORDS, 7), (base, BASE_RECORDS, 9), (later, LATER_RECORDS, 8)):
        subprocess.run([sys.executable, "-m", "benchmarks.synthetic", "--records", str(records), "--seed", str(seed),
                        "--out", str(path)], cwd=ROOT, check=True, capture_output=True)
    return first, base, later


@pytest.fixture(scope="module")
def new_hubs() -> Iterator[Callable[[], Hub]]:
    """Empty hubs, each in a schema of its own, dropped at the end of the module."""
    made: list[tuple[str, Engine]] = []

    def make() -> Hub:
        schema = create_postgres_schema()
        name = f"mdm_{uuid.uuid4().hex[:8]}"
        url = f"{postgres_schema_url(schema)}&application_name={name}"
        engine = make_engine(postgres_schema_url(schema))
        upgrade_database(engine)  # so that the database can be watched from the first instant of a command
        made.append((schema, engine))
        return Hub(url, engine, name)

    yield make
    for schema, engine in made:
        engine.dispose()
        drop_postgres_schema(schema)


def _environment(hub: Hub, tmp: Path) -> dict[str, str]:
    # The commands run from a scratch folder: this checkout's packages must come first on the path. Their temporary
    # files go there too: a killed command cannot remove its own (a full run's spool of versions).
    return {**os.environ, "MDM_DATABASE_URL": hub.url, "TMPDIR": str(tmp),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def run_mdm(hub: Hub, tmp: Path, *arguments: str) -> str:
    done = subprocess.run([sys.executable, "-m", "mdm", *arguments], cwd=tmp, capture_output=True, text=True,
                          env=_environment(hub, tmp), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def kill_while_writing(hub: Hub, tmp: Path, arguments: list[str], ready: Callable[[Engine], bool]) -> str:
    """Start the command, wait until ``ready`` holds and one of its transactions has written something not yet
    committed, then SIGKILL it. Answers the statement its session was running."""
    process = subprocess.Popen([sys.executable, "-m", "mdm", *arguments], cwd=tmp, start_new_session=True,
                               env=_environment(hub, tmp),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    in_flight = text("SELECT query FROM pg_stat_activity WHERE application_name = :name "
                     "AND backend_xid IS NOT NULL LIMIT 1")
    deadline = time.monotonic() + 120
    try:
        while True:
            assert process.poll() is None, "the command finished before it could be interrupted"
            assert time.monotonic() < deadline, "the command never reached the point to interrupt"
            with hub.engine.connect() as connection:
                statement = connection.scalar(in_flight, {"name": hub.name}) if ready(hub.engine) else None
            if statement is not None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                break
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        with contextlib.suppress(ProcessLookupError):  # worker processes it forked, if any are left
            os.killpg(process.pid, signal.SIGKILL)
    _wait_for_sessions_to_end(hub)
    return str(statement)


def _wait_for_sessions_to_end(hub: Hub) -> None:
    """The server rolls the killed client's transaction back once it notices the connection is gone."""
    deadline = time.monotonic() + 60
    while True:
        with hub.engine.connect() as connection:
            left = connection.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                                     {"name": hub.name})
        if not left:
            return
        assert time.monotonic() < deadline, "the killed command's session never ended"
        time.sleep(0.1)


def count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model)) or 0


def state_of(hub: Hub, tmp: Path) -> HubState:
    with hub.engine.connect() as connection:
        versions = frozenset((system, record_id, version, content_hash) for system, record_id, version, content_hash
                             in connection.execute(
            select(SourceRecord.source_system, SourceRecord.source_record_id, SourceRecordVersion.version,
                   SourceRecordVersion.content_hash)
            .join(SourceRecordVersion, SourceRecordVersion.record_id == SourceRecord.id)))
        members: dict[str, set[Key]] = {}
        for system, record_id, golden_id in connection.execute(
                select(SourceRecord.source_system, SourceRecord.source_record_id, RecordLink.golden_id)
                .join(RecordLink, RecordLink.record_id == SourceRecord.id).where(RecordLink.valid_to.is_(None))):
            members.setdefault(golden_id, set()).add((system, record_id))
        golden_records = connection.scalar(select(func.count()).select_from(GoldenRecord)
                                           .where(GoldenRecord.status == "active")) or 0
        events = connection.scalar(select(func.count()).select_from(AuditEvent)) or 0
    assert "audit chain intact" in run_mdm(hub, tmp, "audit", "verify")
    return HubState(versions, frozenset(frozenset(keys) for keys in members.values()), golden_records, events)


def assert_same_hub(recovered: HubState, uninterrupted: HubState) -> None:
    assert recovered.versions == uninterrupted.versions
    assert recovered.golden_records == uninterrupted.golden_records
    assert recovered.clusters == uninterrupted.clusters


@pytest.fixture(scope="module")
def first_load(new_hubs: Callable[[], Hub], feeds: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory,
               ) -> HubState:
    """A new hub's first file loaded without interruption: the state every interrupted run must reach."""
    tmp = tmp_path_factory.mktemp("uninterrupted")
    hub = new_hubs()
    run_mdm(hub, tmp, "load", str(feeds[0]), "--chunk-size", str(CHUNK))
    return state_of(hub, tmp)


def test_a_load_killed_mid_file_loses_only_its_chunks_in_flight_and_completes_when_run_again(
    new_hubs: Callable[[], Hub], feeds: tuple[Path, Path, Path], first_load: HubState, tmp_path: Path,
) -> None:
    hub = new_hubs()
    arguments = ["load", str(feeds[0]), "--chunk-size", str(CHUNK)]
    statement = kill_while_writing(hub, tmp_path, arguments,
                                   lambda engine: count(engine, SourceRecord) >= FEED_RECORDS // 3)
    stored, versions = count(hub.engine, SourceRecord), count(hub.engine, SourceRecordVersion)
    print(f"\nload killed during {statement[:60]!r}: {stored:,} of {FEED_RECORDS:,} records stored")
    # Whole chunks only (every line of this feed is a new record), and nothing resolved yet.
    assert 0 < stored < FEED_RECORDS and stored % CHUNK == 0 and versions == stored
    assert count(hub.engine, GoldenRecord) == count(hub.engine, AuditEvent) == 0
    output = run_mdm(hub, tmp_path, *arguments)
    assert f"unchanged {stored:,}" in output
    recovered = state_of(hub, tmp_path)
    assert_same_hub(recovered, first_load)
    print(f"sent {FEED_RECORDS:,} records; stored {len(recovered.versions):,} versions; "
          f"{recovered.golden_records:,} golden records, as uninterrupted ({first_load.golden_records:,})")


def test_a_full_resolve_killed_while_writing_leaves_nothing_and_completes_when_run_again(
    new_hubs: Callable[[], Hub], feeds: tuple[Path, Path, Path], first_load: HubState, tmp_path: Path,
) -> None:
    hub = new_hubs()
    run_mdm(hub, tmp_path, "load", str(feeds[0]), "--no-resolve", "--chunk-size", str(CHUNK))
    statement = kill_while_writing(hub, tmp_path, ["resolve", "--full"],
                                   lambda engine: True)  # its one transaction has begun writing
    print(f"\nresolve --full killed during {statement[:60]!r}")
    # One transaction: no model, golden record, link, event or run survives it.
    assert (count(hub.engine, MatchModelVersion), count(hub.engine, GoldenRecord), count(hub.engine, RecordLink),
            count(hub.engine, AuditEvent)) == (0, 0, 0, 0)
    run_mdm(hub, tmp_path, "resolve", "--full")
    recovered = state_of(hub, tmp_path)
    assert_same_hub(recovered, first_load)
    print(f"sent {FEED_RECORDS:,} records; stored {len(recovered.versions):,} versions; "
          f"{recovered.golden_records:,} golden records, as uninterrupted ({first_load.golden_records:,})")


def test_an_online_load_killed_mid_file_keeps_stored_and_resolved_together(
    new_hubs: Callable[[], Hub], feeds: tuple[Path, Path, Path], tmp_path: Path,
) -> None:
    _, base, later = feeds
    uninterrupted, interrupted = new_hubs(), new_hubs()
    for hub in (uninterrupted, interrupted):
        run_mdm(hub, tmp_path, "load", str(base), "--chunk-size", "2500")
    arguments = ["load", str(later), "--chunk-size", str(CHUNK)]
    run_mdm(uninterrupted, tmp_path, *arguments)
    expected = state_of(uninterrupted, tmp_path)
    before = count(interrupted.engine, SourceRecordVersion)
    statement = kill_while_writing(interrupted, tmp_path, arguments,
                                   lambda engine: count(engine, SourceRecordVersion) - before >= LATER_RECORDS // 3)
    stored = count(interrupted.engine, SourceRecordVersion) - before
    with interrupted.engine.connect() as connection:
        unlinked = connection.scalar(
            select(func.count()).select_from(SourceRecord).where(SourceRecord.is_deleted.is_(False), ~select(
                RecordLink.id).where(RecordLink.record_id == SourceRecord.id, RecordLink.valid_to.is_(None))
                .exists()))
    print(f"\nonline load killed during {statement[:60]!r}: {stored:,} of {LATER_RECORDS:,} versions stored")
    assert 0 < stored < LATER_RECORDS
    assert unlinked == 0  # a chunk's records are stored and resolved in one transaction, or not at all
    run_mdm(interrupted, tmp_path, *arguments)
    recovered = state_of(interrupted, tmp_path)
    assert_same_hub(recovered, expected)
    # The audit trails may differ in length: ties between golden records are broken by their (random) ids.
    print(f"sent {BASE_RECORDS + LATER_RECORDS:,} records; stored {len(recovered.versions):,} versions; "
          f"{recovered.golden_records:,} golden records, as uninterrupted ({expected.golden_records:,}); "
          f"{recovered.audit_events:,} audit events (uninterrupted {expected.audit_events:,})")
