"""A batch's clusters found component by component are those of every edge merged one at a time: components that
cannot refuse a merge are taken whole, the others go through the merges, and the refused edges are the same."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.synthetic import generate
from matching import clustering
from matching.clustering import _merge_in_order, cluster_records
from matching.features import MISSING, FeatureTable
from tests.matching.shipped_features import shipped_features


@pytest.fixture(scope="module")
def features() -> FeatureTable:
    return shipped_features([generated.record for generated in generate(2500, seed=5)], overused=frozenset())


def _partition(labels: np.ndarray) -> list[int]:
    """Each position's class named by its class's first position: equal for two labellings of one partition."""
    first: dict[int, int] = {}
    return [first.setdefault(int(label), position) for position, label in enumerate(labels.tolist())]


def _edges(features: FeatureTable, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges between records sharing a family name (components of a few records, as clients'), and random ones
    between records holding national ids (components where two ids meet and a merge is refused)."""
    rng = np.random.default_rng(seed)
    family = features.codes["family_name"]
    order = np.argsort(family, kind="stable")
    adjacent = (family[order[:-1]] == family[order[1:]]) & (family[order[:-1]] != MISSING)
    same, follows = order[:-1][adjacent], order[1:][adjacent]
    holders = np.flatnonzero(features.codes["national_id"] != MISSING)
    random = rng.choice(holders, size=(60, 2))
    edges = np.concatenate([np.stack([same, follows], axis=1), random[random[:, 0] != random[:, 1]]])
    return np.sort(edges, axis=1).astype(np.int64), rng.uniform(5, 30, len(edges)).round(1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_components_give_the_clusters_of_every_merge_in_order(features: FeatureTable, seed: int) -> None:
    edges, weights = _edges(features, seed)
    rng = np.random.default_rng(seed)
    must_link = [tuple(pair) for pair in rng.choice(features.size, size=(20, 2)).tolist() if pair[0] != pair[1]]
    cannot_link = [tuple(pair) for pair in edges[rng.choice(len(edges), 15)].tolist()]
    assert len(edges) >= clustering._FEW_EDGES  # the path by components

    found = cluster_records(features, edges, weights, must_link, cannot_link)
    merged, refused = _merge_in_order(features, edges, weights, must_link, cannot_link)

    expected = np.array([merged.find(position) for position in range(features.size)])
    assert _partition(found.cluster) == _partition(expected)
    assert found.refused == refused
    assert refused and len(set(_partition(expected))) < features.size  # merges refused, and merges made
    # Every label is one of its cluster's positions, as every reader of the labels expects.
    assert all(_partition(found.cluster)[label] == _partition(found.cluster)[position]
               for position, label in enumerate(found.cluster.tolist()))


def test_a_batch_without_edges_keeps_each_record_alone(features: FeatureTable, monkeypatch: pytest.MonkeyPatch,
                                                         ) -> None:
    monkeypatch.setattr(clustering, "_FEW_EDGES", 0)
    found = cluster_records(features, np.zeros((0, 2), dtype=np.int64), np.zeros(0))
    assert found.cluster.tolist() == list(range(features.size)) and not found.refused
