"""Pairwise and B-cubed scores on small hand-checked clusterings."""

from __future__ import annotations

import pytest

from matching.evaluate import evaluate_clusters

TRUTH = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 3}


@pytest.mark.parametrize(
    ("predicted", "precision", "recall", "bcubed_precision", "bcubed_recall"),
    [
        ({"a": "x", "b": "x", "c": "x", "d": "y", "e": "z"}, 1.0, 1.0, 1.0, 1.0),
        # one record of the entity missed: 1 of 3 true pairs found, nothing wrong
        ({"a": "x", "b": "x", "c": "y", "d": "z", "e": "w"}, 1.0, 1 / 3, 1.0, (2 / 3 * 2 + 1 / 3 + 1 + 1) / 5),
        # everything in one cluster: 3 right pairs out of 10
        ({"a": "x", "b": "x", "c": "x", "d": "x", "e": "x"}, 0.3, 1.0, (3 * 3 / 5 + 1 / 5 + 1 / 5) / 5, 1.0),
        # all singletons
        ({"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}, 1.0, 0.0, 1.0, (1 / 3 * 3 + 1 + 1) / 5),
    ],
)
def test_scores(
    predicted: dict[str, str],
    precision: float,
    recall: float,
    bcubed_precision: float,
    bcubed_recall: float,
) -> None:
    result = evaluate_clusters(predicted, TRUTH)
    assert result.pairwise.precision == pytest.approx(precision)
    assert result.pairwise.recall == pytest.approx(recall)
    assert result.bcubed.precision == pytest.approx(bcubed_precision)
    assert result.bcubed.recall == pytest.approx(bcubed_recall)


def test_records_without_truth_are_ignored() -> None:
    result = evaluate_clusters({"a": "x", "b": "x", "zz": "x"}, {"a": 1, "b": 1})
    assert (result.records, result.correct_pairs, result.pairwise.f1) == (2, 1, 1.0)
