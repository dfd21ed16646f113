"""Fellegi–Sunter arithmetic: m/u estimation (u by random sampling, m by EM) and match weights.

A comparison vector holds one level per comparison: 0 means "a value is missing" and carries no evidence;
1..L-1 are the comparison's levels, most similar first. Everything here is numpy on integer matrices, so the
same code scores ten million candidate pairs or the handful of candidates of one new record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from native import Rebuilt, rebuilt

Levels = npt.NDArray[np.int8]
Floats = npt.NDArray[np.float64]

NULL_LEVEL = 0
# Keeps a level never seen in a sample from claiming certainty (a weight of ±infinity).
PSEUDO_COUNT = 0.5
PROBABILITY_FLOOR = 1e-6


@dataclass(frozen=True, slots=True)
class EmResult:
    m: list[Floats]
    proportion_matched: float
    iterations: int
    converged: bool

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def level_frequencies(levels: Levels, level_counts: list[int]) -> list[Floats]:
    """Share of each non-null level per comparison, with a pseudo-count so no level is impossible."""
    frequencies = []
    for column, count in enumerate(level_counts):
        observed = np.bincount(levels[:, column], minlength=count).astype(np.float64)
        observed[NULL_LEVEL] = 0.0
        smoothed = observed + PSEUDO_COUNT
        smoothed[NULL_LEVEL] = 0.0
        frequencies.append(smoothed / smoothed.sum())
    return frequencies


def u_without_matches(frequencies: list[Floats], m: list[Floats], proportion_matched: float, sample_size: int,
                      ) -> list[Floats]:
    """u from the level frequencies of random pairs, less what the matches among them contributed.

    A random pair is one client's two records with probability ``proportion_matched``. Where clients hold many
    records (a legacy export, a register), that is as often as two strangers share a birth date, so uncorrected
    frequencies make an exact birth date look far more common between strangers than it is."""
    corrected = []
    for frequency, m_k in zip(frequencies, m, strict=True):
        u_k = np.maximum(frequency - proportion_matched * m_k, PSEUDO_COUNT / sample_size)
        u_k[NULL_LEVEL] = 0.0
        corrected.append(u_k / u_k.sum())
    return corrected


def _unique_patterns(levels: Levels) -> tuple[Levels, Floats]:
    # Packing each row into one integer (levels < 16) makes this a 1-D unique: far faster than unique rows.
    if levels.shape[0] == 0:
        return levels, np.zeros(0, dtype=np.float64)
    shifts = np.arange(levels.shape[1], dtype=np.int64) * 4
    packed = np.zeros(levels.shape[0], dtype=np.int64)
    for column, shift in enumerate(shifts.tolist()):  # column by column: no 64-bit copy of the whole matrix
        packed |= levels[:, column].astype(np.int64) << shift
    unique, counts = np.unique(packed, return_counts=True)
    patterns = ((unique[:, None] >> shifts) & 0xF).astype(np.int8)
    return patterns, counts.astype(np.float64)


def _log_ratio_table(m: list[Floats], u: list[Floats]) -> list[Floats]:
    tables = []
    for m_k, u_k in zip(m, u, strict=True):
        table = np.log2(np.maximum(m_k, PROBABILITY_FLOOR) / np.maximum(u_k, PROBABILITY_FLOOR))
        table[NULL_LEVEL] = 0.0
        tables.append(table)
    return tables


def match_weights(levels: Levels, m: list[Floats], u: list[Floats]) -> Floats:
    """Sum of log2(m/u) over comparisons for each row of ``levels`` (null levels add nothing)."""
    tables = _log_ratio_table(m, u)
    total = np.zeros(levels.shape[0], dtype=np.float64)
    for column, table in enumerate(tables):
        total += table[levels[:, column]]
    return total


def column_weights(levels: Levels, m: list[Floats], u: list[Floats]) -> Floats:
    """log2(m/u) of each row's level, one column per comparison (null levels add nothing)."""
    tables = _log_ratio_table(m, u)
    weights = np.zeros(levels.shape, dtype=np.float64)
    for column, table in enumerate(tables):
        weights[:, column] = table[levels[:, column]]
    return weights


def count_once(weights: Floats, groups: tuple[tuple[int, ...], ...]) -> Floats:
    """The weights with the evidence for a match of each group of columns counted once: within a group, only the
    strongest positive weight stays (evidence against still adds up). A household agrees on its postcode and on
    the town its members were born in at once: one fact, not two. Returns a new array."""
    counted = weights.copy()
    for group in groups:
        columns = list(group)
        positive = np.clip(counted[:, columns], 0.0, None)
        strongest = np.argmax(positive, axis=1)
        kept = positive[np.arange(len(positive)), strongest]
        counted[:, columns] -= positive
        counted[np.arange(len(positive)), np.asarray(columns)[strongest]] += kept
    return counted


def weight_to_probability(weight: Floats, proportion_matched: float) -> Floats:
    """Posterior match probability from a total weight and the prior share of matches among candidates."""
    prior = float(np.log2(proportion_matched / (1.0 - proportion_matched)))
    probability: Floats = 1.0 / (1.0 + np.exp2(-(weight + prior)))
    return probability


def estimate_m(
    levels: Levels,
    u: list[Floats],
    level_counts: list[int],
    initial_m: list[Floats],
    population_pairs: float,
    max_iterations: int = 100,
    tolerance: float = 1e-6,
    shared_by_households: frozenset[int] = frozenset(),
) -> EmResult:
    """Expectation–maximisation of m and of the match prior on unlabelled candidate pairs, u held fixed.

    u comes from random pairs, so it describes the whole population of ``population_pairs`` pairs; the prior
    is therefore the share of matches among *all* pairs (the candidates are assumed to hold nearly all of
    them). Letting the prior float among candidates instead makes every candidate look like a match, since
    each one agrees on the key that made it a candidate. Works on distinct patterns weighted by counts.

    ``shared_by_households`` names the columns of values that members of one household share (address, landline):
    agreeing on all of them, two members look like one client to EM, which then learns that one client's records
    often disagree on the birth date or the given name. So the m of every other comparison is learnt from how
    likely a pair is one client by the evidence households do not share; the shared columns' own m from all of it.
    """
    patterns, counts = _unique_patterns(levels)
    m = [m_k.copy() for m_k in initial_m]
    proportion = float(np.clip(0.5 * counts.sum() / population_pairs, 1e-12, 0.5))
    personal = sorted(set(range(len(level_counts))) - shared_by_households)
    for iteration in range(1, max_iterations + 1):
        probability = weight_to_probability(match_weights(patterns, m, u), proportion)
        matched = probability * counts
        matched_personally = matched if not shared_by_households else counts * weight_to_probability(
            match_weights(patterns[:, personal], [m[k] for k in personal], [u[k] for k in personal]), proportion)
        new_proportion = float(np.clip(matched.sum() / population_pairs, 1e-12, 0.5))
        new_m = []
        for column, count in enumerate(level_counts):
            weights = matched if column in shared_by_households else matched_personally
            mass = np.bincount(patterns[:, column], weights=weights, minlength=count)
            mass[NULL_LEVEL] = 0.0
            smoothed = mass + PSEUDO_COUNT * 1e-3
            smoothed[NULL_LEVEL] = 0.0
            new_m.append(smoothed / smoothed.sum())
        change = max(float(np.max(np.abs(a - b))) for a, b in zip(new_m, m, strict=True))
        change = max(change, abs(np.log(new_proportion / proportion)))
        m, proportion = new_m, new_proportion
        if change < tolerance:
            return EmResult(m, proportion, iteration, True)
    return EmResult(m, proportion, max_iterations, False)
