"""Latency of `POST /api/v1/records` with online resolution, against a hub that already holds many clients.

    MDM_DATABASE_URL=postgresql+psycopg://…/db .venv/bin/python -m benchmarks.bench_post_latency [--requests 500]

The database must hold consolidated records (`python -m mdm load …`); the posted records come from the same
generator with another seed, so some are new clients and some match nobody. Prints p50/p95/p99 of the whole
request (validation, storage, candidate lookup, component re-clustering, commit) and the decisions taken.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import timedelta

import numpy as np
from sqlalchemy import func, select

from benchmarks.synthetic import generate
from hub import create_app
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.models import GoldenRecord
from mdm.tokens import issue_token
from mdm.web import session_factory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args()
    app = create_app()
    client = app.test_client()
    with app.app_context(), transaction(session_factory()) as session:
        goldens = session.scalar(select(func.count()).select_from(GoldenRecord).where(GoldenRecord.status == "active"))
        # Every route needs a token; an administrator's may write for every source system.
        secret = issue_token(session, "admin", None, "latency benchmark", timedelta(hours=1),
                             app.config["SOURCE_SYSTEMS"], "cli:bench", utc_now()).secret
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    latencies, decisions = [], Counter()
    for index, generated in enumerate(generate(args.requests * 3, args.seed)):
        if index == args.requests:
            break
        record = {**generated.record, "source_record_id": f"LAT-{args.seed}-{index}"}
        started = time.perf_counter()
        response = client.post("/api/v1/records", json=record)
        latencies.append((time.perf_counter() - started) * 1000)
        decisions[response.get_json().get("decision")] += 1
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    print(f"{len(latencies)} POST /api/v1/records against {goldens:,} golden records: p50 {p50:.1f} ms  "
          f"p95 {p95:.1f} ms  p99 {p99:.1f} ms  max {max(latencies):.1f} ms; decisions {dict(decisions)}")


if __name__ == "__main__":
    main()
