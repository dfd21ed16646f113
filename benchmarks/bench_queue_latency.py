"""Latency of the stewardship queue endpoints on PostgreSQL with 10,000 open tasks: p50/p95/max per request kind.

    PYTHONPATH=. .venv/bin/python -m benchmarks.bench_queue_latency [--records 50000] [--tasks 10000] [--requests 300]
        [--hub URL] [--explain] [--gunicorn]

Builds a hub in a fresh PostgreSQL database: `load --no-resolve` of the synthetic feed, `resolve --full` (which
opens the real tasks), then tops the queue up to --tasks open tasks with candidate pairs resolution did not queue:
two live records of one party type in different golden records that share a blocking key, scored by the hub's
model (kind `identifier_conflict` when the key is a strong identifier, else `possible_match`; priority as
resolution computes it). Then times requests through the real Flask app (`hub.create_app`, test client, a
steward's bearer token; with --gunicorn also over HTTP to `gunicorn wsgi:app`): the first page, filtered pages,
deep pages and one task with its evidence. --hub reuses (and keeps) a hub built before; --explain prints
PostgreSQL's plan of each list query.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import requests
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from benchmarks.bench_ingest import PYTHON, ROOT, free_port, fresh_database, run_measured, wait_until_serving
from benchmarks.bench_resolve import synthetic_feed
from config import DEFAULT_SOURCE_SYSTEMS
from hub import create_app
from matching.features import build_features
from matching.model import compare_by_party, score_pairs
from matching.standardise import standardise_record
from matching.uncertain import IDENTIFIER_CONFLICT, POSSIBLE_MATCH
from mdm.clock import utc_now
from mdm.db import make_engine, make_session_factory, transaction
from mdm.models import OPEN, BlockingKey, RecordLink, SourceRecord, SourceRecordVersion, StewardshipTask
from mdm.resolution import latest_model
from mdm.review_queue import task_priority
from mdm.tokens import issue_token
from stewardship.queue import PRIORITY_BANDS, TaskFilter, _filtered

NETWORKS = ("AGENT", "COURTIER", "BGD", "BANCASSURANCE", "WEB")
# Blocking rules whose shared key is a strong identifier: two clients holding one is an identifier conflict.
Fetch = Callable[[str], tuple[int, str]]  # GET a path: the status, and the start of the body when not 200
IDENTIFIER_RULES = {"national_id": "typed_national_id", "ice": "ice", "registry": "registry"}


def build_hub(url: str, feed: Path, folder: Path) -> None:
    env = {**os.environ, "MDM_DATABASE_URL": url}
    for arguments in (["load", str(feed), "--no-resolve", "--rejects", str(folder / "rejects.jsonl")],
                      ["resolve", "--full"]):
        elapsed, _, output = run_measured([PYTHON, "-m", "mdm", *arguments], env)
        summary = next(line for line in output.splitlines() if line.startswith(("read ", "resolved ")))
        print(f"{' '.join(arguments[:2]):<20} {elapsed:7.1f} s   {summary.strip()}")


def candidate_pairs(session: Session, wanted: int, rng: random.Random) -> list[tuple[int, int, str]]:
    """Pairs of live records of one party type in different golden records that share a blocking key (with the
    key's rule), none already in an open task; keys held by few records only (a name and city two clients share,
    not a placeholder)."""
    golden = dict(session.execute(select(RecordLink.record_id, RecordLink.golden_id)
                                  .where(RecordLink.valid_to.is_(None))).all())
    party = dict(session.execute(select(SourceRecord.id, SourceRecord.party_type)).all())
    holders: dict[str, list[int]] = {}
    for record_id, key in session.execute(select(BlockingKey.record_id, BlockingKey.key)):
        holders.setdefault(key, []).append(record_id)
    taken = {(a, b) for a, b in session.execute(select(StewardshipTask.record_a_id, StewardshipTask.record_b_id)
                                                  .where(StewardshipTask.status == OPEN))}
    pairs: list[tuple[int, int, str]] = []
    keys = [key for key, records in holders.items() if 2 <= len(records) <= 8]
    rng.shuffle(keys)
    for key in keys:
        for a, b in itertools.combinations(sorted(holders[key]), 2):
            if (golden.get(a) and golden.get(b) and golden[a] != golden[b] and party[a] == party[b]
                    and (a, b) not in taken):
                taken.add((a, b))
                pairs.append((a, b, key.split(":", 1)[0]))
        if len(pairs) >= wanted:
            break
    return pairs[:wanted]


def add_tasks(session: Session, wanted: int, rng: random.Random) -> int:
    """Top the queue up with scored candidate pairs of one party type; answers how many were added."""
    model = latest_model(session)
    assert model is not None, "resolve first"
    pairs = candidate_pairs(session, wanted, rng)
    records = sorted({record for a, b, _ in pairs for record in (a, b)})
    heads = {head.id: head for head in session.scalars(select(SourceRecord).where(SourceRecord.id.in_(records)))}
    payloads: dict[int, dict[str, Any]] = dict(session.execute(
        select(SourceRecordVersion.record_id, SourceRecordVersion.payload)
        .join(SourceRecord, (SourceRecord.id == SourceRecordVersion.record_id)
              & (SourceRecord.current_version == SourceRecordVersion.version))
        .where(SourceRecord.id.in_(records))).all())
    sizes = dict(session.execute(select(RecordLink.golden_id, func.count()).where(RecordLink.valid_to.is_(None))
                                 .group_by(RecordLink.golden_id)).all())
    golden = dict(session.execute(select(RecordLink.record_id, RecordLink.golden_id)
                                  .where(RecordLink.valid_to.is_(None), RecordLink.record_id.in_(records))).all())
    position = {record: index for index, record in enumerate(records)}
    features = build_features([standardise_record(dict(payloads[record])) for record in records],
                              overused=model.overused)
    encoded = np.array([[position[a], position[b]] for a, b, _ in pairs], dtype=np.int64)
    scored = score_pairs(model, features, encoded, compare_by_party(features, encoded, model.settings))
    now = utc_now()
    for index, (a, b, rule) in enumerate(pairs):
        kind = IDENTIFIER_CONFLICT if rule in IDENTIFIER_RULES else POSSIBLE_MATCH
        involved = sizes.get(golden[a], 1) + sizes.get(golden[b], 1)
        created = now - timedelta(days=rng.randrange(0, 90), minutes=rng.randrange(0, 1440))
        session.add(StewardshipTask(
            kind=kind, status=OPEN, record_a_id=a, record_b_id=b, version_a=heads[a].current_version,
            version_b=heads[b].current_version, party_type=heads[a].party_type,
            source_system_a=heads[a].source_system, source_system_b=heads[b].source_system,
            probability=round(float(scored.probabilities[index]), 6), weight=round(float(scored.weights[index]), 4),
            model_version=model.version, detail=IDENTIFIER_RULES.get(rule), records_involved=involved,
            priority=task_priority(heads[a].party_type, kind, involved), revision=1, created_at=created,
            updated_at=created))
    session.flush()
    return len(pairs)


def fill_queue(url: str, tasks: int, rng: random.Random) -> None:
    sessions = make_session_factory(make_engine(url))
    with transaction(sessions) as session:
        found = session.scalar(select(func.count()).select_from(StewardshipTask)
                               .where(StewardshipTask.status == OPEN)) or 0
        added = add_tasks(session, tasks - found, rng) if found < tasks else 0
        session.execute(text("ANALYZE stewardship_task"))
    print(f"open tasks: {found:,} found (opened by resolve --full on a fresh hub) + {added:,} added as "
          "StewardshipTask rows on candidate pairs that share a blocking key across golden records, scored by "
          "the model (not queued by resolution)")


def steward_app(url: str) -> tuple[Flask, str]:
    """The hub's app on this database and a steward's bearer token."""
    app = create_app({"DATABASE_URL": url, "MIGRATE_ON_START": False})
    with transaction(app.extensions["mdm.sessions"]) as session:
        issued = issue_token(session, "steward", None, None, timedelta(hours=2), DEFAULT_SOURCE_SYSTEMS,
                             "cli:bench", utc_now())
    return app, issued.secret


def test_client_fetch(app: Flask, token: str) -> Fetch:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def fetch(path: str) -> tuple[int, str]:
        answer = client.get(path)
        status, body = answer.status_code, answer.get_data(as_text=True)[:300] if answer.status_code != 200 else ""
        answer.close()
        return status, body

    return fetch


@contextmanager
def gunicorn_fetch(url: str, token: str, folder: Path) -> Iterator[Fetch]:
    """Requests over HTTP to `gunicorn wsgi:app` (2 workers) on this database, one at a time."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env={**os.environ, "MDM_DATABASE_URL": url}, stdout=subprocess.DEVNULL,
        stderr=(folder / "gunicorn-queue.log").open("ab"))
    base = f"http://127.0.0.1:{port}"
    try:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {token}"
            wait_until_serving(base)

            def fetch(path: str) -> tuple[int, str]:
                answer = http.get(base + path, timeout=30)
                return answer.status_code, answer.text[:300] if answer.status_code != 200 else ""

            yield fetch
    finally:
        server.terminate()
        server.wait()


def request_kinds(task_ids: list[int], rng: random.Random) -> dict[str, Callable[[], str]]:
    """Each kind of request a steward's console sends, as a maker of URLs."""
    base = "/api/v1/stewardship/tasks"
    kinds = (IDENTIFIER_CONFLICT, "constraint_split", POSSIBLE_MATCH)
    parties = ("person", "organization")
    bands = tuple(PRIORITY_BANDS)
    return {
        "first page": lambda: base,
        "kind": lambda: f"{base}?kind={rng.choice(kinds)}",
        "party_type": lambda: f"{base}?party_type={rng.choice(parties)}",
        "network": lambda: f"{base}?network={rng.choice(NETWORKS)}",
        "priority band": lambda: f"{base}?priority={rng.choice(bands)}",
        "combined": lambda: (f"{base}?kind={rng.choice(kinds)}&party_type={rng.choice(parties)}"
                             f"&network={rng.choice(NETWORKS)}&priority={rng.choice(bands)}"),
        "deep page": lambda: f"{base}?offset={5000 + rng.randrange(0, 200)}",
        "task detail": lambda: f"{base}/{rng.choice(task_ids)}",
    }


def measure_requests(fetch: Fetch, task_ids: list[int], count: int, rng: random.Random) -> None:
    kinds = request_kinds(task_ids, rng)
    for _ in range(20):  # warm up: model parsed, connections pooled
        fetch(kinds["task detail"]())
    every: list[float] = []
    for label, make_path in kinds.items():
        latencies: list[float] = []
        for _ in range(count):
            path = make_path()
            started = time.perf_counter()
            status, body = fetch(path)
            latencies.append((time.perf_counter() - started) * 1000)
            assert status == 200, (path, status, body)
        every += latencies
        print(latency_line(label, latencies))
    print(latency_line("all", every))


def latency_line(label: str, latencies: list[float]) -> str:
    p50, p95 = np.percentile(latencies, [50, 95])
    return (f"{label:>14}: {len(latencies):5} requests  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
            f"max {max(latencies):7.1f} ms   {'ok' if p95 <= 200 else 'OVER'} (target p95 <= 200 ms)")


def explain_list_queries(url: str) -> None:
    """PostgreSQL's plan of the count and page queries of some filters."""
    sessions = make_session_factory(make_engine(url))
    filters = {"first page": (TaskFilter(), 0), "network": (TaskFilter(network="BGD"), 0),
               "combined": (TaskFilter(kind=POSSIBLE_MATCH, party_type="person", network="AGENT", priority="low"), 0),
               "deep page": (TaskFilter(), 5000)}
    with sessions() as session:
        for label, (wanted, offset) in filters.items():
            page = (_filtered(select(StewardshipTask), wanted)
                    .order_by(StewardshipTask.priority.desc(), StewardshipTask.id).limit(50).offset(offset))
            count = _filtered(select(func.count()).select_from(StewardshipTask), wanted)
            for part, query in (("count", count), ("page", page)):
                sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
                plan = session.execute(text(f"EXPLAIN ANALYZE {sql}")).scalars().all()
                print(f"--- {label} ({part})\n    " + "\n    ".join(plan))


def measure(url: str, args: argparse.Namespace, rng: random.Random) -> None:
    fill_queue(url, args.tasks, rng)
    if args.explain:
        explain_list_queries(url)
    app, token = steward_app(url)
    with app.extensions["mdm.sessions"]() as session:
        task_ids = list(session.scalars(select(StewardshipTask.id).where(StewardshipTask.status == OPEN)))
    print(f"{len(task_ids):,} open tasks; {args.requests} requests of each kind through hub.create_app "
          "(Flask test client, steward token, one process)")
    measure_requests(test_client_fetch(app, token), task_ids, args.requests, rng)
    app.extensions["mdm.engine"].dispose()
    if args.gunicorn:
        print("the same through gunicorn (wsgi:app, 2 workers) over HTTP, one request at a time")
        with gunicorn_fetch(url, token, args.folder) as fetch:
            measure_requests(fetch, task_ids, args.requests, rng)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--tasks", type=int, default=10_000, help="open tasks to reach")
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    parser.add_argument("--hub", help="PostgreSQL URL of a hub to use and keep (built there when empty)")
    parser.add_argument("--explain", action="store_true", help="print the plans of the list queries")
    parser.add_argument("--gunicorn", action="store_true", help="also measure through gunicorn over HTTP")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "mdm-bench")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    if args.hub:
        with make_engine(args.hub).connect() as connection:
            empty = not connection.execute(text("SELECT to_regclass('source_record') IS NOT NULL")).scalar() or \
                not connection.execute(text("SELECT EXISTS (SELECT 1 FROM source_record)")).scalar()
        if empty:
            build_hub(args.hub, synthetic_feed(args.records, args.folder)[0], args.folder)
        measure(args.hub, args, rng)
        return
    with fresh_database("postgresql", args.folder) as url:
        build_hub(url, synthetic_feed(args.records, args.folder)[0], args.folder)
        measure(url, args, rng)


if __name__ == "__main__":
    main()
