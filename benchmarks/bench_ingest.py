"""Ingest speed: `load --no-resolve` on SQLite and PostgreSQL, and `POST /records/batch` under gunicorn.

    .venv/bin/python -m benchmarks.bench_ingest [--records 1000000] [--api-records 200000] [--feed FILE]

Prints records/s and peak RSS of each run. PostgreSQL runs in a fresh database created (and dropped) on the
server named by MDM_BENCH_POSTGRES_URL (default: the local one).
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
from pathlib import Path

import orjson
import requests
from sqlalchemy import create_engine, text

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


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (from the kernel's accounting of the child) and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return elapsed, usage.ru_maxrss / 1024, output


def bench_load(path: Path, records: int, backend: str, folder: Path) -> None:
    with fresh_database(backend, folder) as url:
        env = {**os.environ, "MDM_DATABASE_URL": url}
        subprocess.run([PYTHON, "-m", "mdm", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        elapsed, rss, output = run_measured(
            [PYTHON, "-m", "mdm", "load", str(path), "--no-resolve", "--rejects", str(folder / "rejects.jsonl")],
            env,
        )
        print(f"load --no-resolve  {backend:<10} {records:>9,} records  {elapsed:7.1f} s  "
              f"{records / elapsed:>8,.0f} records/s  peak RSS {rss:,.0f} MB")
        print("    " + next(line for line in output.splitlines() if line.startswith("read ")))


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


def bench_api(path: Path, records: int, backend: str, folder: Path, clients: int = 4) -> None:
    with fresh_database(backend, folder) as url:
        env = {**os.environ, "MDM_DATABASE_URL": url}
        subprocess.run([PYTHON, "-m", "mdm", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
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

            def worker(share: list[bytes]) -> None:
                nonlocal stored
                with requests.Session() as http:
                    for body in share:
                        answer = http.post(f"{base}/api/v1/records/batch", data=body,
                                           headers={"Content-Type": "application/json"}, timeout=120)
                        answer.raise_for_status()
                        summary = orjson.loads(answer.content)["summary"]
                        with lock:
                            stored += summary["created"] + summary["updated"] + summary["unchanged"]

            threads = [threading.Thread(target=worker, args=(bodies[i::clients],)) for i in range(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
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
