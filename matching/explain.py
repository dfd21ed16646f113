"""Explanations: why two records are (not) the same client, comparison by comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from matching.features import FeatureTable
from matching.model import MatchModel, compare_by_party, evidence_by_comparison, score_pairs


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
    # The match settings of the model version: the comparisons, levels, thresholds behind this verdict.
    settings: dict[str, Any]


def _values(features: FeatureTable, position: int, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(value for name in names if (value := features.value(name, position)) is not None)


def explain_pair(model: MatchModel, features: FeatureTable, left: int, right: int) -> Explanation:
    """Each comparison's level, its weight (term frequency included, a group's evidence counted once) and the values
    compared, under the model's settings (``features`` carry the extra fields those compare)."""
    pairs = np.array([[left, right]], dtype=np.int64)
    compared = compare_by_party(features, pairs, model.settings)
    scored = score_pairs(model, features, pairs, compared)
    evidence: list[FieldEvidence] = []
    party = int(features.party[left])
    if party in model.parties and int(features.party[right]) == party and len(compared[party].rows):
        levels = compared[party].levels
        weights = evidence_by_comparison(model, party, features, pairs[:1, 0], levels)[0]
        for column, comparison in enumerate(model.settings.comparisons[party]):
            level = int(levels[0, column])
            evidence.append(FieldEvidence(
                comparison.name, "missing" if level == 0 else comparison.levels[level - 1],
                round(float(weights[column]), 3),
                _values(features, left, comparison.shown), _values(features, right, comparison.shown),
            ))
    return Explanation(model.version, float(scored.weights[0]), float(scored.probabilities[0]),
                       str(scored.bands[0]), tuple(evidence), model.settings.document)
