"""Backup and restore on both backends: a copy taken while the hub writes is a consistent snapshot, and a restored
hub answers as the one it was taken from (records, golden records, audit chain)."""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from config import DEFAULT_SOURCE_SYSTEMS, Config
from hub import create_app
from mdm.backup import libpq_uri, postgresql_schema
from mdm.cli import cli
from mdm.clock import utc_now
from mdm.db import make_engine, make_session_factory, transaction
from mdm.models import AuditEvent, GoldenRecord, SourceRecord, SourceRecordVersion
from mdm.resolution import current_links
from mdm.tokens import issue_token
from tests.conftest import POSTGRES_URL, client_with_token
from tests.golden_scenarios import consolidate, send_online

Restore = Callable[[Path], str]


@pytest.fixture
def restore(database_url: str, tmp_path: Path) -> Iterator[Restore]:
    """Restore a backup file as the README says, answering the restored hub's URL: copy the SQLite file into
    place, or pg_restore the dump into a new PostgreSQL database."""
    databases: list[str] = []

    def restore_backup(backup: Path) -> str:
        if database_url.startswith("sqlite"):
            target = tmp_path / f"restored-{len(databases)}.sqlite3"
            shutil.copyfile(backup, target)
            databases.append(str(target))
            return f"sqlite:///{target}"
        name = f"mdm_restore_{uuid.uuid4().hex[:10]}"
        with make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT").connect() as admin:
            admin.execute(text(f'CREATE DATABASE "{name}"'))
        databases.append(name)
        url = make_engine(database_url).url.set(database=name)
        done = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq_uri(url)}",
                               str(backup)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return url.render_as_string(hide_password=False)

    yield restore_backup
    if not database_url.startswith("sqlite"):
        with make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT").connect() as admin:
            for name in databases:
                admin.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def _client_record(number: int) -> dict[str, Any]:
    return {"source_system": "WEB", "source_record_id": f"LIVE-{number}", "party_type": "person",
            "first_name": "Salma", "last_name": f"Bennani {number:04d}", "birth_date": "1990-01-01",
            "phone": f"06611{number:05d}", "point_of_sale": "WEB-01"}


def _versions(sessions: sessionmaker[Session]) -> dict[tuple[str, str], list[tuple[int, str]]]:
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    with sessions() as session:
        for system, record_id, version, content_hash in session.execute(
                select(SourceRecord.source_system, SourceRecord.source_record_id, SourceRecordVersion.version,
                       SourceRecordVersion.content_hash)
                .join(SourceRecordVersion, SourceRecordVersion.record_id == SourceRecord.id)
                .order_by(SourceRecordVersion.version)):
            found.setdefault((system, record_id), []).append((version, content_hash))
    return found


def _verify(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(Config, "DATABASE_URL", url)
    verified = CliRunner().invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    return verified.output


def _backup(url: str, out: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(Config, "DATABASE_URL", url)
    made = CliRunner().invoke(cli, ["backup", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert out.exists() and not out.with_name(out.name + ".partial").exists()
    return made.output


def test_a_backup_taken_while_the_hub_writes_is_a_consistent_snapshot(
    database_url: str, sessions: sessionmaker[Session], restore: Restore, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consolidate(sessions, records=300)
    stop, written = threading.Event(), [0]

    def keep_writing() -> None:  # clients arriving online, each in its own transaction, as POST /records
        while not stop.is_set():
            send_online(sessions, [_client_record(written[0])])
            written[0] += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while written[0] < 3:
            stop.wait(0.05)
        _backup(database_url, tmp_path / "live.backup", monkeypatch)
        while written[0] < 3 + 3:  # the hub goes on after the copy
            stop.wait(0.05)
    finally:
        stop.set()
        writer.join()
    restored_url = restore(tmp_path / "live.backup")
    restored = make_session_factory(make_engine(restored_url))
    _verify(restored_url, monkeypatch)
    live, copy = _versions(sessions), _versions(restored)
    # A snapshot: some of the online clients, each record with a prefix of its versions, each stored one linked.
    assert 300 < len(copy) < len(live) and set(copy) <= set(live)
    assert all(live[key][:len(versions)] == versions for key, versions in copy.items())
    with restored() as session:
        assert {(system, record_id) for system, record_id, _ in current_links(session)} == set(copy)
    print(f"\nbackup during writes: {len(copy):,} records in the copy, {len(live):,} live after {written[0]} writes")


def test_a_restored_hub_answers_as_the_one_backed_up(
    database_url: str, sessions: sessionmaker[Session], restore: Restore, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consolidate(sessions, records=300)
    send_online(sessions, [_client_record(1)])
    with transaction(sessions) as session:  # access tokens are part of the backup: the same one works after restore
        secret = issue_token(session, "auditor", None, None, timedelta(hours=1), DEFAULT_SOURCE_SYSTEMS, "cli:test",
                             utc_now()).secret
    output = _backup(database_url, tmp_path / "hub.backup", monkeypatch)
    if database_url.startswith("sqlite"):
        assert "301 source records" in output
    else:
        assert postgresql_schema(make_engine(database_url).url) in subprocess.run(
            ["pg_restore", "--list", str(tmp_path / "hub.backup")], capture_output=True, text=True, check=True).stdout
    restored_url = restore(tmp_path / "hub.backup")
    restored = make_session_factory(make_engine(restored_url))
    assert _versions(restored) == _versions(sessions)
    with sessions() as session, restored() as copy:
        assert list(current_links(copy)) == list(current_links(session))
        for model in (GoldenRecord, AuditEvent):
            assert copy.scalar(select(func.count()).select_from(model)) == session.scalar(
                select(func.count()).select_from(model))
        golden_ids = sorted(session.scalars(select(GoldenRecord.id).where(GoldenRecord.status == "active")))[:25]
    assert _verify(restored_url, monkeypatch) == _verify(database_url, monkeypatch)
    live_app, restored_app = (create_app({"DATABASE_URL": url, "TESTING": True, "MIGRATE_ON_START": False})
                              for url in (database_url, restored_url))
    live_client, restored_client = (client_with_token(app, secret) for app in (live_app, restored_app))
    for golden_id in golden_ids:
        answer, original = (client.get(f"/api/v1/golden/{golden_id}") for client in (restored_client, live_client))
        assert answer.status_code == 200 and answer.get_json() == original.get_json()
    search = "/api/v1/golden?name=Salma%20Bennani%200001"
    assert restored_client.get(search).get_json() == live_client.get(search).get_json()
    assert restored_client.get(search).get_json()["results"]
    for app in (live_app, restored_app):
        app.extensions["mdm.engine"].dispose()
