"""The batch path: from raw records to clusters in vectorised steps, with a timing of each step."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from matching.blocking import candidate_pairs
from matching.clustering import Clustering, cluster_records
from matching.features import FeatureTable, build_features
from matching.model import MATCH, POSSIBLE, MatchModel, ScoredPairs, score_pairs, train_model
from matching.standardise import StandardisedRecord, standardise_record


@dataclass(slots=True)
class BatchResolution:
    features: FeatureTable
    model: MatchModel
    scored: ScoredPairs
    clustering: Clustering
    pairs_per_rule: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def cluster(self) -> npt.NDArray[np.int64]:
        return self.clustering.cluster

    def records_with_possible_pairs(self) -> int:
        possible = self.scored.pairs[self.scored.bands == POSSIBLE]
        return len(np.unique(possible)) if len(possible) else 0


def resolve_batch(
    records: Sequence[Mapping[str, object]],
    model: MatchModel | None = None,
    standardise: Callable[[Mapping[str, object]], StandardisedRecord] = standardise_record,
) -> BatchResolution:
    """Standardise, block, (train,) score and cluster a whole batch of raw records."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        now = time.perf_counter()
        seconds[step] = now - started
        started = now

    standardised = [standardise(record) for record in records]
    lap("standardise")
    features = build_features(standardised)
    lap("features")
    pairs_per_rule: dict[str, int] = {}
    candidates = candidate_pairs(features, report=pairs_per_rule.__setitem__)
    lap("block")
    if model is None:
        model = train_model(features, candidates)
        lap("train")
    scored = score_pairs(model, features, candidates)
    lap("score")
    matches = scored.bands == MATCH
    clustering = cluster_records(features, candidates[matches], scored.weights[matches])
    lap("cluster")
    return BatchResolution(features, model, scored, clustering, pairs_per_rule, seconds)
