"""Uncertain pairs: one per pair of clusters, the most telling kind first; placeholders shared by many are none."""

from __future__ import annotations

import numpy as np
import pytest

from matching import uncertain
from matching.clustering import CANNOT_LINK, Clustering, RefusedEdge
from matching.model import MATCH, NON_MATCH, POSSIBLE, ScoredPairs
from matching.standardise import standardise_record
from matching.uncertain import (
    CONSTRAINT_SPLIT,
    IDENTIFIER_CONFLICT,
    POSSIBLE_MATCH,
    UncertainPair,
    find_uncertain_pairs,
    strong_identifiers,
)
from tests.matching.shipped_features import shipped_features


def _person(first: str, last: str, cin: str | None) -> dict[str, str]:
    record = {"party_type": "person", "first_name": first, "last_name": last, "birth_date": "1980-01-01"}
    return {**record, "id_type": "CIN", "national_id": cin} if cin else record


def _find(records: list[dict[str, str]], pairs: list[tuple[int, int, str, float]], cluster: list[int],
          refused: tuple[RefusedEdge, ...] = ()) -> list[UncertainPair]:
    features = shipped_features(records, overused=frozenset())
    scored = ScoredPairs(np.array([[a, b] for a, b, _, _ in pairs], dtype=np.int64).reshape(-1, 2),
                         np.array([w for *_, w in pairs], dtype=np.float64),
                         np.array([1 / (1 + 2 ** -w) for *_, w in pairs], dtype=np.float64),
                         np.array([band for _, _, band, _ in pairs], dtype=object))
    return find_uncertain_pairs(features, scored, Clustering(np.array(cluster, dtype=np.int64), list(refused)))


def test_each_kind_is_found_once_per_pair_of_clusters() -> None:
    records = [_person("Mohamed", "Alaoui", "BK482913"), _person("Karim", "Bennani", "BK482913"),
               _person("Sara", "Tazi", None), _person("Sarah", "Tazi", None), _person("Amine", "Idrissi", "JA604512")]
    found = _find(records, [(0, 1, NON_MATCH, -6.0), (2, 3, POSSIBLE, 2.0), (1, 2, POSSIBLE, 0.5),
                            (1, 4, POSSIBLE, 1.0)],
                  cluster=[0, 1, 2, 3, 4], refused=(RefusedEdge(1, 2, 9.0, "different_typed_national_id"),))
    assert [(p.kind, p.left, p.right, p.detail) for p in found] == [
        (IDENTIFIER_CONFLICT, 0, 1, "typed_national_id"),  # one CIN on two clients
        (CONSTRAINT_SPLIT, 1, 2, "different_typed_national_id"),  # the refused match outranks the possible pair
        (POSSIBLE_MATCH, 1, 4, None),
        (POSSIBLE_MATCH, 2, 3, None),
    ]
    conflict = found[0]
    assert conflict.weight == -6.0 and conflict.probability is not None and conflict.probability < 0.1


@pytest.mark.parametrize("scanned", [1, 2, 1 << 20])
def test_a_conflict_or_split_carries_the_score_of_its_pair_however_the_pairs_were_listed(
    scanned: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The weight shown to a steward is the pair's first score, whichever order its two records were listed in and
    however many scored pairs are read at a time; a pair never scored shows none."""
    monkeypatch.setattr(uncertain, "_SCANNED", scanned)
    records = [_person("Mohamed", "Alaoui", "BK482913"), _person("Karim", "Bennani", "BK482913"),
               _person("Sara", "Tazi", "JA604512"), _person("Salma", "Tazi", "JA604512"),
               _person("Amine", "Idrissi", None), _person("Amine", "Idrisi", None)]
    found = _find(records, [(4, 5, MATCH, 14.0), (1, 0, NON_MATCH, -6.0), (0, 1, NON_MATCH, -9.0),
                            (3, 4, NON_MATCH, -3.0)],
                  cluster=[0, 1, 2, 3, 4, 4], refused=(RefusedEdge(5, 3, 9.0, "different_given_names"),))
    assert [(p.kind, p.left, p.right, p.weight) for p in found] == [
        (IDENTIFIER_CONFLICT, 0, 1, -6.0),  # listed as (1, 0), first
        (IDENTIFIER_CONFLICT, 2, 3, None),  # never compared
        (CONSTRAINT_SPLIT, 5, 3, None),
    ]


def test_pairs_inside_one_cluster_are_settled() -> None:
    records = [_person("Sara", "Tazi", "X1"), _person("Sarah", "Tazi", "X1"), _person("Sara", "Tazi", None)]
    assert _find(records, [(0, 1, MATCH, 12.0), (1, 2, POSSIBLE, 2.0)], cluster=[0, 0, 0]) == []


@pytest.mark.parametrize(("holders", "conflicts"), [(2, 1), (3, 2), (4, 0)])
def test_an_id_on_too_many_clients_is_a_placeholder_not_a_conflict(holders: int, conflicts: int) -> None:
    records = [_person(first, "Alami", "BE771204") for first in ("Ali", "Omar", "Hind", "Leila")[:holders]]
    found = _find(records, [], cluster=list(range(holders)))
    assert len(found) == conflicts and all(p.kind == IDENTIFIER_CONFLICT for p in found)


def test_a_record_bridging_a_cannot_link_is_a_split_to_check() -> None:
    records = [_person("Sara", "Tazi", None), _person("Sara", "Tazi", None), _person("Sara", "Tazi", None)]
    found = _find(records, [(0, 1, MATCH, 10.0), (1, 2, MATCH, 9.0)], cluster=[0, 0, 2],
                  refused=(RefusedEdge(1, 2, 9.0, CANNOT_LINK),))
    assert [(p.kind, p.left, p.right, p.detail) for p in found] == [(CONSTRAINT_SPLIT, 1, 2, CANNOT_LINK)]


def test_strong_identifiers_are_read_as_the_matcher_reads_them() -> None:
    assert strong_identifiers(standardise_record(_person("Ali", "Alami", "bk 482913"))) == {
        "typed_national_id": "CIN:BK482913"}
    assert strong_identifiers(standardise_record(_person("Ali", "Alami", None))) == {}
