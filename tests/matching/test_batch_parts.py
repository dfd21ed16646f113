"""A batch's steps done in parts give what they give done whole: feature tables built from records standardised in
chunks, by several workers, are the table of the whole batch read at once; comparisons split over processes give
every pair the levels it gets in one process; pairs scored block by block get the weights they get all at once."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.synthetic import generate
from matching import blocking, comparisons, features, model, pipeline
from matching.blocking import candidate_pairs
from matching.features import CODE_SPACES, MISSING, FeatureTable, build_features, extract_columns
from matching.model import compare_by_party, score_pairs, train_model
from matching.pipeline import standardise_columns
from matching.settings import shipped_settings
from matching.standardise import standardise_record

SETTINGS = shipped_settings()
# Caps low enough that values shared by a household or an office are blanked as placeholders, in a small feed.
CAPS = {feature: 1 for feature in SETTINGS.sharing_caps}


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return [generated.record for generated in generate(2500, seed=7)]


def _whole(records: list[dict[str, Any]]) -> FeatureTable:
    extra = SETTINGS.extra_fields
    return build_features(extract_columns([standardise_record(record, extra_fields=extra) for record in records],
                                          extra), caps=CAPS)


def _random_pairs(size: int) -> np.ndarray:
    """Random pairs, and the pairs of consecutive records, which the generator often makes of one client."""
    rng = np.random.default_rng(3)
    pairs = np.concatenate([rng.integers(0, size, size=(6000, 2)), np.stack([np.arange(size - 1), np.arange(1, size)],
                                                                             axis=1)])
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    return pairs[pairs[:, 0] != pairs[:, 1]]


def test_chunked_columns_give_the_features_of_the_whole_batch(records: list[dict[str, Any]],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _whole(records)
    monkeypatch.setattr(pipeline, "CHUNK_SIZE", 300)  # 9 parts, each coding its own values, joined in the end
    for workers in (1, 2):
        chunked = build_features(standardise_columns(records, workers, extra_fields=SETTINGS.extra_fields),
                                 caps=CAPS)
        assert set(chunked.codes) == set(whole.codes)
        for name in whole.codes:
            assert np.array_equal(chunked.codes[name], whole.codes[name]), name
            assert chunked.vocabulary[name].tolist() == whole.vocabulary[name].tolist(), name
        for name in whole.texts:
            assert chunked.texts[name].tolist() == whole.texts[name].tolist(), name
        assert chunked.findings == whole.findings
        assert chunked.blanked == whole.blanked
        assert chunked.overused == whole.overused


def test_codes_name_each_records_value_in_order_of_first_appearance(records: list[dict[str, Any]]) -> None:
    extra = SETTINGS.extra_fields
    columns = extract_columns([standardise_record(record, extra_fields=extra) for record in records], extra)
    features = build_features(columns, caps=CAPS)
    assert features.blanked, "values shared by two names are blanked"
    for group in CODE_SPACES:
        expected: dict[str, int] = {}
        for name in group:
            blanked = set(features.blanked.get(name, ([], []))[0])
            values = [None if position in blanked else value for position, value in enumerate(columns.values(name))]
            codes = [MISSING if value is None else expected.setdefault(value, len(expected)) for value in values]
            assert features.codes[name].tolist() == codes, name
        for name in group:
            assert features.vocabulary[name].tolist() == list(expected), name


def test_comparisons_split_over_processes_give_the_same_levels(records: list[dict[str, Any]],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    features = _whole(records)
    pairs = _random_pairs(len(records))
    alone = compare_by_party(features, pairs, SETTINGS)
    monkeypatch.setattr(comparisons, "PARALLEL_MIN_PAIRS", 0)
    split = compare_by_party(features, pairs, SETTINGS, workers=2)
    assert set(split) == set(alone) == {0, 1}
    for party, levels in alone.items():
        assert np.array_equal(split[party].rows, levels.rows)
        assert np.array_equal(split[party].levels, levels.levels)
        assert (levels.levels > 1).any(), "some pairs disagree, so the levels tell something"


def test_pairs_scored_block_by_block_get_the_weights_of_one_block(records: list[dict[str, Any]],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    features = _whole(records)
    pairs = _random_pairs(len(records))
    trained = train_model(features, pairs, SETTINGS)
    whole = score_pairs(trained, features, pairs)
    monkeypatch.setattr(model, "SCORING_BLOCK", 700)
    blocks = score_pairs(trained, features, pairs)
    assert np.array_equal(blocks.weights, whole.weights)
    assert np.array_equal(blocks.probabilities, whole.probabilities)
    assert blocks.bands.tolist() == whole.bands.tolist()
    assert (whole.bands == "match").any() and (whole.bands == "non_match").any()


def test_a_few_records_get_the_features_and_candidates_of_the_vectorised_path(records: list[dict[str, Any]],
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # An online component, under the sizes where values are coded and blocked in plain Python; records sent
    # twice or three times make blocks of every size up to the caps.
    few = records[:50] + records[:50] + records[25:45]
    assert len(few) * 2 <= min(features._FEW_VALUES, blocking._FEW_KEYS)
    small = _whole(few)
    small_pairs = candidate_pairs(small, SETTINGS.blocking_rules)
    monkeypatch.setattr(features, "_FEW_VALUES", -1)
    monkeypatch.setattr(blocking, "_FEW_KEYS", -1)
    vectorised = _whole(few)
    for name in vectorised.codes:
        assert np.array_equal(small.codes[name], vectorised.codes[name]), name
        assert small.codes[name].dtype == vectorised.codes[name].dtype, name
        assert small.vocabulary[name].tolist() == vectorised.vocabulary[name].tolist(), name
    for name in vectorised.texts:
        assert small.texts[name].tolist() == vectorised.texts[name].tolist(), name
    assert small.blanked == vectorised.blanked
    assert len(small_pairs) > 50  # a copy pairs with its original at least
    assert np.array_equal(small_pairs, candidate_pairs(vectorised, SETTINGS.blocking_rules))


@pytest.mark.parametrize("keys, cap", [
    ([], 3), ([-1, -1], 3), ([4, 4], 2), ([4, 4, 4], 2), ([9, 2, 9, 2, 2, -1, 9, 7, 2], 3),
    ([3, 1, 3, 1, 1, 1, 5, 5, 5, 3, -1, 5], 4),
])
def test_a_few_keys_pair_their_records_in_the_vectorised_order(keys: list[int], cap: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    few = blocking.pairs_sharing_key(np.array(keys, dtype=np.int64), cap)
    monkeypatch.setattr(blocking, "_FEW_KEYS", -1)
    vectorised = blocking.pairs_sharing_key(np.array(keys, dtype=np.int64), cap)
    assert few.shape == vectorised.shape and few.dtype == vectorised.dtype
    assert few.tolist() == vectorised.tolist()
