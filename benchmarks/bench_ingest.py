"""Ingest speed: `load --no-resolve` on SQLite and PostgreSQL, and `POST /records/batch` under gunicorn.

    .venv/bin/python -m benchmarks.bench_ingest [--records 1000000] [--api-records 200000] [--feed FILE]

Prints records/s and peak RSS of each run; for a load, also the processor seconds of its processes (the checking
ones included), of PostgreSQL's and those the machine left idle, which tell a slower machine from slower code. Every
PostgreSQL process counts: run nothing else meanwhile. PostgreSQL runs in a fresh database created (and dropped) on
the server named by MDM_BENCH_POSTGRES_URL (default: the local one).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import orjson
import requests
from sqlalchemy import create_engine, text

from benchmarks.processor_time import busy_seconds, children_and_database_seconds
from config import DEFAULT_SOURCE_SYSTEMS
from mdm.clock import utc_now
from mdm.db import make_engine, make_session_factory, transaction
from mdm.tokens import issue_token

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ADMIN_URL = os.environ.get("MDM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def generate(records: int, folder: Path) -> Path:
    path = folder / f"synthetic_{records}.jsonl.gz"
    if not path.exists():
        subprocess.run([PYTHON, "-m", "benchmarks.synthetic", "--records", str(records), "--seed", "7",
                        "--out", str(path)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return path


@contextmanager
def fresh_database(backend: str, folder: Path, template: str | None = None) -> Iterator[str]:
    """A new database, dropped afterwards; on PostgreSQL, a copy of ``template`` when given (nobody may be connected
    to it)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'bench_{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"mdm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE {name}' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


@dataclass(frozen=True, slots=True)
class Measured:
    """One command's run: wall seconds, peak RSS in MB, processor seconds of the command's processes (its own and
    those it waited for), of PostgreSQL's and what the machine left idle meanwhile, and its output."""

    wall: float
    rss: float
    command_cpu: float
    database_cpu: float
    idle: float
    output: str


def measure(command: list[str], env: dict[str, str]) -> Measured:
    """Run a command and measure it (the kernel's accounting of the child, /proc for PostgreSQL and the machine)."""
    _, database_before = children_and_database_seconds(os.getpid())
    busy_before = busy_seconds()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    _, database_after = children_and_database_seconds(os.getpid())
    idle = (os.cpu_count() or 1) * elapsed - (busy_seconds() - busy_before)
    return Measured(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
                    database_after - database_before, max(idle, 0.0), output)


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (from the kernel's accounting of the child) and its output."""
    measured = measure(command, env)
    return measured.wall, measured.rss, measured.output


def bench_load(path: Path, records: int, backend: str, folder: Path) -> None:
    with fresh_database(backend, folder) as url:
        env = {**os.environ, "MDM_DATABASE_URL": url}
        subprocess.run([PYTHON, "-m", "mdm", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        load = measure(
            [PYTHON, "-m", "mdm", "load", str(path), "--no-resolve", "--rejects", str(folder / "rejects.jsonl")],
            env,
        )
        print(f"load --no-resolve  {backend:<10} {records:>9,} records  {load.wall:7.1f} s  "
              f"{records / load.wall:>8,.0f} records/s  peak RSS {load.rss:,.0f} MB")
        # Both cores are the budget: what the load's processes and the database spent, and what was left.
        print(f"    processor seconds: load {load.command_cpu:.1f}, PostgreSQL {load.database_cpu:.1f}, "
              f"idle {load.idle:.1f}")
        print("    " + next(line for line in load.output.splitlines() if line.startswith("read ")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_serving(base: str) -> None:
    """Wait (up to about 30 s) for a freshly started server to answer."""
    for _ in range(300):
        try:
            requests.get(f"{base}/api/openapi.json", timeout=5).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.1)


def _batches(path: Path, size: int, limit: int) -> Iterator[bytes]:
    import gzip

    batch: list[bytes] = []
    sent = 0
    with gzip.open(path, "rb") as lines:
        for line in lines:
            batch.append(line.rstrip(b"\n"))
            sent += 1
            if len(batch) == size or sent == limit:
                yield b"[" + b",".join(batch) + b"]"
                batch = []
            if sent == limit:
                return


def _writer_token(url: str) -> str:
    """An administrator's bearer token on the hub at ``url``: every route needs one, and it may write for every
    source system."""
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            return issue_token(session, "admin", None, "ingest benchmark", timedelta(hours=2),
                               DEFAULT_SOURCE_SYSTEMS, "cli:bench", utc_now()).secret
    finally:
        engine.dispose()


def bench_api(path: Path, records: int, backend: str, folder: Path, clients: int = 4) -> None:
    with fresh_database(backend, folder) as url:
        env = {**os.environ, "MDM_DATABASE_URL": url}
        subprocess.run([PYTHON, "-m", "mdm", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        secret = _writer_token(url)
        port = free_port()
        server = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(folder / "gunicorn.log").open("ab"),
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_serving(base)
            bodies = list(_batches(path, 1000, records))
            lock = threading.Lock()
            stored = 0
            failures: list[Exception] = []

            def worker(share: list[bytes]) -> None:
                nonlocal stored
                try:
                    with requests.Session() as http:
                        for body in share:
                            answer = http.post(f"{base}/api/v1/records/batch", data=body, timeout=120, headers={
                                "Content-Type": "application/json", "Authorization": f"Bearer {secret}"})
                            answer.raise_for_status()
                            summary = orjson.loads(answer.content)["summary"]
                            with lock:
                                stored += summary["created"] + summary["updated"] + summary["unchanged"]
                except Exception as failure:  # reported once every client is done: no rate for a failed run
                    failures.append(failure)

            threads = [threading.Thread(target=worker, args=(bodies[i::clients],)) for i in range(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            if failures:
                raise SystemExit(f"POST /records/batch on {backend} failed: {failures[0]}")
            print(f"POST /records/batch {backend:<9} {records:>9,} records  {elapsed:7.1f} s  "
                  f"{records / elapsed:>8,.0f} records/s  (1,000 per request, {clients} clients, "
                  f"gunicorn 2 workers; {stored:,} accepted)")
        finally:
            server.terminate()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--api-records", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--skip-load", action="store_true", help="only measure the API")
    parser.add_argument("--workdir", type=Path, help="keep generated files here (default: a temporary folder)")
    parser.add_argument("--feed", type=Path, help="load this .jsonl(.gz) file instead of a generated one "
                                                  "(--records is then its number of lines)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.workdir or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        path = args.feed or generate(args.records, folder)
        for backend in args.backends.split(",") if not args.skip_load else ():
            bench_load(path, args.records, backend, folder)
        for backend in args.backends.split(","):
            bench_api(path, min(args.api_records, args.records), backend, folder)


if __name__ == "__main__":
    main()
