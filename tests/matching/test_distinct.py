"""``distinct`` answers what ``np.unique`` does: each value once, in ascending order."""

from __future__ import annotations

import numpy as np
import pytest

from matching.distinct import distinct


@pytest.mark.parametrize("values", [[], [7], [3, 3, 3], [5, -1, 5, 2, -1, 9, 2], list(range(10, 0, -1))])
def test_each_value_once_in_ascending_order(values: list[int]) -> None:
    assert distinct(np.asarray(values, dtype=np.int64)).tolist() == sorted(set(values))


def test_agrees_with_numpy_on_pair_codes() -> None:
    codes = np.random.default_rng(4).integers(-1, 10**11, size=50_000)
    codes = np.concatenate([codes, codes[::3]])
    assert np.array_equal(distinct(codes), np.unique(codes))
