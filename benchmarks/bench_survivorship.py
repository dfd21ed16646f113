"""Survivorship alone: the attributes and portfolios of every active golden record of a consolidated hub, refreshed
as the "survivorship" step of `resolve --full` does it, then rolled back (the hub is left as it was).

    MDM_DATABASE_URL=postgresql+psycopg://... .venv/bin/python -m benchmarks.bench_survivorship [--workers N]
        [--profile FILE] [--check]

Prints wall seconds and the CPU seconds of this process and of the worker processes. --workers 1 computes in this
process (what --profile needs to see the field readers); --profile writes cProfile statistics (the top entries are
printed). --check compares the stored attributes with `survive` over each golden record's current versions.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import time

from sqlalchemy import select

from mdm import survivorship
from mdm.db import make_engine, make_session_factory
from mdm.models import GoldenRecord
from mdm.survivorship import golden_survivorship, refresh_golden_attributes


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=survivorship.WORKERS)
    parser.add_argument("--profile", help="file for cProfile statistics")
    parser.add_argument("--check", action="store_true", help="compare the stored attributes with survive")
    args = parser.parse_args()
    survivorship.WORKERS = args.workers
    sessions = make_session_factory(make_engine(os.environ["MDM_DATABASE_URL"]))
    with sessions() as session:
        golden = dict(session.execute(select(GoldenRecord.id, GoldenRecord.party_type)
                                      .where(GoldenRecord.status == "active")).all())
        own_before, children_before = _cpu()
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        written = refresh_golden_attributes(session, golden)
        session.flush()
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        own_after, children_after = _cpu()
        print(f"{written:,} golden records refreshed in {elapsed:.1f} s, CPU {own_after - own_before:.1f} s here "
              f"+ {children_after - children_before:.1f} s in workers ({args.workers} workers)")
        if profiler and args.profile:
            profiler.dump_stats(args.profile)
            pstats.Stats(args.profile).sort_stats("cumulative").print_stats(30)
        if args.check:
            stored = dict(session.execute(select(GoldenRecord.id, GoldenRecord.attributes)
                                          .where(GoldenRecord.id.in_(sorted(golden)[:2000]))).all())
            wrong = [golden_id for golden_id, attributes in stored.items()
                     if attributes != golden_survivorship(session, golden_id, golden[golden_id]).stored()]
            print(f"{len(stored):,} golden records checked against survive: {len(wrong)} differ {wrong[:5]}")
        session.rollback()


if __name__ == "__main__":
    main()
