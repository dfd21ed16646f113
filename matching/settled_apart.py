"""Possible pairs their clusters settle: the other records of the two clusters say two clients.

A pair in the ``possible`` band is judged on two records only. When it links two clusters, each cluster holds more
records of its client, and a steward comparing the two golden records would look at them all: a father and a son
sharing a name and an address have two birth dates, which the two records of the pair may not both show. Every pair
of records across the two clusters is scored with the same model; where enough of them weigh clearly against one
client (``MatchSettings.clusters_apart``), the two clusters are settled apart and the pair is not asked. The pair
keeps its score and band: only the question goes.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from matching.features import FeatureTable
from matching.model import POSSIBLE, MatchModel, ScoredPairs, score_pairs

ClusterPair = tuple[int, int]  # two cluster representatives, smaller first
# The records of a cluster compared, at most: the first ones by position, so a cluster of hundreds (a placeholder
# missed) costs no more than a client's.
MOST_MEMBERS_COMPARED = 30


def clusters_settled_apart(model: MatchModel, features: FeatureTable, scored: ScoredPairs,
                           cluster: npt.NDArray[np.int64]) -> frozenset[ClusterPair]:
    """The pairs of clusters linked by a possible pair whose records, across the two, weigh against one client."""
    rule = model.settings.clusters_apart
    if rule is None or not len(scored.pairs):
        return frozenset()
    keys = _possible_cluster_pairs(scored, cluster)
    if not keys:
        return frozenset()
    left, right, owner = _cross_pairs(keys, cluster)
    scores = score_pairs(model, features, np.stack([left, right], axis=1))
    # A vetoed pair (twins' card numbers, a branch's ICE) is evidence against whatever its weight.
    against = (scores.weights <= rule.weight) | (scores.probabilities == 0.0)
    share = np.bincount(owner, against, minlength=len(keys)) / np.bincount(owner, minlength=len(keys))
    return frozenset(key for key, settled in zip(keys, (share >= rule.share).tolist(), strict=True) if settled)


def _possible_cluster_pairs(scored: ScoredPairs, cluster: npt.NDArray[np.int64]) -> list[ClusterPair]:
    possible = scored.pairs[scored.bands == POSSIBLE]
    a, b = cluster[possible[:, 0]], cluster[possible[:, 1]]
    across = a != b
    low, high = np.minimum(a[across], b[across]), np.maximum(a[across], b[across])
    unique = np.unique(np.stack([low, high], axis=1), axis=0) if len(low) else np.zeros((0, 2), np.int64)
    return [(int(x), int(y)) for x, y in unique.tolist()]


def _cross_pairs(keys: list[ClusterPair], cluster: npt.NDArray[np.int64],
                 ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every pair of records across each pair of clusters (left, right, index of the pair of clusters)."""
    members = dict(_members(cluster, {c for key in keys for c in key}))
    left: list[npt.NDArray[np.int64]] = []
    right: list[npt.NDArray[np.int64]] = []
    owner: list[npt.NDArray[np.int64]] = []
    for index, (a, b) in enumerate(keys):
        first, second = members[a], members[b]
        left.append(np.repeat(first, len(second)))
        right.append(np.tile(second, len(first)))
        owner.append(np.full(len(first) * len(second), index, dtype=np.int64))
    return np.concatenate(left), np.concatenate(right), np.concatenate(owner)


def _members(cluster: npt.NDArray[np.int64], wanted: set[int]) -> Iterator[tuple[int, npt.NDArray[np.int64]]]:
    positions = np.flatnonzero(np.isin(cluster, np.fromiter(wanted, dtype=np.int64, count=len(wanted))))
    order = positions[np.argsort(cluster[positions], kind="stable")]
    values = cluster[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    for start, end in zip(starts.tolist(), np.r_[starts[1:], len(order)].tolist(), strict=True):
        yield int(values[start]), order[start:min(end, start + MOST_MEMBERS_COMPARED)].astype(np.int64)
