"""Daily consolidation at scale: `resolve --full` on a hub that holds every record of a synthetic feed.

    .venv/bin/python -m benchmarks.bench_resolve [--records 1000000] [--backend postgresql|sqlite] [--keep URL]

Stores the feed with `load --no-resolve` in a fresh database, then times, each in its own process: the first
`resolve --full` (trains the model, creates every golden record with its attributes, stints, audit trail and
events), a second `resolve --full` over unchanged records (what a nightly run costs when little changed), and
`evaluate --truth`. Prints wall time and peak RSS of each step. With --keep, the database given is used (and
kept) instead of a fresh one: e.g. to measure `bench_post_latency` against it afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from benchmarks.bench_ingest import PYTHON, ROOT, fresh_database, run_measured


def synthetic_feed(records: int, folder: Path, seed: int = 1) -> tuple[Path, Path]:
    """The seeded feed of that size and its truth (generated once, then reused from the folder)."""
    feed, truth = folder / f"feed_{records}_seed{seed}.jsonl.gz", folder / f"truth_{records}_seed{seed}.csv"
    if not feed.exists() or not truth.exists():
        subprocess.run([PYTHON, "-m", "benchmarks.synthetic", "--records", str(records), "--seed", str(seed),
                        "--out", str(feed), "--truth", str(truth)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return feed, truth


def _run(url: str, feed: Path, truth: Path, folder: Path) -> None:
    env = {**os.environ, "MDM_DATABASE_URL": url}
    elapsed, rss, _ = run_measured([PYTHON, "-m", "mdm", "load", str(feed), "--no-resolve",
                                    "--rejects", str(folder / "rejects.jsonl")], env)
    print(f"load --no-resolve    {elapsed:7.1f} s   peak RSS {rss:6,.0f} MB")
    for label in ("resolve --full (1st)", "resolve --full (2nd)"):
        elapsed, rss, output = run_measured([PYTHON, "-m", "mdm", "resolve", "--full"], env)
        summary = [line.strip() for line in output.strip().splitlines()[-2:]]
        print(f"{label} {elapsed:7.1f} s   peak RSS {rss:6,.0f} MB\n    " + "\n    ".join(summary))
    elapsed, _, output = run_measured([PYTHON, "-m", "mdm", "evaluate", "--truth", str(truth)], env)
    print(f"evaluate             {elapsed:7.1f} s")
    print("    " + "\n    ".join(output.strip().splitlines()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--keep", help="database URL to use and keep instead of a fresh one")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "mdm-bench")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    feed, truth = synthetic_feed(args.records, args.folder)
    print(f"{args.records:,} records, {args.backend}")
    if args.keep:
        _run(args.keep, feed, truth, args.folder)
        return
    with fresh_database(args.backend, args.folder) as url:
        _run(url, feed, truth, args.folder)


if __name__ == "__main__":
    main()
