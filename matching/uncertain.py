"""What a resolution could not settle alone: pairs of clusters a data steward should look at.

Three kinds, one pair of clusters at most (standing for the two golden records a steward would compare), each
represented by its strongest pair of records:
- ``identifier_conflict``: one strong identifier (a typed national id, a full ICE, an RC number in its court) on
  two clusters: either one client was cut in two or one of them carries a wrong id;
- ``constraint_split``: a match the constraints refused (two well-formed ids of one kind, or a steward's
  cannot-link that another record bridged), so where the cut falls is the clustering's guess;
- ``possible_match``: a pair the model scored in the ``possible`` band across two clusters, unless the other records
  of the two clusters settled them apart (``matching.settled_apart``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.clustering import Clustering
from matching.features import CODED_FEATURES, MISSING, FeatureTable
from matching.model import POSSIBLE, ScoredPairs
from matching.settled_apart import ClusterPair
from matching.standardise import StandardisedRecord
from native import Rebuilt, rebuilt

IDENTIFIER_CONFLICT, CONSTRAINT_SPLIT, POSSIBLE_MATCH = "identifier_conflict", "constraint_split", "possible_match"
TASK_KINDS = (IDENTIFIER_CONFLICT, CONSTRAINT_SPLIT, POSSIBLE_MATCH)  # most telling first
_RANK = {kind: rank for rank, kind in enumerate(TASK_KINDS)}
# Identifiers that name one client only (the codes of these features are compared).
STRONG_IDENTIFIERS = ("typed_national_id", "ice", "registry")
# One value on more clusters than this is a placeholder the frequency rule missed, not a conflict to resolve:
# telling a steward to compare every client of a domiciliation centre would drown the queue.
MOST_CLUSTERS_PER_IDENTIFIER = 3


@dataclass(frozen=True, slots=True)
class UncertainPair:
    """Two record positions in two different clusters, and why they need a human."""

    kind: str
    left: int
    right: int
    weight: float | None  # the model's weight and probability when the pair was scored
    probability: float | None
    detail: str | None  # the refused rule, or the shared identifier's feature

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def find_uncertain_pairs(features: FeatureTable, scored: ScoredPairs, clustering: Clustering,
                         settled_apart: frozenset[ClusterPair] = frozenset()) -> list[UncertainPair]:
    """One uncertain pair per pair of clusters: the most telling kind, then the strongest weight. A possible pair
    between two clusters ``settled_apart`` is not asked; an identifier they share or a refused match still is."""
    cluster = clustering.cluster
    best: dict[tuple[int, int], UncertainPair] = {}

    def offer(candidate: UncertainPair) -> None:
        a, b = int(cluster[candidate.left]), int(cluster[candidate.right])
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        if candidate.kind == POSSIBLE_MATCH and key in settled_apart:
            return
        held = best.get(key)
        if held is None or _stronger(candidate, held):
            best[key] = candidate

    possible = np.flatnonzero(scored.bands == POSSIBLE)
    across = possible[cluster[scored.pairs[possible, 0]] != cluster[scored.pairs[possible, 1]]]
    for index in across.tolist():
        left, right = int(scored.pairs[index, 0]), int(scored.pairs[index, 1])
        offer(UncertainPair(POSSIBLE_MATCH, left, right, float(scored.weights[index]),
                            float(scored.probabilities[index]), None))
    asked = [(CONSTRAINT_SPLIT, edge.left, edge.right, edge.reason) for edge in clustering.refused] + [
        (IDENTIFIER_CONFLICT, left, right, name) for name in STRONG_IDENTIFIERS
        for left, right in _shared_across_clusters(features.codes[name], cluster)]
    scores = _scores_of(scored, [(left, right) for _, left, right, _ in asked], features.size)
    for (kind, left, right, detail), (weight, probability) in zip(asked, scores, strict=True):
        offer(UncertainPair(kind, left, right, weight, probability, detail))
    return sorted(best.values(), key=lambda pair: (pair.left, pair.right))


def _stronger(candidate: UncertainPair, held: UncertainPair) -> bool:
    if _RANK[candidate.kind] != _RANK[held.kind]:
        return _RANK[candidate.kind] < _RANK[held.kind]
    return (candidate.weight if candidate.weight is not None else -np.inf) > (
        held.weight if held.weight is not None else -np.inf)


def _shared_across_clusters(codes: npt.NDArray[np.int64], cluster: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """Pairs of positions holding one value in different clusters: the first holder of each cluster, chained."""
    present = np.flatnonzero(codes != MISSING)
    if len(present) < 2:
        return []
    order = present[np.argsort(codes[present], kind="stable")]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    pairs: list[tuple[int, int]] = []
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        holders: dict[int, int] = {}
        for position in order[start:start + size].tolist():
            holders.setdefault(int(cluster[position]), position)
        if 1 < len(holders) <= MOST_CLUSTERS_PER_IDENTIFIER:
            first, *others = holders.values()
            pairs.extend((first, other) for other in others)
    return pairs


_SCANNED = 1 << 20  # scored pairs encoded at a time: a batch's millions at once would take hundreds of megabytes


def _scores_of(scored: ScoredPairs, asked: list[tuple[int, int]], size: int,
               ) -> list[tuple[float | None, float | None]]:
    """The weight and probability of each asked pair of positions, as first scored in either order (None, None
    where it was not scored). The scored pairs are scanned a slice at a time for the few asked: sorting them all
    for lookups took seconds and twice their memory at a million records."""
    if not asked:
        return []
    size = max(size, 1)
    keys = np.array([min(left, right) * size + max(left, right) for left, right in asked], dtype=np.int64)
    wanted = np.unique(keys)
    first: dict[int, int] = {}
    for start in range(0, len(scored.pairs), _SCANNED):
        block = scored.pairs[start:start + _SCANNED]
        encoded = np.minimum(block[:, 0], block[:, 1]) * size + np.maximum(block[:, 0], block[:, 1])
        at = np.minimum(np.searchsorted(wanted, encoded), len(wanted) - 1)
        for offset in np.flatnonzero(wanted[at] == encoded).tolist():
            first.setdefault(int(encoded[offset]), start + offset)
    return [(float(scored.weights[index]), float(scored.probabilities[index]))
            if (index := first.get(key)) is not None else (None, None) for key in keys.tolist()]


def strong_identifiers(record: StandardisedRecord) -> dict[str, str]:
    """The strong identifiers a standardised record carries (placeholders by rule are already blank)."""
    return {name: value for name in STRONG_IDENTIFIERS if (value := CODED_FEATURES[name](record)) is not None}
