"""Twins kept apart and organisation pairs missed, on the synthetic Moroccan feed.

    PYTHONPATH=. .venv/bin/python -m benchmarks.bench_twins_orgs [--records 50000] [--seed 11]

Twins are found in the truth, not by the matcher: two clients with the same birth date holding national ids one
edit apart. A twin pair is kept apart when no cluster holds records of both. Missed organisation pairs (two records
of one company in two clusters) are counted by what differs between the two records, the way a seat move
(another court, another RC, another city), a mistyped ICE or a missing identifier shows in the data.
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter, defaultdict

from rapidfuzz.distance import OSA

from benchmarks.synthetic import generate
from matching.features import MISSING, ORGANIZATION, PERSON
from matching.pipeline import BatchResolution, resolve_batch

BIRTH_DATE_GROUP_CAP = 300  # a birth date shared by more records is a placeholder left in the feed


def twin_pairs(resolution: BatchResolution, entities: list[str]) -> set[tuple[str, str]]:
    features = resolution.features
    dates, ids = features.codes["birth_date"], features.texts["national_id"]
    by_date: dict[int, list[int]] = defaultdict(list)
    for position in range(features.size):
        if features.party[position] == PERSON and dates[position] != MISSING and ids[position]:
            by_date[int(dates[position])].append(position)
    return {
        (min(entities[a], entities[b]), max(entities[a], entities[b]))
        for positions in by_date.values() if len(positions) <= BIRTH_DATE_GROUP_CAP
        for a, b in itertools.combinations(positions, 2)
        if entities[a] != entities[b] and OSA.distance(ids[a], ids[b]) == 1
    }


def _relation(resolution: BatchResolution, feature: str, a: int, b: int) -> str:
    codes = resolution.features.codes[feature]
    if codes[a] == MISSING or codes[b] == MISSING:
        return "missing"
    return "same" if codes[a] == codes[b] else "different"


def missed_pair_cause(resolution: BatchResolution, a: int, b: int, candidates: set[tuple[int, int]]) -> str:
    if (a, b) not in candidates:
        return "not a candidate (blocking)"
    city = _relation(resolution, "city", a, b)
    registry = _relation(resolution, "registry", a, b)
    if city == "different" and registry != "same":
        return "seat moved (another city" + (", another RC)" if registry == "different" else ")")
    if _relation(resolution, "ice", a, b) == "different":
        return "ICE differs"
    if _relation(resolution, "name", a, b) == "different":
        return "company name differs"
    if _relation(resolution, "legal_form", a, b) == "different":
        return "legal form differs"
    return "scored low, names and places agree"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    feed = list(generate(args.records, args.seed))
    entities = [generated.entity_id for generated in feed]
    resolution = resolve_batch((generated.record for generated in feed), workers=2)
    clusters_of: dict[str, set[int]] = defaultdict(set)
    members: dict[str, list[int]] = defaultdict(list)
    for position, entity in enumerate(entities):
        clusters_of[entity].add(int(resolution.cluster[position]))
        members[entity].append(position)
    twins = twin_pairs(resolution, entities)
    apart = sum(1 for a, b in twins if clusters_of[a].isdisjoint(clusters_of[b]))
    print(f"twins: {apart} of {len(twins)} pairs kept apart")
    candidates = {(int(a), int(b)) for a, b in resolution.scored.pairs}
    causes: Counter[str] = Counter()
    for positions in members.values():
        if resolution.features.party[positions[0]] != ORGANIZATION:
            continue
        for a, b in itertools.combinations(sorted(positions), 2):
            if resolution.cluster[a] != resolution.cluster[b]:
                causes[missed_pair_cause(resolution, a, b, candidates)] += 1
    print(f"organisation pairs missed: {sum(causes.values())}")
    for cause, count in causes.most_common():
        print(f"  {count:>5}  {cause}")


if __name__ == "__main__":
    main()
