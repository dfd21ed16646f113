"""Explanations name each comparison's verdict; clustering never chains conflicting identifiers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matching.clustering import TWINS, cluster_records
from matching.explain import explain_pair
from matching.model import MATCH, NON_MATCH, MatchModel, PartyModel
from matching.pipeline import resolve_batch
from matching.settings import read_settings, shipped_settings
from tests.matching.person_parameters import PERSON_COMPARISON_NAMES, PERSON_M, PERSON_U
from tests.matching.shipped_features import shipped_features

BASE = {"party_type": "person", "first_name": "Khadija", "last_name": "Bennani", "birth_date": "1980-05-17",
        "id_type": "CIN", "national_id": "BH418273", "phone": "0661785432", "city": "Rabat",
        "received_at": "2024-01-01T00:00:00Z"}


def _features(*records: dict[str, Any]) -> Any:
    return shipped_features(records, overused=frozenset())


def _persons_model() -> MatchModel:
    person = PartyModel(0, PERSON_COMPARISON_NAMES, PERSON_M, PERSON_U, 1e-6, 1_000_000, {"name": {}}, 1)
    return MatchModel("fs-test", {0: person}, shipped_settings())


def test_explanation_lists_each_comparison_with_values_and_weight() -> None:
    features = _features(BASE, {**BASE, "first_name": "Khadidja", "phone": "+212 6 61 78 54 32"})
    explanation = explain_pair(_persons_model(), features, 0, 1)
    by_name = {item.comparison: item for item in explanation.evidence}
    assert explanation.model_version == "fs-test" and explanation.band == MATCH
    assert by_name["name"].level == "exact" and by_name["name"].weight > 0
    # Phones are compared without their country code, and shown as written in full.
    assert by_name["mobile"].left == by_name["mobile"].right == ("+212661785432",)
    assert by_name["email"].level == "missing" and by_name["email"].weight == 0
    assert explanation.weight == pytest.approx(sum(item.weight for item in explanation.evidence), abs=0.01)


def test_different_national_ids_count_against() -> None:
    features = _features(BASE, {**BASE, "national_id": "K392817", "birth_date": "1991-02-03", "first_name": "Sara"})
    explanation = explain_pair(_persons_model(), features, 0, 1)
    assert explanation.band == NON_MATCH
    assert {item.comparison: item.level for item in explanation.evidence}["national_id"] == "conflicting_documents"


def test_clustering_refuses_to_chain_two_national_ids_through_a_shared_record() -> None:
    # Record 1 has no id and matches both others; 0 and 2 hold different well-formed CINs.
    features = _features(BASE, {**BASE, "national_id": None}, {**BASE, "national_id": "K392817"})
    edges = np.array([[0, 1], [1, 2]], dtype=np.int64)
    clustering = cluster_records(features, edges, np.array([20.0, 15.0]))
    assert clustering.cluster[0] == clustering.cluster[1] != clustering.cluster[2]
    assert [(r.left, r.right, r.reason) for r in clustering.refused] == [(1, 2, "different_typed_national_id")]


def test_a_typo_in_the_national_id_does_not_split() -> None:
    features = _features(BASE, {**BASE, "national_id": "BH418274"})
    clustering = cluster_records(features, np.array([[0, 1]], dtype=np.int64), np.array([20.0]))
    assert clustering.cluster[0] == clustering.cluster[1] and not clustering.refused


@pytest.mark.parametrize("id_type", ["CIN", None])
def test_twins_are_never_merged_through_a_record_without_an_id(id_type: str | None) -> None:
    # Twins share the birth date, the address and the family name, and hold consecutive card numbers; a record of
    # Houcine without his id matches Hassan's on everything but the first name.
    hassan = {**BASE, "first_name": "Hassan", "national_id": "BH418273", "id_type": id_type}
    houcine = {**BASE, "first_name": "Houcine", "national_id": "BH418274", "id_type": id_type, "phone": "0663112233"}
    features = _features(hassan, {**houcine, "national_id": None}, houcine)
    clustering = cluster_records(features, np.array([[0, 1], [1, 2]], dtype=np.int64), np.array([20.0, 30.0]))
    assert clustering.cluster[1] == clustering.cluster[2] != clustering.cluster[0]
    assert [(r.left, r.right, r.reason) for r in clustering.refused] == [(0, 1, TWINS)]


def test_a_national_id_typo_with_a_spelling_of_the_first_name_does_not_split() -> None:
    features = _features({**BASE, "first_name": "Mohamed"}, {**BASE, "first_name": "Mhamed", "national_id": None},
                         {**BASE, "first_name": "Mhamed", "national_id": "BH418274"})
    clustering = cluster_records(features, np.array([[0, 1], [1, 2]], dtype=np.int64), np.array([20.0, 30.0]))
    assert len(set(clustering.cluster)) == 1 and not clustering.refused


def test_cannot_link_wins_over_must_link_and_edges() -> None:
    features = _features(BASE, dict(BASE), dict(BASE))
    clustering = cluster_records(features, np.array([[0, 1], [1, 2]], dtype=np.int64), np.array([30.0, 30.0]),
                                 must_link=[(0, 2)], cannot_link=[(0, 1)])
    assert clustering.cluster[0] == clustering.cluster[2] != clustering.cluster[1]


def test_a_branch_never_joins_its_head_office() -> None:
    head = {"party_type": "organization", "company_name": "ATLAS TRANS SARL", "ice": "001525812000043",
            "tax_id": "1234567", "phone": "0522334455", "city": "Casablanca"}
    branch = {**head, "ice": "001525812000140"}
    features = _features(head, branch, dict(head), dict(branch))
    edges = np.array([[a, b] for a in range(4) for b in range(a + 1, 4)], dtype=np.int64)
    clustering = cluster_records(features, edges, np.full(len(edges), 25.0))
    assert clustering.cluster[0] == clustering.cluster[2] != clustering.cluster[1] == clustering.cluster[3]


def test_a_mistyped_ice_does_not_split_a_company() -> None:
    # One digit typed wrong fails the check digits: the record still describes the same establishment.
    company = {"party_type": "organization", "company_name": "ATLAS TRANS SARL", "ice": "001525812000043",
               "tax_id": "1234567", "city": "Casablanca"}
    features = _features(company, {**company, "ice": "001525812700043"})
    clustering = cluster_records(features, np.array([[0, 1]], dtype=np.int64), np.array([20.0]))
    assert clustering.cluster[0] == clustering.cluster[1] and not clustering.refused


def test_a_model_trained_with_other_comparison_levels_does_not_fit() -> None:
    model = _persons_model()
    assert model.trained_with(shipped_settings())
    document = shipped_settings().document
    city = {"name": "city", "kind": "exact", "field": "city"}  # two levels where the model was trained with three
    other = {**document, "comparisons": {**document["comparisons"], "person": [
        city if comparison["name"] == "city" else comparison for comparison in document["comparisons"]["person"]]}}
    assert not model.trained_with(read_settings(other))


def test_a_rare_legal_form_agreed_on_says_more_than_the_usual_one() -> None:
    # Most companies of a portfolio are SARL; an SNC is rare, so two records agreeing on it are more telling.
    companies = [{"party_type": "organization", "company_name": f"Societe {word} Transports", "legal_form": form,
                  "city": "Rabat", "received_at": "2024-01-01T00:00:00Z"}
                 for word, form in [(f"Atlas{i:02d}", "SARL") for i in range(40)]
                 + [(f"Rif{i:02d}", "SNC") for i in range(4)]]
    records = companies + [{**company, "city": "Sale"} for company in companies]
    resolution = resolve_batch(records)
    sarl = explain_pair(resolution.model, resolution.features, 0, len(companies))
    snc = explain_pair(resolution.model, resolution.features, 40, 40 + len(companies))
    weight = {name: {item.comparison: item.weight for item in explanation.evidence}["legal_form"]
              for name, explanation in (("SARL", sarl), ("SNC", snc))}
    assert weight["SNC"] - weight["SARL"] == pytest.approx(np.log2(40 / 4), abs=0.01)
    # Both the company name and the legal form carry a term frequency: the pair's weight holds both adjustments.
    for explanation in (sarl, snc):
        assert explanation.weight == pytest.approx(sum(item.weight for item in explanation.evidence), abs=0.01)


def test_a_household_postcode_and_town_of_birth_count_once() -> None:
    # An old register: a father and his son share the family name, the postcode of the family home and the town
    # they were born in. Agreeing on both is one fact about the household: the stronger counts, not the sum.
    father = {"party_type": "person", "first_name": "Louis", "last_name": "Moreau", "postal_code": "44000",
              "birth_place": "Nantes"}
    features = _features(father, {**father, "first_name": None}, {**father, "first_name": None, "birth_place": "Lille"},
                         {**father, "first_name": None, "birth_place": None})
    model = _persons_model()
    both, elsewhere, postcode_only = (explain_pair(model, features, 0, other) for other in (1, 2, 3))
    weight = {name: {item.comparison: item.weight for item in explanation.evidence}
              for name, explanation in (("both", both), ("elsewhere", elsewhere), ("postcode", postcode_only))}
    assert weight["both"]["postal_code"] > 0 and weight["both"]["birth_place"] == 0
    assert both.weight == pytest.approx(postcode_only.weight, abs=0.01)
    # A town of birth that differs still counts against.
    assert weight["elsewhere"]["birth_place"] < 0 and elsewhere.weight < postcode_only.weight
    assert both.weight == pytest.approx(sum(item.weight for item in both.evidence), abs=0.01)


def test_the_occupation_and_the_town_of_birth_of_a_thin_record_are_evidence() -> None:
    # A record with neither id nor phone nor birth date: what the person does and where they were born still count.
    known = {"party_type": "person", "first_name": "Louis", "last_name": "Moreau", "postal_code": "44000",
             "birth_place": "Nantes", "occupation": "Boulanger"}
    features = _features(known, {**known, "postal_code": None}, {**known, "postal_code": None, "occupation": "Notaire"},
                         {**known, "postal_code": None, "birth_place": "Brest"})
    model = _persons_model()
    same, other_trade, other_town = (explain_pair(model, features, 0, other) for other in (1, 2, 3))
    assert {item.comparison: item.level for item in same.evidence}["occupation"] == "exact"
    assert same.weight > other_trade.weight and same.weight > other_town.weight
