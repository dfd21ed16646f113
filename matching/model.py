"""The match model: Fellegi–Sunter parameters per party type, trained without labels, and pair scoring.

Training: u (how often two random records agree by chance) from random pairs; m (how often two records of
one client agree) by EM on the blocked candidate pairs; term frequencies of names so that sharing a rare
name weighs more than sharing MOHAMED ALAMI. The trained model is plain data, serialisable to JSON, and
versioned; it keeps the match settings it was trained with (its comparisons, thresholds, vetoes), and every score
remembers the version that produced it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from matching.comparisons import Comparison, Levels, compare_pairs
from matching.features import MISSING, FeatureTable
from matching.fellegi_sunter import (
    NULL_LEVEL,
    Floats,
    column_weights,
    count_once,
    estimate_m,
    level_frequencies,
    u_without_matches,
    weight_to_probability,
)
from matching.settings import MatchSettings, read_settings
from native import Rebuilt, rebuilt

MATCH, POSSIBLE, NON_MATCH = "match", "possible", "non_match"
_BANDS = np.array([NON_MATCH, POSSIBLE, MATCH], dtype=object)
RANDOM_PAIRS = 400_000
# Rounds of taking the matches found by EM out of the random pairs' frequencies, then estimating m again.
U_CORRECTIONS = 2
# Pairs scored at once: a block's per-comparison weights take about 100 MB.
SCORING_BLOCK = 1 << 19
# Below this many records sharing a name, the name's frequency is taken as 1 in the party's records.
TERM_FREQUENCY_MIN_COUNT = 2


@dataclass(frozen=True, slots=True)
class PartyModel:
    """Trained parameters for one party type: per comparison, m and u per level (index 0 = missing)."""

    party: int
    comparisons: tuple[str, ...]
    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    proportion_matched: float
    records: int
    # Per comparison with a term frequency: the share of the party's records carrying each frequent value.
    term_frequencies: dict[str, dict[str, float]]
    em_iterations: int

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class MatchModel:
    version: str
    parties: dict[int, PartyModel]
    # What the model was trained with and scores with: comparisons, levels, vetoes, thresholds, blocking rules.
    settings: MatchSettings
    # (feature, value) placeholders found by frequency in the training data: blanked for every later record.
    overused: frozenset[tuple[str, str]] = frozenset()

    @property
    def match_probability(self) -> float:
        return self.settings.match_probability

    @property
    def possible_probability(self) -> float:
        return self.settings.possible_probability

    def trained_with(self, settings: MatchSettings) -> bool:
        """Whether the model was trained with these settings: a model trained with other comparisons cannot score
        with them, nor show settings it does not use, and must be retrained."""
        return self.settings == settings

    def to_json(self) -> bytes:
        data = {"version": self.version, "parties": {party: asdict(model) for party, model in self.parties.items()},
                "settings": self.settings.document, "overused": sorted(self.overused)}
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, data: bytes) -> MatchModel:
        """The model as stored; a ValueError when its settings no longer make sense to this hub (a kind of
        comparison removed since, or given another level): such a model is retrained."""
        raw: dict[str, Any] = orjson.loads(data)
        parties = {
            int(party): PartyModel(**{**values, "comparisons": tuple(values["comparisons"]),
                                      "m": tuple(map(tuple, values["m"])), "u": tuple(map(tuple, values["u"]))})
            for party, values in raw["parties"].items()
        }
        overused = frozenset((feature, value) for feature, value in raw["overused"])
        settings = read_settings(raw["settings"])
        for party, party_model in parties.items():
            comparisons = settings.comparisons.get(party, ())
            if [len(m_k) for m_k in party_model.m] != [comparison.level_count for comparison in comparisons]:
                raise ValueError(f"model {raw['version']} was trained with other levels than its comparisons have now")
        return cls(raw["version"], parties, settings, overused)

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class ScoredPairs:
    """Scores of candidate pairs, aligned with ``pairs``."""

    pairs: npt.NDArray[np.int64]
    weights: Floats
    probabilities: Floats
    bands: npt.NDArray[np.object_]

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class PartyLevels:
    """Comparison vectors of the candidate pairs of one party type: ``rows`` index the pairs array."""

    rows: npt.NDArray[np.int64]
    levels: Levels

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def compare_by_party(features: FeatureTable, pairs: npt.NDArray[np.int64], settings: MatchSettings,
                     workers: int = 1) -> dict[int, PartyLevels]:
    """Comparison vectors of every pair whose two records have the same party type, per party type."""
    compared: dict[int, PartyLevels] = {}
    if len(pairs) == 0:
        return compared
    left_party, right_party = features.party[pairs[:, 0]], features.party[pairs[:, 1]]
    for party, comparisons in settings.comparisons.items():
        rows = np.flatnonzero((left_party == party) & (right_party == party))
        compared[party] = PartyLevels(rows, compare_pairs(features, comparisons, pairs[rows, 0], pairs[rows, 1],
                                                           workers))
    return compared


def _initial_m(comparisons: tuple[Comparison, ...]) -> list[Floats]:
    # Start EM from "the same client mostly agrees": most mass on level 1, a little on the others.
    initial = []
    for comparison in comparisons:
        m = np.full(comparison.level_count, 0.1 / max(comparison.level_count - 2, 1))
        m[1] = 0.9
        m[NULL_LEVEL] = 0.0
        initial.append(m / m.sum())
    return initial


def _random_pairs(positions: npt.NDArray[np.int64], count: int, seed: int) -> npt.NDArray[np.int64]:
    rng = np.random.default_rng(seed)
    left = rng.choice(positions, size=count)
    right = rng.choice(positions, size=count)
    keep = left != right
    return np.stack([left[keep], right[keep]], axis=1)


def _term_frequencies(features: FeatureTable, feature: str, positions: npt.NDArray[np.int64]) -> dict[str, float]:
    codes = features.codes[feature][positions]
    present = codes != MISSING
    _, first, counts = np.unique(codes[present], return_index=True, return_counts=True)
    texts = features.texts[feature][positions][present]
    frequent = counts >= TERM_FREQUENCY_MIN_COUNT
    return {str(texts[i]): float(count) / len(positions) for i, count in zip(first[frequent], counts[frequent],
                                                                                strict=True)}


def train_model(
    features: FeatureTable, candidates: npt.NDArray[np.int64], settings: MatchSettings, seed: int = 0,
    random_pairs: int = RANDOM_PAIRS, compared: dict[int, PartyLevels] | None = None, workers: int = 1,
) -> MatchModel:
    """Estimate every party type's parameters from unlabelled records and their candidate pairs."""
    compared = compared if compared is not None else compare_by_party(features, candidates, settings, workers)
    parties: dict[int, PartyModel] = {}
    for party, comparisons in settings.comparisons.items():
        positions = np.flatnonzero(features.party == party).astype(np.int64)
        if len(positions) < 2:
            continue
        counts = [comparison.level_count for comparison in comparisons]
        sample = _random_pairs(positions, random_pairs, seed + party)
        frequencies = level_frequencies(compare_pairs(features, comparisons, sample[:, 0], sample[:, 1], workers),
                                        counts)
        levels = compared[party].levels
        population = len(positions) * (len(positions) - 1) / 2
        shared = frozenset(k for k, comparison in enumerate(comparisons) if comparison.shared_by_households)
        u = frequencies
        em = estimate_m(levels, u, counts, _initial_m(comparisons), population, shared_by_households=shared)
        for _ in range(U_CORRECTIONS):
            u = u_without_matches(frequencies, em.m, em.proportion_matched, len(sample))
            em = estimate_m(levels, u, counts, em.m, population, shared_by_households=shared)
        parties[party] = PartyModel(
            party=party,
            comparisons=tuple(c.name for c in comparisons),
            m=tuple(tuple(float(x) for x in m_k) for m_k in em.m),
            u=tuple(tuple(float(x) for x in u_k) for u_k in u),
            proportion_matched=em.proportion_matched,
            records=len(positions),
            term_frequencies={c.name: _term_frequencies(features, c.term_frequency, positions)
                              for c in comparisons if c.term_frequency},
            em_iterations=em.iterations,
        )
    unversioned = MatchModel("", parties, settings, features.overused)
    digest = hashlib.blake2b(unversioned.to_json(), digest_size=6)
    return MatchModel(f"fs-{digest.hexdigest()}", parties, settings, features.overused)


def term_frequency_adjustment(party_model: PartyModel, column: int, value: str) -> float:
    """log2(u / tf(value)): what agreeing exactly on this value adds to (or takes from) the average agreement.

    A value absent from the table was held by fewer than TERM_FREQUENCY_MIN_COUNT training records: rare."""
    floor = 1.0 / party_model.records
    table = party_model.term_frequencies[party_model.comparisons[column]]
    frequency = max(table.get(value, floor), floor)
    return float(np.log2(party_model.u[column][1] / frequency))


def evidence_by_comparison(model: MatchModel, party: int, features: FeatureTable, left: npt.NDArray[np.int64],
                           levels: Levels) -> Floats:
    """What each comparison adds to each pair's weight, one column per comparison: log2(m/u) of its level, with
    the term frequency of the value two records agree on exactly, and the settings' groups counted once."""
    party_model = model.parties[party]
    comparisons = model.settings.comparisons[party]
    weights = column_weights(levels, [np.asarray(values) for values in party_model.m],
                             [np.asarray(values) for values in party_model.u])
    for column, comparison in enumerate(comparisons):
        if comparison.term_frequency is None:
            continue
        texts = features.texts[comparison.term_frequency]
        exact = np.flatnonzero(levels[:, column] == 1)
        # Computed once per record (a record is in many pairs), and once per value (many records share one).
        records, pair_record = np.unique(left[exact], return_inverse=True)
        by_value: dict[str, float] = {}
        adjustments = np.array([
            by_value[value] if (value := texts[record]) in by_value
            else by_value.setdefault(value, term_frequency_adjustment(party_model, column, value))
            for record in records.tolist()], dtype=np.float64)
        weights[exact, column] += adjustments[pair_record]
    return count_once(weights, model.settings.counted_once.get(party, ()))


def score_pairs(
    model: MatchModel, features: FeatureTable, pairs: npt.NDArray[np.int64],
    compared: dict[int, PartyLevels] | None = None,
) -> ScoredPairs:
    """Weight, probability and band of each pair (pairs of two party types are never a match)."""
    compared = compared if compared is not None else compare_by_party(features, pairs, model.settings)
    weights = np.full(len(pairs), -np.inf, dtype=np.float64)
    probabilities = np.zeros(len(pairs), dtype=np.float64)
    for party, party_model in model.parties.items():
        if party not in compared:
            continue
        comparisons = model.settings.comparisons[party]
        rows, levels = compared[party].rows, compared[party].levels
        left = pairs[rows, 0]
        # Block by block: the per-comparison weights of all a batch's pairs at once would take gigabytes.
        weight = np.concatenate([
            evidence_by_comparison(model, party, features, left[start:start + SCORING_BLOCK],
                                   levels[start:start + SCORING_BLOCK]).sum(axis=1)
            for start in range(0, max(len(rows), 1), SCORING_BLOCK)])
        probability = weight_to_probability(weight, party_model.proportion_matched)
        for column, comparison in enumerate(comparisons):
            if comparison.vetoes:
                probability[np.isin(levels[:, column], list(comparison.vetoes))] = 0.0
        weights[rows] = weight
        probabilities[rows] = probability
    # Each pair's band is a reference to one of three strings. From text (np.where over strings, np.full, a masked
    # assignment) numpy makes a string of its own per pair, ~60 bytes kept for the whole run, after text arrays of 36
    # bytes a pair: at a million records, 300 MB more through the writing steps and 300-400 MB more at the peak.
    bands = _BANDS[np.where(probabilities >= model.match_probability, 2,
                            np.where(probabilities >= model.possible_probability, 1, 0))]
    return ScoredPairs(pairs, weights, probabilities, bands)
