"""What bench_matching reports about blocking: true pairs, pairs completeness, per-rule coverage and the
transitive-recall ceiling, checked on a case small enough to count by hand and on a resolved feed."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.bench_matching import encode, report, rule_coverage, true_candidate_components, true_pair_codes
from benchmarks.register import generate_register
from matching.pipeline import resolve_batch


def test_true_pairs_are_every_pair_of_records_of_one_entity() -> None:
    codes = true_pair_codes(["a", "b", "a", "a", "c", "b"])
    assert sorted((int(code) // 6, int(code) % 6) for code in codes) == [(0, 2), (0, 3), (1, 5), (2, 3)]


def test_the_ceiling_joins_records_that_true_candidate_pairs_chain_together() -> None:
    # a = {0, 2, 3}: blocking found 0-2 and 2-3 but not 0-3; the component still holds all three.
    found = encode(np.array([[0, 2], [2, 3]], dtype=np.int64), 5)
    components = true_candidate_components(5, found)
    assert components[0] == components[2] == components[3]
    assert len({components[1], components[4], components[0]}) == 3


def test_report_on_a_resolved_register(capsys: pytest.CaptureFixture[str]) -> None:
    records, entities = generate_register(600, 1)
    resolution = resolve_batch(records)
    (row,) = report("register", resolution, entities, 0.0)
    # Transitive closure can only add true pairs to what blocking found.
    assert row.party == "persons"
    assert 0 < row.completeness <= row.ceiling <= 1
    coverage = rule_coverage(resolution, true_pair_codes(entities))
    assert [name for name, *_ in coverage] == [rule.name for rule in resolution.model.settings.blocking_rules]
    assert max(share for _, _, share, _ in coverage) <= row.completeness + 1e-9
    # The queue asks about one pair per pair of clusters, possible pairs only: never more than the band touches.
    assert row.queue_share <= row.possible_share
    printed = capsys.readouterr().out
    assert "transitive-recall ceiling" in printed and "found only by it" in printed
    assert "settled apart by their other records" in printed
