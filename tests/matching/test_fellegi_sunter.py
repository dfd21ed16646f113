"""EM recovers the m probabilities of simulated pairs without labels; weights and probabilities behave."""

from __future__ import annotations

import numpy as np

from matching.fellegi_sunter import (
    estimate_m,
    level_frequencies,
    match_weights,
    u_without_matches,
    weight_to_probability,
)

TRUE_M = [np.array([0.0, 0.9, 0.08, 0.02]), np.array([0.0, 0.95, 0.05]), np.array([0.0, 0.85, 0.15])]
TRUE_U = [np.array([0.0, 0.01, 0.09, 0.9]), np.array([0.0, 0.02, 0.98]), np.array([0.0, 0.1, 0.9])]
COUNTS = [4, 3, 3]


def _simulate(rng: np.random.Generator, n: int, probabilities: list[np.ndarray]) -> np.ndarray:
    return np.stack([rng.choice(len(p), size=n, p=p) for p in probabilities], axis=1).astype(np.int8)


def test_em_recovers_m_and_the_match_share() -> None:
    # A population of pairs, blocked as the hub blocks: only pairs agreeing exactly on some field are candidates.
    rng = np.random.default_rng(4)
    matches, non_matches = 20_000, 2_000_000
    population = np.concatenate([_simulate(rng, matches, TRUE_M), _simulate(rng, non_matches, TRUE_U)])
    is_match = np.arange(len(population)) < matches
    blocked = (population == 1).any(axis=1)
    candidates = population[blocked]
    u = level_frequencies(_simulate(rng, 200_000, TRUE_U), COUNTS)
    initial = [np.array([0.0, 0.5, 0.3, 0.2]), np.array([0.0, 0.6, 0.4]), np.array([0.0, 0.6, 0.4])]
    result = estimate_m(candidates, u, COUNTS, initial, float(len(population)), max_iterations=500, tolerance=1e-5)
    assert result.converged
    blocked_matches = population[is_match & blocked]
    for column, estimated in enumerate(result.m):
        observed = np.bincount(blocked_matches[:, column], minlength=COUNTS[column]) / len(blocked_matches)
        assert np.allclose(estimated, observed, atol=0.03)
    found = result.proportion_matched * len(population)
    assert abs(found - len(blocked_matches)) < 0.05 * len(blocked_matches)


def test_missing_level_carries_no_weight_and_agreement_raises_probability() -> None:
    levels = np.array([[0, 0, 0], [1, 1, 1], [3, 2, 2]], dtype=np.int8)
    weights = match_weights(levels, TRUE_M, TRUE_U)
    assert weights[0] == 0.0
    assert weights[1] > 0 > weights[2]
    probabilities = weight_to_probability(weights, 0.01)
    assert probabilities[1] > 0.99 and probabilities[2] < 0.01


def test_a_household_sharing_an_address_does_not_teach_that_one_client_has_two_birth_dates() -> None:
    # Columns: name (exact, one name alike, different), birth date (exact, different), address (exact, different).
    # Clients' record pairs agree on name and date and mostly on the address; a mother and her son share the
    # address and the family name, never the birth date. The hub blocks on the address, so households are
    # candidates as often as clients are.
    counts = [4, 3, 3]
    rng = np.random.default_rng(7)
    client = [np.array([0.0, 0.95, 0.04, 0.01]), np.array([0.0, 0.97, 0.03]), np.array([0.0, 0.8, 0.2])]
    household = [np.array([0.0, 0.0, 0.9, 0.1]), np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0])]
    stranger = [np.array([0.0, 0.0005, 0.05, 0.9495]), np.array([0.0, 0.0002, 0.9998]), np.array([0.0, 0.0001, 0.9999])]
    population = 2_000_000.0
    candidates = np.concatenate([_simulate(rng, 10_000, client), _simulate(rng, 10_000, household)])
    u = level_frequencies(_simulate(rng, 400_000, stranger), counts)
    initial = [np.array([0.0, 0.8, 0.1, 0.1]), np.array([0.0, 0.9, 0.1]), np.array([0.0, 0.9, 0.1])]
    naive = estimate_m(candidates, u, counts, initial, population)
    aware = estimate_m(candidates, u, counts, initial, population, shared_by_households=frozenset({2}))
    # Without knowing the address is a household's, half the "clients" EM finds are households.
    assert naive.m[1][2] > 0.3
    # Knowing it, the m of two birth dates is what clients show, and households no longer count as clients.
    assert aware.m[1][2] < 0.06
    assert aware.proportion_matched * population < 12_000 < naive.proportion_matched * population


def test_clients_with_many_records_do_not_make_a_shared_birth_date_look_common_between_strangers() -> None:
    # A register of 5,000 people with 10 records each: one random pair in 5,000 is two records of one person, who
    # agree on the birth date, while two strangers share one about once in 70,000 pairs (dates over two centuries).
    rng = np.random.default_rng(3)
    sample, same_person = 400_000, 80
    strangers = rng.choice(3, size=sample - same_person, p=[0.0, 1 / 70_000, 1 - 1 / 70_000])
    levels = np.concatenate([np.ones(same_person, dtype=np.int64), strangers]).astype(np.int8)[:, None]
    frequencies = level_frequencies(levels, [3])
    m = [np.array([0.0, 0.95, 0.05])]
    u = u_without_matches(frequencies, m, same_person / sample, sample)
    assert frequencies[0][1] > 10 / 70_000
    assert u[0][1] < 3 / 70_000
    # Agreeing on the birth date now weighs what it should, and disagreeing still counts against.
    assert np.log2(m[0][1] / u[0][1]) > np.log2(m[0][1] / frequencies[0][1]) + 2
    assert np.isclose(u[0].sum(), 1.0) and u[0][2] > 0.99
