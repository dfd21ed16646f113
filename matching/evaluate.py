"""Quality of a clustering against labelled truth: pairwise and B-cubed precision, recall and F1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

Record = TypeVar("Record", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    pairwise: Scores
    bcubed: Scores


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def evaluate_clusters(predicted: Mapping[Record, Hashable], truth: Mapping[Record, Hashable]) -> Evaluation:
    """Compare ``record -> predicted cluster`` with ``record -> true entity`` over the records both know.

    Pair counts come from the contingency table of (cluster, entity), so a million records cost one pass.
    """
    records = [record for record in predicted if record in truth]
    cells = Counter((predicted[record], truth[record]) for record in records)
    cluster_sizes = Counter(predicted[record] for record in records)
    entity_sizes = Counter(truth[record] for record in records)
    correct = sum(_pairs(count) for count in cells.values())
    predicted_pairs = sum(_pairs(count) for count in cluster_sizes.values())
    true_pairs = sum(_pairs(count) for count in entity_sizes.values())
    pairwise = Scores(
        precision=correct / predicted_pairs if predicted_pairs else 1.0,
        recall=correct / true_pairs if true_pairs else 1.0,
    )
    # B-cubed: each record's share of its cluster that is right, and of its entity that was found.
    precision_sum = sum(count * count / cluster_sizes[cluster] for (cluster, _), count in cells.items())
    recall_sum = sum(count * count / entity_sizes[entity] for (_, entity), count in cells.items())
    total = len(records)
    bcubed = Scores(precision_sum / total if total else 1.0, recall_sum / total if total else 1.0)
    return Evaluation(total, true_pairs, predicted_pairs, correct, pairwise, bcubed)
