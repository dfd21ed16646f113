"""The online path finds the same candidates and gives the same scores as the batch path."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.synthetic import generate
from matching.model import MatchModel
from matching.online import RecordIndex
from matching.pipeline import BatchResolution, resolve_batch, standardise_columns


@pytest.fixture(scope="module")
def batch() -> tuple[list[dict[str, object]], BatchResolution]:
    records = [generated.record for generated in generate(3000, seed=5)]
    return records, resolve_batch(records)


def test_model_survives_json() -> None:
    records = [generated.record for generated in generate(800, seed=2)]
    model = resolve_batch(records).model
    assert MatchModel.from_json(model.to_json()) == model


def test_online_scores_agree_with_batch(batch: tuple[list[dict[str, object]], BatchResolution]) -> None:
    records, resolution = batch
    known = 2500
    index = RecordIndex(resolution.model)
    index.add(standardise_columns(records[:known], extra_fields=resolution.model.settings.extra_fields))
    batch_scores = {
        (int(a), int(b)): float(p)
        for (a, b), p in zip(resolution.scored.pairs, resolution.scored.probabilities, strict=True)
    }
    compared = agreed = 0
    for position in range(known, known + 200):
        online = index.score(records[position])
        expected = {a for (a, b) in batch_scores if b == position and a < known}
        assert set(online.candidates) == expected
        for k, candidate in enumerate(online.candidates):
            compared += 1
            agreed += bool(np.isclose(online.scored.probabilities[k], batch_scores[(candidate, position)]))
    assert compared > 50
    assert agreed == compared
