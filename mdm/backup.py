"""Backups of a live hub: an online copy of the SQLite file (sqlite3's backup API) or a pg_dump of the PostgreSQL
schema the hub lives in. Neither needs the API or a load to stop."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy.engine import URL, make_url

from mdm.errors import MdmError


class BackupFailed(MdmError):
    status = 500
    title = "Backup failed"


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    bytes: int
    source_records: int | None  # counted in the copy (SQLite); None for a dump


def backup_database(url: str, out: Path) -> Backup:
    """Write a consistent copy of the hub's database to ``out`` (replaced only once the copy is complete)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _backup_sqlite(parsed, out)
    if parsed.get_backend_name() == "postgresql":
        return _dump_postgresql(parsed, out)
    raise BackupFailed(f"no backup method for {parsed.get_backend_name()} databases")


def _backup_sqlite(url: URL, out: Path) -> Backup:
    database = url.database
    if not database or database == ":memory:":
        raise BackupFailed("an in-memory SQLite database has no file to back up")
    if not Path(database).exists():
        raise BackupFailed(f"no SQLite database at {database}")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=30)
    target = sqlite3.connect(partial)
    try:
        # All pages in one step: the copy is one read transaction's snapshot. In WAL mode writers go on meanwhile;
        # a copy made in several steps would start over after each write by another connection.
        source.backup(target)
        verdict = target.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupFailed(f"the copy does not pass SQLite's integrity check: {verdict}")
        records = int(target.execute("SELECT count(*) FROM source_record").fetchone()[0])
    finally:
        target.close()
        source.close()
    os.replace(partial, out)
    return Backup(out, out.stat().st_size, records)


def postgresql_schema(url: URL) -> str:
    """The schema a hub's URL points at (``options=-csearch_path=…``), else ``public``."""
    options = url.query.get("options", "")
    for option in (options if isinstance(options, tuple) else (options,)):
        text = unquote(option)
        if "search_path=" in text:
            return text.split("search_path=", 1)[1].split(",")[0].split()[0].strip('"')
    return "public"


def libpq_uri(url: URL) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver name, no options meant for the hub's sessions)."""
    return url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)


def _dump_postgresql(url: URL, out: Path) -> Backup:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupFailed("pg_dump is not on the PATH")
    partial = out.with_name(out.name + ".partial")
    # pg_dump reads in one repeatable-read snapshot, so the dump is consistent while the hub goes on writing.
    # Only the hub's schema: the dump then creates it by name on restore, every object qualified by it.
    done = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--schema={postgresql_schema(url)}",
                           f"--file={partial}", f"--dbname={libpq_uri(url)}"], capture_output=True, text=True)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"pg_dump failed: {done.stderr.strip()}")
    os.replace(partial, out)
    return Backup(out, out.stat().st_size, None)
