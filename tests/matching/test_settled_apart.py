"""A possible pair whose two clusters' other records say two clients is settled, not asked of a steward.

The real-feed fact: a father and a son share a name and a home. The son's record captured without a birth date or
a mobile is a possible match for the father's; the son's other records carry his own birth date and mobile."""

from __future__ import annotations

from typing import Any

import numpy as np

from matching.clustering import Clustering
from matching.features import FeatureTable
from matching.model import MATCH, POSSIBLE, MatchModel, PartyModel, ScoredPairs
from matching.settings import read_settings, shipped_settings
from matching.settled_apart import clusters_settled_apart
from matching.uncertain import POSSIBLE_MATCH, find_uncertain_pairs
from tests.matching.person_parameters import PERSON_COMPARISON_NAMES, PERSON_M, PERSON_U
from tests.matching.shipped_features import shipped_features

FATHER = {"party_type": "person", "first_name": "Ahmed", "last_name": "Tazi", "birth_date": "1950-03-02",
          "phone": "0661785432"}
SON = {**FATHER, "birth_date": "1982-07-19", "phone": "0677123456"}
SON_WITHOUT_DATE = {"party_type": "person", "first_name": "Ahmed", "last_name": "Tazi"}


def _model(document: dict[str, Any] | None = None) -> MatchModel:
    # A name as common as MOHAMED ALAMI: sharing it is weak evidence, which a birth date and a mobile outweigh.
    common = {"name": {"AHMAD TAZI": 0.02}}
    person = PartyModel(0, PERSON_COMPARISON_NAMES, PERSON_M, PERSON_U, 1e-6, 1_000_000, common, 1)
    return MatchModel("fs-test", {0: person}, read_settings(document) if document else shipped_settings())


def _features(*records: dict[str, Any]) -> FeatureTable:
    return shipped_features(records, overused=frozenset())


def _possible_between_clusters() -> ScoredPairs:
    # Records 0, 1 are one cluster, 2, 3 another; the model left 1-2 possible and linked each cluster inside.
    return ScoredPairs(np.array([[0, 1], [2, 3], [1, 2]], dtype=np.int64), np.array([20.0, 20.0, 1.0]),
                       np.array([1.0, 1.0, 0.7]), np.array([MATCH, MATCH, POSSIBLE], dtype=object))


CLUSTERS = np.array([0, 0, 2, 2], dtype=np.int64)


def test_a_son_whose_other_records_hold_his_own_birth_date_is_not_asked() -> None:
    features = _features(FATHER, FATHER, SON_WITHOUT_DATE, SON)
    scored = _possible_between_clusters()
    settled = clusters_settled_apart(_model(), features, scored, CLUSTERS)
    assert settled == {(0, 2)}
    assert find_uncertain_pairs(features, scored, Clustering(CLUSTERS), settled) == []
    # Without the settling, a steward would be asked.
    assert [p.kind for p in find_uncertain_pairs(features, scored, Clustering(CLUSTERS))] == [POSSIBLE_MATCH]


def test_clusters_whose_other_records_agree_are_still_asked() -> None:
    # One client cut in two: the records the pair leaves out agree on the birth date and the mobile.
    features = _features(FATHER, FATHER, SON_WITHOUT_DATE, FATHER)
    scored = _possible_between_clusters()
    settled = clusters_settled_apart(_model(), features, scored, CLUSTERS)
    assert settled == frozenset()
    found = find_uncertain_pairs(features, scored, Clustering(CLUSTERS), settled)
    assert [(p.kind, p.left, p.right) for p in found] == [(POSSIBLE_MATCH, 1, 2)]


def test_the_share_of_pairs_across_that_weigh_against_decides() -> None:
    # Three captures of the father and the record without a date agree; one record of the second cluster does not.
    stray = {**FATHER, "birth_date": "1957-11-21", "phone": "0600112233"}
    features = _features(FATHER, FATHER, FATHER, SON_WITHOUT_DATE, FATHER, FATHER, stray)
    clusters = np.array([0, 0, 0, 3, 3, 3, 3], dtype=np.int64)
    scored = ScoredPairs(np.array([[2, 3]], dtype=np.int64), np.array([1.0]), np.array([0.7]),
                         np.array([POSSIBLE], dtype=object))
    # 3 of the 12 pairs across weigh against: a quarter settles, a third does not.
    assert clusters_settled_apart(_model(), features, scored, clusters) == {(0, 3)}
    document = {**shipped_settings().document, "clusters_apart": {"weight": -3, "share": 0.33}}
    assert clusters_settled_apart(_model(document), features, scored, clusters) == frozenset()


def test_settings_without_the_rule_ask_every_possible_pair_across_clusters() -> None:
    document = {key: value for key, value in shipped_settings().document.items() if key != "clusters_apart"}
    features = _features(FATHER, FATHER, SON_WITHOUT_DATE, SON)
    assert clusters_settled_apart(_model(document), features, _possible_between_clusters(), CLUSTERS) == frozenset()
