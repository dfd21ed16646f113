"""Blocking: which records are worth comparing. Each rule turns a record into keys; records sharing a key are
candidates. A key shared by more records than the cap is too common to tell anyone apart and is skipped."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.distinct import distinct
from matching.features import MISSING, Codes, FeatureTable
from native import Rebuilt, rebuilt

Pairs = npt.NDArray[np.int64]  # shape (n, 2), left < right


@dataclass(frozen=True, slots=True)
class BlockingRule:
    """Records of ``party`` agreeing on every feature of ``on`` are candidates (birth year via "birth_year"); the
    match settings list them."""

    name: str
    party: int
    on: tuple[str, ...]
    # Largest block compared: a key shared by more records is too common to tell anyone apart. Keys on names
    # and places get a smaller cap than identifiers, whose placeholders are already blanked.
    cap: int

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


BIRTH_YEAR = "birth_year"
# "any_name" in a rule stands for the first name and, as a second key, the family name: names swapped between
# the two fields still meet.
ANY_NAME = "any_name"
NAME_FIELDS = ("first_name", "family_name")
# What a rule may block on besides the features: derived from them when keys are made.
DERIVED_KEYS = (BIRTH_YEAR, ANY_NAME)


def _expansions(rule: BlockingRule) -> list[tuple[str, ...]]:
    if ANY_NAME not in rule.on:
        return [rule.on]
    return [tuple(name if part == ANY_NAME else part for part in rule.on) for name in NAME_FIELDS]


BIRTH_YEAR_RADIX = 10_000


def _birth_year(features: FeatureTable) -> Codes:
    texts = features.texts["birth_date"]
    return np.fromiter((int(t[:4]) if t else MISSING for t in texts), dtype=np.int64, count=features.size)


def record_keys(party: int, values: Mapping[str, str | None], rules: tuple[BlockingRule, ...]) -> dict[str, int]:
    """The blocking keys of one record as text (the online index stores these), each with its rule's cap."""
    keys: dict[str, int] = {}
    for rule in rules:
        if rule.party != party:
            continue
        for on in _expansions(rule):
            parts = [
                (values["birth_date"] or "")[:4] or None if name == BIRTH_YEAR else values[name] for name in on
            ]
            if all(parts):
                keys[f"{rule.name}:{'|'.join(part for part in parts if part)}"] = rule.cap
    return keys


def key_texts(features: FeatureTable, rules: tuple[BlockingRule, ...]) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Every record's blocking keys as text, the same strings ``record_keys`` gives one record: (positions, keys).

    This is what a persisted key index stores, so a record arriving later finds its candidates by key. Each key
    is one ``str.format`` of the values of the records that have all of them: no per-record Python loop."""
    positions: list[npt.NDArray[np.int64]] = []
    texts: list[str] = []
    birth_years: npt.NDArray[np.object_] | None = None
    for rule_name, party, on in ((rule.name, rule.party, on) for rule in rules for on in _expansions(rule)):
        valid = features.party == party
        parts: list[tuple[npt.NDArray[np.object_], npt.NDArray[np.int64] | None]] = []  # (values, codes)
        for name in on:
            if name == BIRTH_YEAR:
                if birth_years is None:  # read once for every rule that blocks on it
                    birth_years = np.array([t[:4] if t else None for t in features.texts["birth_date"]],
                                           dtype=object)
                valid &= birth_years != None  # noqa: E711 - element-wise comparison on an object array
                parts.append((birth_years, None))
            else:
                valid &= features.codes[name] != MISSING
                parts.append((features.vocabulary[name], features.codes[name]))
        where = np.flatnonzero(valid)
        positions.append(where)
        template = f"{rule_name}:" + "|".join(["{}"] * len(on))
        texts += map(template.format, *((values[where] if codes is None else values[codes[where]]).tolist()
                                          for values, codes in parts))
    return (np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64)), texts


def rule_keys(features: FeatureTable, on: tuple[str, ...], party: int) -> Codes:
    """One integer key per record for the features ``on`` (-1 where the record cannot be blocked by them).

    Each feature's radix is the size of its code space, so the first and family names, which share one,
    give comparable keys."""
    key = np.zeros(features.size, dtype=np.int64)
    valid = features.party == party
    for name in on:
        column = _birth_year(features) if name == BIRTH_YEAR else features.codes[name]
        radix = BIRTH_YEAR_RADIX if name == BIRTH_YEAR else len(features.vocabulary[name]) + 2
        valid &= column != MISSING
        key = key * radix + column + 1
    return np.where(valid, key, MISSING)


# Up to this many keys (an online component), grouping them in a dict beats a dozen numpy calls per rule.
_FEW_KEYS = 512


def _pairs_sharing_few_keys(keys: Codes, cap: int) -> Pairs:
    """``pairs_sharing_key`` for a few keys, in the same order: blocks by size, then by key, pairs as
    ``triu_indices`` lists them."""
    blocks: dict[int, list[int]] = {}
    for position, key in enumerate(keys.tolist()):
        if key != MISSING:
            blocks.setdefault(key, []).append(position)
    pairs = [(left, right) for _, _, members in sorted((len(members), key, members)
                                                       for key, members in blocks.items() if 2 <= len(members) <= cap)
             for index, left in enumerate(members) for right in members[index + 1:]]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def pairs_sharing_key(keys: Codes, cap: int) -> Pairs:
    """Every pair of records with the same key, for keys held by 2..cap records."""
    if len(keys) <= _FEW_KEYS:
        return _pairs_sharing_few_keys(keys, cap)
    positions = np.flatnonzero(keys != MISSING)
    order = positions[np.argsort(keys[positions], kind="stable")]
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    chunks: list[Pairs] = []
    for size in distinct(sizes[(sizes >= 2) & (sizes <= cap)]):
        block_starts = starts[sizes == size]
        left, right = np.triu_indices(int(size), k=1)
        members = order[block_starts[:, None] + np.arange(size)[None, :]]
        chunks.append(np.stack([members[:, left].ravel(), members[:, right].ravel()], axis=1))
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(chunks)
    return np.sort(pairs, axis=1)


def candidate_pairs(
    features: FeatureTable,
    rules: tuple[BlockingRule, ...],
    report: Callable[[str, int], None] | None = None,
) -> Pairs:
    """Distinct candidate pairs over all rules; ``report`` hears how many pairs each rule produced."""
    found: list[Pairs] = []
    for rule in rules:
        keys = [rule_keys(features, on, rule.party) for on in _expansions(rule)]
        if len(keys) == 1:
            pairs = pairs_sharing_key(keys[0], rule.cap)
        else:
            # Each record enters once per expansion; pairs come back as entries, mapped to their records.
            owners = np.tile(np.arange(features.size, dtype=np.int64), len(keys))
            entries = pairs_sharing_key(np.concatenate(keys), rule.cap)
            pairs = owners[entries]
            pairs = np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1)
        if report:
            report(rule.name, len(pairs))
        found.append(pairs)
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    # One integer per pair makes de-duplication a 1-D unique, far cheaper than unique rows.
    encoded = distinct(np.concatenate(found) @ np.array([features.size, 1], dtype=np.int64))
    return np.stack([encoded // features.size, encoded % features.size], axis=1)
