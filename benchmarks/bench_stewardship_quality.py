"""What the stewardship queue is worth: `python -m benchmarks.bench_stewardship_quality [--records 50000]`.

    PYTHONPATH=. .venv/bin/python -m benchmarks.bench_stewardship_quality [--records 50000] [--backend sqlite]

Stores the synthetic feed with `load --no-resolve` in a fresh database and runs `resolve --full`, then prints the
quality of the links (pairwise and B-cubed, every record and per party type), the open tasks by kind and party
type, and the records the queue touches. Then decides every open task with the generator's truth (same entity:
`same`, else `not_same`) through `stewardship.decisions.decide_task`, one transaction per decision as the API
does (a task an earlier decision closed is skipped), runs `resolve --full` again and prints the quality after,
with the deltas, and whether each verdict still holds (a `same` pair linked, a `not_same` pair apart).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.bench_ingest import PYTHON, fresh_database, run_measured
from benchmarks.bench_resolve import synthetic_feed
from matching.evaluate import Evaluation
from mdm.clock import utc_now
from mdm.db import make_engine, make_session_factory, run_transaction
from mdm.errors import Conflict
from mdm.link_quality import RecordKey, describe, evaluate_links, read_truth
from mdm.models import NOT_SAME, OPEN, SAME, SourceRecord, StewardshipTask
from mdm.resolution import golden_ids_of, members_of
from stewardship.decisions import decide_task

STEWARD = "bench:truth-steward"


@dataclass
class Decisions:
    verdicts: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    milliseconds: list[float] = field(default_factory=list)
    pairs: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: {SAME: [], NOT_SAME: []})


def run_cli(url: str, *arguments: str) -> str:
    elapsed, _, output = run_measured([PYTHON, "-m", "mdm", *arguments], {**os.environ, "MDM_DATABASE_URL": url})
    summary = [line.strip() for line in output.splitlines() if line.startswith(("read ", "resolved ", "  "))]
    print(f"{' '.join(arguments[:2]):<20} {elapsed:7.1f} s\n    " + "\n    ".join(summary))
    return output


def print_quality(title: str, results: dict[str, Evaluation]) -> None:
    print(title)
    for label, result in results.items():
        print("    " + describe(label, result))


def print_quality_delta(before: dict[str, Evaluation], after: dict[str, Evaluation]) -> None:
    print("change in pairwise F1 (B-cubed F1), decided queue + resolve --full vs first resolve --full:")
    for label, result in after.items():
        was = before[label]
        print(f"    {label:<14} pairwise P {result.pairwise.precision - was.pairwise.precision:+.4f} "
              f"R {result.pairwise.recall - was.pairwise.recall:+.4f} F1 {result.pairwise.f1 - was.pairwise.f1:+.4f}"
              f"   ({was.pairwise.f1:.4f} -> {result.pairwise.f1:.4f})   B-cubed F1 "
              f"{result.bcubed.f1 - was.bcubed.f1:+.4f}   "
              + ("RISES" if result.pairwise.f1 > was.pairwise.f1 else "DOES NOT RISE"))


def open_tasks(session: Session) -> list[StewardshipTask]:
    """Open tasks in queue order (most urgent first), as a steward works through them."""
    return list(session.scalars(select(StewardshipTask).where(StewardshipTask.status == OPEN)
                                .order_by(StewardshipTask.priority.desc(), StewardshipTask.id)))


def print_queue(session: Session) -> None:
    tasks = open_tasks(session)
    print(f"open tasks: {len(tasks):,}")
    by_kind = Counter((task.kind, task.party_type) for task in tasks)
    for kind in sorted({kind for kind, _ in by_kind}):
        print(f"    {kind:<20} persons {by_kind[kind, 'person']:>6,}   "
              f"organisations {by_kind[kind, 'organization']:>6,}")
    live = session.scalar(select(func.count()).select_from(SourceRecord).where(SourceRecord.is_deleted.is_(False)))
    named = {record for task in tasks for record in (task.record_a_id, task.record_b_id)}
    golden = set(golden_ids_of(session, named).values())
    in_golden = members_of(session, golden)
    live = live or 1
    print(f"records named by open tasks: {len(named):,} of {live:,} ({len(named) / live:.2%}); records of the "
          f"{len(golden):,} golden records they involve: {len(in_golden):,} ({len(in_golden) / live:.2%})"
          f"   target <= 3 %: {'met' if len(named) / live <= 0.03 else 'MISSED'}")


def decide_as_steward(session: Session, task_id: int, verdict: str) -> None:
    decide_task(session, task_id, verdict, "decided from the generator's truth", STEWARD, utc_now())


def decide_with_truth(sessions: sessionmaker[Session], truth: dict[RecordKey, str]) -> Decisions:
    """Decide every open task as a steward who knows the truth would, one transaction per decision."""
    with sessions() as session:
        queue = [(task.id, task.record_a_id, task.record_b_id) for task in open_tasks(session)]
        keys = {record_id: (system, key) for record_id, system, key in session.execute(
            select(SourceRecord.id, SourceRecord.source_system, SourceRecord.source_record_id))}
    decisions = Decisions()
    for task_id, record_a, record_b in queue:
        entity_a, entity_b = truth.get(keys[record_a]), truth.get(keys[record_b])
        verdict = SAME if entity_a is not None and entity_a == entity_b else NOT_SAME
        started = time.perf_counter()
        try:
            run_transaction(sessions, partial(decide_as_steward, task_id=task_id, verdict=verdict))
        except Conflict:  # an earlier decision's resolution closed it: no longer in the queue
            decisions.skipped += 1
            continue
        decisions.milliseconds.append((time.perf_counter() - started) * 1000)
        decisions.verdicts[verdict] += 1
        decisions.pairs[verdict].append((record_a, record_b))
    return decisions


def print_decisions(decisions: Decisions) -> None:
    times = decisions.milliseconds or [0.0]
    print(f"decided {len(decisions.milliseconds):,} tasks: same {decisions.verdicts[SAME]:,}, not_same "
          f"{decisions.verdicts[NOT_SAME]:,}; skipped {decisions.skipped:,} (closed by an earlier decision); "
          f"{sum(times) / 1000:.1f} s deciding, mean {statistics.fmean(times):.1f} ms per decision, "
          f"p95 {sorted(times)[int(0.95 * (len(times) - 1))]:.1f} ms")


def print_verdicts_kept(session: Session, decisions: Decisions, moment: str) -> None:
    """How many decided pairs stand as decided: `same` pairs in one golden record, `not_same` pairs apart."""
    records = {record for pairs in decisions.pairs.values() for pair in pairs for record in pair}
    golden = golden_ids_of(session, records)
    linked = {verdict: sum(1 for a, b in pairs if golden.get(a) is not None and golden.get(a) == golden.get(b))
              for verdict, pairs in decisions.pairs.items()}
    same, not_same = len(decisions.pairs[SAME]), len(decisions.pairs[NOT_SAME])
    print(f"verdicts standing {moment}: same pairs linked {linked[SAME]:,} of {same:,}; not_same pairs apart "
          f"{not_same - linked[NOT_SAME]:,} of {not_same:,}")


def measure(url: str, feed: Path, truth_path: Path, folder: Path, consolidated: bool = False) -> None:
    if not consolidated:
        run_cli(url, "load", str(feed), "--no-resolve", "--rejects", str(folder / "rejects.jsonl"))
        run_cli(url, "resolve", "--full")
    truth = read_truth(truth_path)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        before = evaluate_links(session, truth)
        print_quality("quality after resolve --full:", before)
        print_queue(session)
    decisions = decide_with_truth(sessions, truth)
    print_decisions(decisions)
    with sessions() as session:
        print_quality("quality once every task is decided (online resolution of each decision):",
                      evaluate_links(session, truth))
        print_verdicts_kept(session, decisions, "after the decisions")
    run_cli(url, "resolve", "--full")
    with sessions() as session:
        after = evaluate_links(session, truth)
        print_quality("quality after the decisions and resolve --full:", after)
        print_verdicts_kept(session, decisions, "after resolve --full")
        print_queue(session)
    print_quality_delta(before, after)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "mdm-bench")
    parser.add_argument("--hub", help="database URL of a hub that holds this feed after one `resolve --full` "
                                      "(used and changed instead of a fresh one)")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    feed, truth = synthetic_feed(args.records, args.folder)
    print(f"{args.records:,} records, {args.backend if not args.hub else args.hub}")
    if args.hub:
        measure(args.hub, feed, truth, args.folder, consolidated=True)
        return
    with fresh_database(args.backend, args.folder) as url:
        measure(url, feed, truth, args.folder)


if __name__ == "__main__":
    main()
