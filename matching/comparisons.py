"""Comparisons: for each field, ordered levels from "agree exactly" to "disagree", computed on arrays of pairs.

Level 0 always means "a value is missing on one side" and carries no evidence; levels 1..n go from the most
to the least similar. Each comparison is a pure function of the feature table and the two sides of the pairs,
so the batch (millions of pairs) and the online path (one record's candidates) run the very same code.
Which comparisons a model uses is not written here but in the match settings (``matching.settings``): each names
a kind of ``KINDS`` with its parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import permutations
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import ratio, token_set_ratio, token_sort_ratio

from matching.distinct import distinct
from matching.features import MISSING, FeatureTable
from matching.forked import split_over_processes
from matching.given_names import INITIALS, VARIANT, compare_given_names
from matching.identifiers import consecutive_numbers
from matching.names import could_be_one_given_name
from native import Rebuilt, rebuilt

Levels = npt.NDArray[np.int8]
Positions = npt.NDArray[np.int64]
LevelFunction = Callable[[FeatureTable, Positions, Positions], Levels]


@dataclass(frozen=True, slots=True)
class Comparison:
    """A named comparison for one party type, as the match settings describe it; ``levels`` names levels 1..n,
    most similar first."""

    name: str
    party: int
    levels: tuple[str, ...]
    compute: LevelFunction
    # Feature whose value frequency adjusts the weight of level 1 (rare names count for more).
    term_frequency: str | None = None
    # Levels that prove two different clients whatever else agrees (a branch is not its head office).
    vetoes: frozenset[int] = frozenset()
    # Features whose values an explanation shows next to the level.
    shown: tuple[str, ...] = ()
    # A value the members of one household share: it says where a client lives, not which member a record is, so
    # it cannot teach the model how one client's records agree.
    shared_by_households: bool = False

    @property
    def level_count(self) -> int:
        return len(self.levels) + 1

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def _exact(features: FeatureTable, feature: str, left: Positions, right: Positions) -> tuple[
    npt.NDArray[np.bool_], npt.NDArray[np.bool_]
]:
    """(both present, equal) masks for one coded feature."""
    a, b = features.codes[feature][left], features.codes[feature][right]
    present = (a != MISSING) & (b != MISSING)
    return present, present & (a == b)


def _once_per_distinct_pair(
    a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], left: Positions, right: Positions,
    a_values: npt.NDArray[np.object_], b_values: npt.NDArray[np.object_], score: Callable[[Any, Any], Any],
    dtype: type = np.float64,
) -> npt.NDArray[Any]:
    """``score(a_values[i], b_values[j])`` of each pair (left[k], right[k]), called once per distinct pair of codes
    (a[i], b[j]): the values are those codes'. Names and towns repeat, so many pairs share both their values, above
    all a training sample's random pairs among a few thousand records. The values are gathered by numpy and the
    scorer mapped over them: no Python call of our own per pair (40 % of the time of a C scorer's)."""
    if not len(left):
        return np.zeros(0, dtype=dtype)
    keys = (a[left] + 1) * (int(b.max()) + 2) + (b[right] + 1)  # codes from 0 up: a missing value's is -1
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    # Filled rather than converted: an object array then keeps each result as it is.
    distinct: npt.NDArray[Any] = np.empty(len(first), dtype=dtype)
    distinct[:] = list(map(score, a_values[left[first]].tolist(), b_values[right[first]].tolist()))
    scores: npt.NDArray[Any] = distinct[inverse]
    return scores


def _similarity(
    features: FeatureTable, feature: str, left: Positions, right: Positions, mask: npt.NDArray[np.bool_],
    scorer: Callable[[str, str], float],
) -> npt.NDArray[np.float64]:
    """Scorer result where ``mask`` is set (0 elsewhere): the expensive call only runs where needed."""
    scores = np.zeros(len(left), dtype=np.float64)
    codes, texts = features.codes[feature], features.texts[feature]
    where = np.flatnonzero(mask)
    scores[where] = _once_per_distinct_pair(codes, codes, left[where], right[where], texts, texts, scorer)
    return scores


def _levels(present: npt.NDArray[np.bool_], conditions: list[npt.NDArray[np.bool_]]) -> Levels:
    """First matching condition gives the level (1-based); present pairs matching none get the last level."""
    levels = np.full(len(present), len(conditions) + 1, dtype=np.int8)
    for level in range(len(conditions), 0, -1):
        levels[conditions[level - 1]] = level
    levels[~present] = 0
    return levels


def exact_or_else(feature: str) -> LevelFunction:
    def compute(features: FeatureTable, left: Positions, right: Positions) -> Levels:
        present, equal = _exact(features, feature, left, right)
        return _levels(present, [equal])
    return compute


def any_shared(*feature_names: str) -> LevelFunction:
    """Level 1 when any value of one side equals any value of the other (e.g. one of two phones)."""
    def compute(features: FeatureTable, left: Positions, right: Positions) -> Levels:
        present_left = np.zeros(len(left), dtype=bool)
        present_right = np.zeros(len(left), dtype=bool)
        shared = np.zeros(len(left), dtype=bool)
        for a_name in feature_names:
            a = features.codes[a_name][left]
            present_left |= a != MISSING
            for b_name in feature_names:
                b = features.codes[b_name][right]
                shared |= (a != MISSING) & (a == b)
        for b_name in feature_names:
            present_right |= features.codes[b_name][right] != MISSING
        return _levels(present_left & present_right, [shared])
    return compute


def exact_or_similar(feature: str, scorer: Callable[[str, str], float], thresholds: tuple[float, ...],
                     ) -> LevelFunction:
    """Exact, then one level per similarity threshold (highest first), then different."""
    def compute(features: FeatureTable, left: Positions, right: Positions) -> Levels:
        present, equal = _exact(features, feature, left, right)
        score = _similarity(features, feature, left, right, present & ~equal, scorer)
        return _levels(present, [equal, *(score >= threshold for threshold in thresholds)])
    return compute


def _closest_single_name(features: FeatureTable, left: Positions, right: Positions,
                         mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Best Jaro-Winkler similarity between a first/family name key of one side and one of the other
    (swaps included): a changed family name (marriage, a typo beyond repair) still leaves the first name."""
    best = np.zeros(len(left), dtype=np.float64)
    where = np.flatnonzero(mask)
    for a_name in ("first_name", "family_name"):
        for b_name in ("first_name", "family_name"):
            scores = _once_per_distinct_pair(features.codes[a_name], features.codes[b_name], left[where],
                                             right[where], features.texts[a_name], features.texts[b_name],
                                             _name_similarity)
            best[where] = np.maximum(best[where], scores)
    return best


def _name_similarity(a: str | None, b: str | None) -> float:
    return float(JaroWinkler.similarity(a, b)) if a and b else 0.0


def _sound_alike(features: FeatureTable, left: Positions, right: Positions) -> npt.NDArray[np.bool_]:
    """First and family names sound alike (Metaphone of their keys), in their fields or swapped."""
    first, family = features.codes["first_name_sound"], features.codes["family_name_sound"]
    present: npt.NDArray[np.bool_] = (first[left] != MISSING) & (family[left] != MISSING) & (
        first[right] != MISSING) & (family[right] != MISSING)
    in_place = (first[left] == first[right]) & (family[left] == family[right])
    swapped = (first[left] == family[right]) & (family[left] == first[right])
    alike: npt.NDArray[np.bool_] = present & (in_place | swapped)
    return alike


def _given_name_agreement(features: FeatureTable, left: Positions, right: Positions,
                          mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.object_]:
    """Where ``mask`` is set and the family names agree (same key or same sound), how the given names agree:
    a short form, a middle name left out (VARIANT), initials only (INITIALS), or None."""
    _, same_family = _exact(features, "family_name", left, right)
    _, family_sound = _exact(features, "family_name_sound", left, right)
    agreement = np.full(len(left), None, dtype=object)
    codes, given = features.codes["given_names"], features.texts["given_names"]
    where = np.flatnonzero(mask & (same_family | family_sound))
    agreement[where] = _once_per_distinct_pair(codes, codes, left[where], right[where], given, given,
                                               _given_names_agreement, dtype=object)
    return agreement


def _given_names_agreement(a: str | None, b: str | None) -> str | None:
    return compare_given_names(tuple(a.split()), tuple(b.split())) if a and b else None


def _name_levels(features: FeatureTable, left: Positions, right: Positions) -> Levels:
    present, equal = _exact(features, "name", left, right)
    score = _similarity(features, "name", left, right, present & ~equal, token_sort_ratio)
    # Below "similar", what a spelling ratio misses: sound (STEPHEN / STEVEN), then given names that name one
    # person (TOM / THOMAS, J. / JEAN, JEAN MARIE / JEAN) beside the same family name.
    unlike = present & ~equal & (score < 80)
    sounds = unlike & _sound_alike(features, left, right)
    given = _given_name_agreement(features, left, right, unlike & ~sounds)
    single = _closest_single_name(features, left, right, unlike & ~sounds & (given == None)) >= 0.9  # noqa: E711
    # A record that gives one name only agrees with every member of that family: weaker evidence than two full
    # names of which one agrees, and not the same (siblings, a father and his son, disagree that way).
    return _levels(present, [equal, score >= 92, score >= 80, sounds, given == VARIANT, given == INITIALS,
                             single & _one_name_only(features, left, right), single])


def _one_name_only(features: FeatureTable, left: Positions, right: Positions) -> npt.NDArray[np.bool_]:
    """Pairs where a record gives a first name or a family name but not both (a one-word name when it is all in
    one field)."""
    one_word = np.array([" " not in name for name in features.vocabulary["name"]] or [False], dtype=bool)
    first, family, names = features.codes["first_name"], features.codes["family_name"], features.codes["name"]

    def gives_one(positions: Positions) -> npt.NDArray[np.bool_]:
        first_missing, family_missing = first[positions] == MISSING, family[positions] == MISSING
        single_word = (names[positions] != MISSING) & one_word[np.maximum(names[positions], 0)]
        result: npt.NDArray[np.bool_] = (first_missing != family_missing) | (
            first_missing & family_missing & single_word)
        return result

    return gives_one(left) | gives_one(right)


def _date_parts(features: FeatureTable, feature: str, positions: Positions) -> npt.NDArray[np.int64]:
    """(year, month, day) of each position's ISO date, read once per distinct date; rows of a missing date are 0."""
    vocabulary = features.vocabulary[feature]
    codes = features.codes[feature][positions]
    if not len(vocabulary):
        return np.zeros((len(positions), 3), dtype=np.int64)
    parts = np.array([(int(v[:4]), int(v[5:7]), int(v[8:10])) for v in vocabulary], dtype=np.int64)
    return np.where((codes != MISSING)[:, None], parts[np.maximum(codes, 0)], 0)


# A birth year derived from the age a client gave (a register, a form with "age: 35") is one or two years off.
AGE_DERIVED_YEAR_ERROR = 2


def _birth_date_levels(features: FeatureTable, left: Positions, right: Positions) -> Levels:
    present, equal = _exact(features, "birth_date", left, right)
    dates, swapped = features.codes["birth_date"], features.codes["birth_date_swapped"]
    # A day/month swap is a reading of an ambiguous date, not a disagreement.
    swap = ((swapped[left] != MISSING) & (swapped[left] == dates[right])) | (
        (swapped[right] != MISSING) & (swapped[right] == dates[left]))
    # One digit typed wrong, or two adjacent digits exchanged (1984 / 1948, 12 / 21).
    typo = _similarity(features, "birth_date", left, right, present & ~equal & ~swap, OSA.distance) == 1
    a, b = _date_parts(features, "birth_date", left), _date_parts(features, "birth_date", right)
    same_year, same_month, same_day = (a[:, 0] == b[:, 0]), (a[:, 1] == b[:, 1]), (a[:, 2] == b[:, 2])
    year_off = same_month & same_day & (np.abs(a[:, 0] - b[:, 0]) <= AGE_DERIVED_YEAR_ERROR)
    # A day or a month written wrong beyond a typo: the other two parts agree.
    day_or_month_wrong = same_year & (same_month | same_day)
    return _levels(present, [equal, swap | typo, year_off, day_or_month_wrong, same_year])


def _postal_code_levels(features: FeatureTable, left: Positions, right: Positions) -> Levels:
    present, equal = _exact(features, "postal_code", left, right)
    _, same_area = _exact(features, "postal_area", left, right)
    # Two address lines already say where two clients live, and the code would say it again: a household's shared
    # address would weigh twice. The code speaks where one of the two has no address line.
    addresses, _ = _exact(features, "address", left, right)
    return _levels(present & ~addresses, [equal, same_area])


def _name_words_differ(words: list[str], other: list[str]) -> bool:
    """Whether each side keeps a name word that no word of the other side could be, and what is left of one side is
    not the other's written as one word (RAMI NAWAL / NOUHAILA RAMI differ, MBAREKLAMRANI / LAMRANI MBAREK do not)."""
    left = [word for word in words if not any(could_be_one_given_name(word, key, compound=False) for key in other)]
    right = [key for key in other if not any(could_be_one_given_name(word, key, compound=False) for word in words)]
    if not left or not right:
        return False
    joined = "".join(left)
    return not any(could_be_one_given_name(joined, "".join(order), compound=False)
                   for order in permutations(right[:3]))


def given_names_differ(features: FeatureTable, i: int, j: int) -> bool:
    """Whether records i and j name given names that cannot be one person's. With both first-name fields filled,
    these are compared (unless the two records read each other's fields swapped); a record with its whole name in
    one field leaves its name words to compare."""
    first, family, names = features.texts["first_name"], features.texts["family_name"], features.texts["name"]
    given = features.texts["given_names"]
    # A short form or a left-out middle name is one person's name (TOM / THOMAS, JEAN MARIE / JEAN).
    if given[i] and given[j] and compare_given_names(tuple(given[i].split()), tuple(given[j].split())) == VARIANT:
        return False
    if first[i] and first[j]:
        swapped = bool(family[i]) and bool(family[j]) and could_be_one_given_name(first[i], family[j]) and \
            could_be_one_given_name(family[i], first[j])
        return not swapped and not could_be_one_given_name(first[i], first[j])
    return bool(names[i]) and bool(names[j]) and _name_words_differ(names[i].split(), names[j].split())


def _national_id_levels(features: FeatureTable, left: Positions, right: Positions) -> Levels:
    present, equal = _exact(features, "national_id", left, right)
    distance = _similarity(features, "national_id", left, right, present & ~equal, OSA.distance)
    # Twins share the birth date and often hold consecutive card numbers: such ids one edit apart are a typo of one
    # person's id only when the given names could be one person's; with two different given names, two people.
    twins = np.zeros(len(left), dtype=bool)
    where = np.flatnonzero(present & (distance == 1))
    ids = features.texts["national_id"]
    twins[where] = [consecutive_numbers(ids[i], ids[j]) and given_names_differ(features, i, j)
                    for i, j in zip(left[where].tolist(), right[where].tolist(), strict=True)]
    # Two well-formed documents of the same type that are more than a typo apart belong to two people.
    typed = features.codes["typed_national_id"]
    typed_left, typed_right = typed[left], typed[right]
    conflicting = present & ~equal & (distance > 1) & (typed_left != MISSING) & (typed_right != MISSING)
    where = np.flatnonzero(conflicting)
    document_type = _document_types(features.vocabulary["typed_national_id"],
                                    np.concatenate([typed_left[where], typed_right[where]]))
    conflicting[where] = document_type[typed_left[where]] == document_type[typed_right[where]]
    return _levels(present, [equal, (distance == 1) & ~twins, twins, conflicting])


def _document_types(typed_ids: npt.NDArray[np.object_], used: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.int64]:
    """A code of the document type ("CIN:AB123456" -> CIN's) of each typed id whose code is ``used`` (-1 for the
    others): only the ids of the pairs asked, not the whole batch's, at each comparison."""
    types = np.full(len(typed_ids), -1, dtype=np.int64)
    used = distinct(used.astype(np.int64))
    kinds: dict[str, int] = {}
    types[used] = [kinds.setdefault(typed_id.split(":", 1)[0], len(kinds)) for typed_id in typed_ids[used].tolist()]
    return types


def _ice_levels(features: FeatureTable, left: Positions, right: Positions) -> Levels:
    present, equal = _exact(features, "ice", left, right)
    checked, same_establishment = _exact(features, "ice_establishment", left, right)
    _, same_company = _exact(features, "ice_company", left, right)
    # Check digits catch every single typed digit and swap: a checked ICE one edit from an unchecked one is a typo.
    typo = _similarity(features, "ice", left, right, present & ~equal & ~checked, OSA.distance) == 1
    return _levels(present, [equal | same_establishment, typo, same_company, checked])


def _registry_levels(features: FeatureTable, left: Positions, right: Positions) -> Levels:
    present, equal = _exact(features, "registry", left, right)
    _, same_number = _exact(features, "rc_number", left, right)
    # A company that moves its seat to another court is registered there under a new number: another number at
    # another court is what a move looks like, another number at the same court another company.
    courts_known, same_court = _exact(features, "rc_court", left, right)
    return _levels(present, [equal, same_number, courts_known & ~same_court])


def where_address_is_not_the_same(compute: LevelFunction) -> LevelFunction:
    """Levels of a place that speak only where two address lines do not already say the same home: a household
    would count its shared home twice. Where the lines differ (typed apart, or a move), the town still tells."""
    def place(features: FeatureTable, left: Positions, right: Positions) -> Levels:
        _, same_address = _exact(features, "address", left, right)
        levels = compute(features, left, right)
        levels[same_address] = 0
        return levels
    return place


@dataclass(frozen=True, slots=True)
class ComparisonParameters:
    """What a settings file says about one comparison beside its kind: the feature(s) compared, how closeness is
    scored, and the similarity thresholds of its levels (highest first, on a 0-100 scale)."""

    field: str | None = None
    fields: tuple[str, ...] = ()
    scorer: str | None = None
    thresholds: tuple[float, ...] = ()

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def _jaro_winkler(a: str, b: str) -> float:
    return 100 * JaroWinkler.similarity(a, b)


# How the closeness of two texts is scored (0-100), by the name a settings file gives it.
SCORERS: dict[str, Callable[[str, str], float]] = {
    "ratio": ratio, "token_set_ratio": token_set_ratio, "token_sort_ratio": token_sort_ratio,
    "jaro_winkler": _jaro_winkler,
}
# Default names of the similarity levels of a text comparison, from its highest threshold down.
SIMILARITY_LEVELS = ("close", "similar", "loosely_similar")


@dataclass(frozen=True, slots=True)
class ComparisonKind:
    """One kind of comparison a settings file can use: the parameters it needs, what its levels are called (a
    generic kind lets the settings rename them), how it computes them, and the features an explanation shows."""

    parameters: frozenset[str]
    levels: Callable[[ComparisonParameters], tuple[str, ...]]
    build: Callable[[ComparisonParameters], LevelFunction]
    shown: Callable[[ComparisonParameters], tuple[str, ...]]
    renamable: bool = False

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def _fixed(levels: tuple[str, ...], compute: LevelFunction, shown: tuple[str, ...]) -> ComparisonKind:
    """A kind written for one kind of value, reading its own features: no parameters, its own level names."""
    return ComparisonKind(frozenset(), lambda _: levels, lambda _: compute, lambda _: shown)


def _field(parameters: ComparisonParameters) -> str:
    assert parameters.field is not None  # the settings loader checked the kind's parameters
    return parameters.field


def _scorer(parameters: ComparisonParameters) -> Callable[[str, str], float]:
    assert parameters.scorer is not None
    return SCORERS[parameters.scorer]


KINDS: dict[str, ComparisonKind] = {
    "exact": ComparisonKind(
        frozenset({"field"}), lambda _: ("exact", "different"), lambda p: exact_or_else(_field(p)),
        lambda p: (_field(p),), renamable=True),
    # e.g. one of two phones of one side is one of the other's
    "any_shared": ComparisonKind(
        frozenset({"fields"}), lambda _: ("shared", "different"), lambda p: any_shared(*p.fields),
        lambda p: p.fields, renamable=True),
    "similar_text": ComparisonKind(
        frozenset({"field", "scorer", "thresholds"}),
        lambda p: ("exact", *SIMILARITY_LEVELS[:len(p.thresholds)], "different"),
        lambda p: exact_or_similar(_field(p), _scorer(p), p.thresholds), lambda p: (_field(p),), renamable=True),
    "person_name": _fixed(("exact", "close", "similar", "sounds_alike", "given_name_variant", "given_name_initials",
                           "one_name_only", "one_name_close", "different"), _name_levels, ("name",)),
    "birth_date": _fixed(("exact", "swapped_or_typo", "year_off_by_one_or_two", "day_or_month_wrong", "same_year",
                          "different"), _birth_date_levels, ("birth_date",)),
    "national_id": _fixed(("exact", "one_edit", "one_edit_other_given_name", "conflicting_documents", "different"),
                          _national_id_levels, ("typed_national_id", "national_id")),
    "ice": _fixed(("exact", "one_typo", "other_establishment", "different", "different_unchecked"), _ice_levels,
                  ("ice",)),
    "registry": _fixed(("exact", "same_number_other_court", "other_number_other_court", "different"),
                       _registry_levels, ("registry",)),
    "postal_code": _fixed(("exact", "same_area", "different"), _postal_code_levels, ("postal_code",)),
}


# Below this many pairs, comparing in one process is cheaper than forking workers (an online write compares ~100).
PARALLEL_MIN_PAIRS = 100_000


def compare_pairs(
    features: FeatureTable, comparisons: tuple[Comparison, ...], left: Positions, right: Positions, workers: int = 1,
) -> Levels:
    """The comparison vectors of the pairs: one row per pair, one column per comparison. A pair's levels depend on
    its two records only, so the pairs can be compared in parts by ``workers`` processes."""
    if len(left) == 0:
        return np.zeros((0, len(comparisons)), dtype=np.int8)
    parts = split_over_processes(_compare_part, (features, comparisons, left, right), len(left), workers,
                                 PARALLEL_MIN_PAIRS)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _compare_part(features: FeatureTable, comparisons: tuple[Comparison, ...], left: Positions, right: Positions,
                  start: int, stop: int) -> Levels:
    return np.stack([comparison.compute(features, left[start:stop], right[start:stop])
                     for comparison in comparisons], axis=1)
