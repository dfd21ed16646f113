"""Explanations: why two records are (not) the same client, comparison by comparison."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.comparisons import COMPARISONS
from matching.features import FeatureTable
from matching.model import MatchModel, compare_by_party, score_pairs, term_frequency_adjustment

# The feature values shown next to each comparison's verdict.
SHOWN_FEATURES: dict[str, tuple[str, ...]] = {
    "name": ("name",), "birth_date": ("birth_date",), "national_id": ("typed_national_id", "national_id"),
    "mobile": ("mobile_1", "mobile_2"), "landline": ("fixed_1", "fixed_2"), "email": ("email",),
    "address": ("address",), "city": ("city",), "company_name": ("name",), "ice": ("ice",),
    "registry": ("registry",), "tax_id": ("tax_id",), "legal_form": ("legal_form",),
    "phone": ("phone_1", "phone_2"),
}


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    comparison: str
    level: str
    weight: float
    left: tuple[str, ...]
    right: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    model_version: str
    weight: float
    probability: float
    band: str
    evidence: tuple[FieldEvidence, ...]


def _values(features: FeatureTable, position: int, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(value for name in names if (value := features.value(name, position)) is not None)


def explain_pair(model: MatchModel, features: FeatureTable, left: int, right: int) -> Explanation:
    """Each comparison's level, its weight (term frequency included) and the values compared."""
    pairs = np.array([[left, right]], dtype=np.int64)
    compared = compare_by_party(features, pairs)
    scored = score_pairs(model, features, pairs, compared)
    evidence: list[FieldEvidence] = []
    party = int(features.party[left])
    if party in model.parties and int(features.party[right]) == party and len(compared[party].rows):
        party_model = model.parties[party]
        row = compared[party].levels[0]
        for column, comparison in enumerate(COMPARISONS[party]):
            level = int(row[column])
            weight = 0.0
            if level:
                weight = float(np.log2(party_model.m[column][level] / party_model.u[column][level]))
            if level == 1 and comparison.term_frequency:
                weight += term_frequency_adjustment(
                    party_model, column, str(features.texts[comparison.term_frequency][left]))
            names = SHOWN_FEATURES.get(comparison.name, ())
            evidence.append(FieldEvidence(
                comparison.name, "missing" if level == 0 else comparison.levels[level - 1], round(weight, 3),
                _values(features, left, names), _values(features, right, names),
            ))
    return Explanation(model.version, float(scored.weights[0]), float(scored.probabilities[0]),
                       str(scored.bands[0]), tuple(evidence))
