"""Clustering of match edges into clients, honouring must-link and cannot-link constraints.

Edges are merged strongest first (a union-find); a merge that would put two conflicting strong identifiers
(two national ids that are not one typo apart, two ICE establishments, twins' ids) or a steward's cannot-link in one
cluster is refused instead. So one weak or junk link can never chain two real clients together through a
component, and each refused strong edge is reported as an uncertain split for a steward.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA

from matching.comparisons import given_names_differ
from matching.distinct import distinct
from matching.features import MISSING, FeatureTable
from matching.identifiers import consecutive_numbers
from native import Rebuilt, rebuilt

# Identifiers that belong to one client only: a cluster holding two different values is two clients.
# A national id is compared within its document type (a CIN and a passport number of one client differ) and
# one typo apart is the same id; two ICEs that both passed their checksum are never a typo.
EXCLUSIVE_IDENTIFIERS = ("typed_national_id", "ice_establishment")
TYPO_TOLERANT = frozenset({"typed_national_id"})
# Twins often hold consecutive card numbers: two such national ids (of any or no stated type) are one person's id
# mistyped only when held by records whose given names could be one person's.
TWINS_ID = "national_id"
TWINS = "twins_national_id"  # the reason of an edge refused for joining twins
CANNOT_LINK = "cannot_link"  # the reason of an edge refused by a steward's cannot-link


@dataclass(frozen=True, slots=True)
class RefusedEdge:
    left: int
    right: int
    weight: float
    reason: str

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(slots=True)
class Clustering:
    """``cluster`` gives each record position its cluster's representative position."""

    cluster: npt.NDArray[np.int64]
    refused: list[RefusedEdge] = field(default_factory=list)


class _Clusters:
    def __init__(self, features: FeatureTable) -> None:
        self.features = features
        # Python lists: the merge loop reads them a few million times, one item at a time.
        self.parent = list(range(features.size))
        self.size = [1] * features.size
        # Whether a cluster holds any identifier that can refuse a merge (most do not: their merges need no check).
        holds = np.zeros(features.size, dtype=bool)
        for name in (*EXCLUSIVE_IDENTIFIERS, TWINS_ID):
            holds |= features.codes[name] != MISSING
        self.holds_identifiers: list[bool] = holds.tolist()
        self.identifier_codes = [features.codes[name] for name in (*EXCLUSIVE_IDENTIFIERS, TWINS_ID)]
        # Identifier sets of merged clusters only; a singleton's are read from the features when needed.
        self.identifiers: dict[int, dict[str, set[str]]] = {}
        # Records holding each national id, of merged clusters only, for the same reason.
        self.holders: dict[int, dict[str, list[int]]] = {}
        self.cannot_link: dict[int, set[int]] = {}

    def find(self, position: int) -> int:
        parent = self.parent
        root = position
        while parent[root] != root:
            root = parent[root]
        while parent[position] != root:
            parent[position], position = root, parent[position]
        return root

    def _identifiers(self, root: int) -> dict[str, set[str]]:
        known = self.identifiers.get(root)
        if known is not None:
            return known
        return {
            name: {str(self.features.texts[name][root])}
            for name in EXCLUSIVE_IDENTIFIERS if self.features.codes[name][root] != MISSING
        }

    def _holders(self, root: int) -> dict[str, list[int]]:
        known = self.holders.get(root)
        if known is not None:
            return known
        value = self.features.texts[TWINS_ID][root]
        return {str(value): [root]} if value else {}

    def _twins(self, a: int, b: int) -> bool:
        """Whether an id of one cluster is consecutive to an id of the other and no records holding the two could
        be one person (their given names differ)."""
        holders_a, holders_b = self._holders(a), self._holders(b)
        if not holders_a or not holders_b or not holders_a.keys().isdisjoint(holders_b):
            return False
        return any(
            OSA.distance(value_a, value_b) == 1 and consecutive_numbers(value_a, value_b)
            and all(given_names_differ(self.features, p, q) for p in positions_a for q in positions_b)
            for value_a, positions_a in holders_a.items() for value_b, positions_b in holders_b.items()
        )

    def _never_differ(self, a: int, b: int) -> bool:
        """Whether two roots holding only their own record's identifiers have no identifier that differs: each is
        missing on one side or the same value on both (most matches), which no rule refuses."""
        for codes in self.identifier_codes:
            code_a, code_b = codes[a], codes[b]
            if code_a != code_b and code_a != MISSING and code_b != MISSING:
                return False
        return True

    def conflict(self, a: int, b: int) -> str | None:
        if b in self.cannot_link.get(a, ()):
            return CANNOT_LINK
        if not (self.holds_identifiers[a] and self.holds_identifiers[b]):
            return None
        if a not in self.identifiers and b not in self.identifiers and self._never_differ(a, b):
            return None
        ids_a, ids_b = self._identifiers(a), self._identifiers(b)
        for name in EXCLUSIVE_IDENTIFIERS:
            for kind, values_a in _by_kind(ids_a.get(name, set())).items():
                values_b = _by_kind(ids_b.get(name, set())).get(kind)
                if not values_b or not values_a.isdisjoint(values_b):
                    continue
                if name not in TYPO_TOLERANT or not _one_typo_apart(values_a, values_b):
                    return f"different_{name}"
        return TWINS if self._twins(a, b) else None

    def union(self, a: int, b: int) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        if self.holds_identifiers[b]:
            self._merge_identifiers(a, b)
        self.parent[b] = a
        self.size[a] += self.size[b]
        for other in self.cannot_link.pop(b, set()):
            self.cannot_link.setdefault(a, set()).add(other)
            partners = self.cannot_link.setdefault(other, set())
            partners.discard(b)
            partners.add(a)

    def _merge_identifiers(self, a: int, b: int) -> None:
        """Root ``a`` takes ``b``'s identifiers and national id holders."""
        self.holds_identifiers[a] = True
        merged = self._identifiers(a)
        for name, values in self._identifiers(b).items():
            merged.setdefault(name, set()).update(values)
        self.identifiers.pop(b, None)
        self.identifiers[a] = merged
        holders = self._holders(a)
        for value, positions in self._holders(b).items():
            holders.setdefault(value, []).extend(positions)
        self.holders.pop(b, None)
        self.holders[a] = holders


def _by_kind(values: set[str]) -> dict[str, set[str]]:
    """Typed values ("CIN:AB123") grouped by their type; untyped values form one group."""
    groups: dict[str, set[str]] = {}
    for value in values:
        kind, _, _ = value.rpartition(":")
        groups.setdefault(kind, set()).add(value)
    return groups


def _one_typo_apart(values_a: set[str], values_b: set[str]) -> bool:
    # One substitution, insertion, deletion or swap of two neighbouring characters.
    return any(OSA.distance(a, b) <= 1 for a in values_a for b in values_b)


# Up to this many edges (an online request's component), merging them one by one costs less than finding components.
_FEW_EDGES = 1000


def cluster_records(
    features: FeatureTable,
    edges: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
) -> Clustering:
    """Clusters from match edges; must-links are merged first, cannot-links are never crossed.

    Most connected components of the match graph cannot refuse a merge: no two different values of an identifier
    that can conflict, no cannot-link. Their clusters are the components themselves, found in one pass of scipy
    (each labelled by its first position). Only the other components go through the merges one edge at a time,
    which give the same clusters as if every edge had: components never share a record."""
    must_link, cannot_link = list(must_link), list(cannot_link)
    if len(edges) < _FEW_EDGES:
        clusters, refused = _merge_in_order(features, edges, weights, must_link, cannot_link)
        return Clustering(np.fromiter((clusters.find(position) for position in range(features.size)),
                                      dtype=np.int64, count=features.size), refused)
    linked = np.concatenate([edges.reshape(-1, 2), np.array(must_link, dtype=np.int64).reshape(-1, 2)])
    count, component = _components(features.size, linked)
    contested = _contested_components(features, component, count, cannot_link)
    _, first_position = np.unique(component, return_index=True)
    cluster = first_position[component].astype(np.int64)
    if not contested.any():
        return Clustering(cluster)
    in_contest = contested[component]
    kept = in_contest[edges[:, 0]]
    clusters, refused = _merge_in_order(
        features, edges[kept], weights[kept],
        [(a, b) for a, b in must_link if in_contest[a]], [(a, b) for a, b in cannot_link if in_contest[a]])
    positions = np.flatnonzero(in_contest)
    cluster[positions] = [clusters.find(position) for position in positions.tolist()]
    return Clustering(cluster, refused)


def _components(size: int, linked: npt.NDArray[np.int64]) -> tuple[int, npt.NDArray[np.int32]]:
    """The connected components of the graph of these edges: how many, and each position's."""
    # Imported here: only a batch looks for components, and the web processes need not load scipy (228 modules).
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(linked), dtype=np.int8), (linked[:, 0], linked[:, 1])), shape=(size, size))
    count, component = connected_components(graph, directed=False)
    return int(count), component


def _contested_components(features: FeatureTable, component: npt.NDArray[np.int32], count: int,
                          cannot_link: list[tuple[int, int]]) -> npt.NDArray[np.bool_]:
    """The components where a merge may be refused: two different values of an exclusive identifier or of the
    twins' id among their records, or a record with a cannot-link."""
    contested = np.zeros(count, dtype=bool)
    labels = component.astype(np.int64)
    for name in (*EXCLUSIVE_IDENTIFIERS, TWINS_ID):
        codes = features.codes[name].astype(np.int64)
        held = codes != MISSING
        if not held.any():
            continue
        radix = int(codes.max()) + 2
        values_per_component = np.bincount(distinct(labels[held] * radix + codes[held]) // radix, minlength=count)
        contested |= values_per_component > 1
    for a, b in cannot_link:
        contested[labels[a]] = contested[labels[b]] = True
    return contested


def _merge_in_order(
    features: FeatureTable, edges: npt.NDArray[np.int64], weights: npt.NDArray[np.float64],
    must_link: Iterable[tuple[int, int]], cannot_link: Iterable[tuple[int, int]],
) -> tuple[_Clusters, list[RefusedEdge]]:
    """The merges one at a time: must-links first, then edges strongest first, each refused where it would join
    two conflicting identifiers or cross a cannot-link."""
    clusters = _Clusters(features)
    for a, b in cannot_link:
        clusters.cannot_link.setdefault(a, set()).add(b)
        clusters.cannot_link.setdefault(b, set()).add(a)
    refused: list[RefusedEdge] = []
    for a, b in must_link:
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a != root_b and clusters.conflict(root_a, root_b) != CANNOT_LINK:
            clusters.union(root_a, root_b)
    order = np.argsort(-weights, kind="stable")
    for a, b, weight in zip(edges[order, 0].tolist(), edges[order, 1].tolist(), weights[order].tolist(),
                            strict=True):
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a == root_b:
            continue
        reason = clusters.conflict(root_a, root_b)
        if reason is None:
            clusters.union(root_a, root_b)
        else:
            refused.append(RefusedEdge(a, b, weight, reason))
    return clusters, refused
