"""Online scoring speed: one new record against an index of the records already known.

    .venv/bin/python -m benchmarks.bench_online [--records 1000000] [--probes 1000] [--train 200000]

Generates a synthetic feed, trains the model (batch path, no labels) on its first --train records, indexes all
but the last --probes records, then scores each probe alone and prints latency percentiles and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from benchmarks.synthetic import generate
from matching.online import RecordIndex
from matching.pipeline import resolve_batch, standardise_columns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument("--train", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    records = (generated.record for generated in generate(args.records, args.seed))
    training = [next(records) for _ in range(min(args.train, args.records - args.probes))]
    started = time.perf_counter()
    model = resolve_batch(training, workers=args.workers).model
    print(f"model {model.version} trained on {len(training):,} records in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    index = RecordIndex(model)
    index.add(standardise_columns(training, args.workers))
    del training
    rest = [next(records) for _ in range(args.records - args.probes - len(index))]
    index.add(standardise_columns(rest, args.workers))
    del rest
    probes = list(records)
    print(f"indexed {len(index):,} records in {time.perf_counter() - started:.1f} s")

    latencies, candidates, matches = [], 0, 0
    for record in probes:
        started = time.perf_counter()
        scores = index.score(record)
        latencies.append((time.perf_counter() - started) * 1000)
        candidates += len(scores.candidates)
        matches += int((scores.scored.bands == "match").sum())
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    print(f"scored {len(probes):,} new records one by one: p50 {p50:.1f} ms  p95 {p95:.1f} ms  p99 {p99:.1f} ms  "
          f"max {max(latencies):.1f} ms; {candidates / len(probes):.1f} candidates and {matches / len(probes):.2f} "
          f"matches per record")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
