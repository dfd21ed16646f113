"""Given names that name one person: short forms (Tom, Paco, Simo), initials (J.-P.) and middle names.

The short forms are data (given_name_variants.csv, one group per line); a full name is also found by its
transliteration key, so a group needs no line per spelling. Two given-name fields agree when every name of the
shorter one meets a name of the longer one in reading order: the same name, a short form of it, or its initial.
Middle names may be left out (JEAN MARIE / JEAN, MARY ANN / MARY, MOHAMED AMINE / AMINE).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import Literal

from matching.names import group_name_units, parse_person_name, transliteration_key
from native import ROOT

VARIANTS_FILE = ROOT / "matching" / "given_name_variants.csv"  # not beside __file__: a compiled copy is elsewhere

GivenNameAgreement = Literal["variant", "initials"]
"""How two given-name fields agree: through at least one name (a short form, a middle name left out), or
through initials only (J vs JOHN: a household's John and Jane agree this way too)."""
VARIANT: GivenNameAgreement = "variant"
INITIALS: GivenNameAgreement = "initials"

_VOWELS = frozenset("AEIOUY")
# Keys this short lose too much: JEN (Jennifer) and JEAN, PETE and PAT would share one. A short form is
# looked up by its spelling only; a longer name also by its key, so MOHAMMED or KATHRYN find their group.
SHORTEST_KEY_LOOKED_UP = 4


def given_name_key(units: tuple[str, ...]) -> str:
    """The key of a given name of one or more units, as ``PersonName.key`` reads a whole first-name field."""
    return transliteration_key("".join(units))


class VariantGroups:
    """The groups of given_name_variants.csv, looked up by spelling (units joined by spaces) or by key."""

    def __init__(self, groups: list[list[tuple[str, ...]]]) -> None:
        self.by_spelling: dict[str, frozenset[int]] = {}
        self.by_key: dict[str, frozenset[int]] = {}
        # A group's root is the key of the first word of its full name: JOSE MARIA, CHEMA and JOSE share it.
        self.roots = tuple(transliteration_key(names[0][0]) for names in groups)
        for group, names in enumerate(groups):
            for units in names:
                self.by_spelling[" ".join(units)] = self.by_spelling.get(" ".join(units), frozenset()) | {group}
                key = given_name_key(units)
                if len(key) >= SHORTEST_KEY_LOOKED_UP:
                    self.by_key[key] = self.by_key.get(key, frozenset()) | {group}

    def of(self, units: tuple[str, ...]) -> frozenset[int]:
        """The groups a given name (its units) belongs to."""
        return self.by_spelling.get(" ".join(units), frozenset()) | self.by_key.get(given_name_key(units), frozenset())


def read_variant_groups(path: Path) -> VariantGroups:
    """Read a file of given-name groups: one group a line, names separated by commas, # starts a comment."""
    with path.open(encoding="utf-8") as file:
        rows = csv.reader(line for line in file if line.strip() and not line.startswith("#"))
        return VariantGroups([[parse_person_name(name).units for name in row] for row in rows])


@lru_cache(maxsize=1)
def variant_groups() -> VariantGroups:
    """The shipped groups of given names."""
    return read_variant_groups(VARIANTS_FILE)


@lru_cache(maxsize=1 << 16)
def given_name_units(name: str) -> tuple[str, ...]:
    """The name units of a canonical first- or last-name field (its tokens joined by spaces)."""
    return group_name_units(tuple(name.split()))


def _is_initials(unit: str) -> bool:
    # J, or two letters without a vowel written as one word: JP for JEAN PIERRE, JC for JEAN CLAUDE.
    return len(unit) == 1 or (len(unit) == 2 and not _VOWELS & set(unit))


@lru_cache(maxsize=1 << 16)
def given_name_root(units: tuple[str, ...]) -> str | None:
    """The key of the full form of the first given name (TOMMY, TOM -> THOMAS's; PACO -> FRANCISCO's): what a
    short form and its full name are looked up by together. A name of no group is its own root."""
    words = tuple(unit for unit in units if not _is_initials(unit))
    if not words:
        return None
    groups = variant_groups().of(words) or variant_groups().of(words[:1])
    if not groups:
        return transliteration_key(words[0]) or None
    return variant_groups().roots[min(groups)]


_Word = tuple[str, str, bool]  # spelling, key (or the initial), is an initial


def _words(units: tuple[str, ...]) -> tuple[_Word, ...]:
    """Each given name with its key; joined initials (JP) spelt out."""
    words: list[_Word] = []
    for unit in units:
        if _is_initials(unit):
            words.extend((letter, letter, True) for letter in unit)
        else:
            words.append((unit, transliteration_key(unit), False))
    return tuple(words)


def _meet(left: _Word, right: _Word) -> GivenNameAgreement | None:
    (left_spelling, left_key, left_initial), (right_spelling, right_key, right_initial) = left, right
    if left_initial or right_initial:
        return INITIALS if left_key[:1] == right_key[:1] else None
    groups = variant_groups()
    if left_key == right_key or groups.of((left_spelling,)) & groups.of((right_spelling,)):
        return VARIANT
    return None


@lru_cache(maxsize=1 << 16)
def compare_given_names(left: tuple[str, ...], right: tuple[str, ...]) -> GivenNameAgreement | None:
    """How two given-name fields (name units) agree, or None when a name of the shorter one meets none of the
    longer one's."""
    if not left or not right:
        return None
    if variant_groups().of(left) & variant_groups().of(right):
        return VARIANT  # a compound name and its short form: JOSE MARIA / CHEMA
    shorter, longer = sorted((_words(left), _words(right)), key=len)
    if not shorter:
        return None
    found: list[GivenNameAgreement] = []
    position = 0
    for word in shorter:
        # The earliest name that meets this one leaves the most names for the next: greedy is enough.
        while position < len(longer):
            agreement = _meet(word, longer[position])
            position += 1
            if agreement:
                found.append(agreement)
                break
        else:
            return None
    return VARIANT if VARIANT in found else INITIALS
