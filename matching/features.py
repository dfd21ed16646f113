"""Columnar features of standardised records: integer codes for equality, strings for fuzzy comparison.

A feature table is what blocking, comparison and clustering read. Equal values share one integer code within
a table (-1 = missing), so "agree exactly" is an integer comparison on millions of pairs at once. Values held
by implausibly many different clients are placeholders and are blanked here, before any of those steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching.distinct import distinct
from matching.findings import Finding, rule_findings
from matching.given_names import given_name_root, given_name_units
from matching.identifiers import host_country_of_phone
from matching.names import adjacent_word_keys, name_word_keys, phonetic_key
from matching.places import country_of_city, postal_area
from matching.standardise import StandardisedRecord
from native import Rebuilt, rebuilt

Codes = npt.NDArray[np.int64]
Texts = npt.NDArray[np.object_]
MISSING = -1
PERSON, ORGANIZATION = 0, 1

Extractor = Callable[[StandardisedRecord], str | None]


def _ice_number(record: StandardisedRecord) -> str | None:
    return record.ice.number if record.ice else None


# An ICE that fails its check digits holds a typo: it may say the same establishment one digit off, so only a
# checked ICE names the company and establishment that keep two clients apart.
def _ice_company(record: StandardisedRecord) -> str | None:
    return record.ice.company if record.ice and record.ice.checksum_ok else None


def _ice_establishment(record: StandardisedRecord) -> str | None:
    return record.ice.number[:13] if record.ice and record.ice.checksum_ok else None


def _registry(record: StandardisedRecord) -> str | None:
    # An RC number is only unique within its court.
    if record.rc_number is None:
        return None
    return f"{record.rc_court or '?'}|{record.rc_number}"


def _nth(values: Callable[[StandardisedRecord], tuple[str, ...]], index: int) -> Extractor:
    def nth(record: StandardisedRecord) -> str | None:
        found = values(record)  # once: a record's phones are joined anew at each call
        return found[index] if len(found) > index else None
    return nth


def _birth_date(record: StandardisedRecord) -> str | None:
    return record.birth_date.isoformat() if record.birth_date else None


def _birth_date_swapped(record: StandardisedRecord) -> str | None:
    return record.birth_date_swapped.isoformat() if record.birth_date_swapped else None


def _name(record: StandardisedRecord) -> str | None:
    return record.name_sorted_key if record.party_type == "person" else record.company_name_key


def _given_names(record: StandardisedRecord) -> str | None:
    return (" ".join(given_name_units(record.first_name)) or None) if record.first_name else None


def _given_name_root(record: StandardisedRecord) -> str | None:
    return given_name_root(given_name_units(record.first_name)) if record.first_name else None


def _phones(record: StandardisedRecord) -> tuple[str, ...]:
    return record.mobile_phones + record.fixed_phones


# A French mobile given as 06 12 34 56 78 reads as Moroccan (+212612345678); given as +33 6 12 34 56 78 by another
# channel it is the same phone. Nine digits (a Moroccan, French or Spanish number without its country code) tell
# phones apart as well: two clients' numbers hardly ever differ by the country code alone.
NATIONAL_DIGITS = 9


def _national_number(number: str | None) -> str | None:
    return number[-NATIONAL_DIGITS:] if number else None


def _national(extract: Extractor) -> Extractor:
    def national(record: StandardisedRecord) -> str | None:
        return _national_number(extract(record))
    return national


def _country(record: StandardisedRecord) -> str | None:
    """The country a record places its client in: its city's when the hub knows the city, else the host country
    of its first phone that has one (a Moroccan number says nothing: clients abroad keep theirs)."""
    if record.city and (country := country_of_city(record.city)):
        return country
    return next((country for number in _phones(record) if (country := host_country_of_phone(number))), None)


def _company_words(record: StandardisedRecord) -> str | None:
    if not (record.company_name_tokens or record.trade_name_tokens):  # every person
        return None
    keys = name_word_keys(record.company_name_tokens) + name_word_keys(record.trade_name_tokens)
    return " ".join(dict.fromkeys(keys)) or None


def _company_word_pairs(record: StandardisedRecord) -> str | None:
    if not (record.company_name_tokens or record.trade_name_tokens):
        return None
    keys = adjacent_word_keys(record.company_name_tokens) + adjacent_word_keys(record.trade_name_tokens)
    return " ".join(dict.fromkeys(keys)) or None


# Every coded feature: name -> how to read it from a standardised record.
CODED_FEATURES: dict[str, Extractor] = {
    "name": _name,
    "first_name": attrgetter("first_name_key"),
    "family_name": attrgetter("family_name_key"),
    # The first-name field's units (initials kept) and the full form of its first name, for short forms.
    "given_names": _given_names,
    "given_name_root": _given_name_root,
    "first_name_sound": lambda r: phonetic_key(given_name_units(r.first_name)) if r.first_name else None,
    "family_name_sound": lambda r: phonetic_key(given_name_units(r.last_name)) if r.last_name else None,
    "birth_date": _birth_date,
    "birth_date_swapped": _birth_date_swapped,
    "national_id": attrgetter("national_id"),
    # Only a well-formed id of a known document type is strong enough to keep two clients apart (clustering).
    "typed_national_id": lambda r: (
        f"{r.id_type}:{r.national_id}" if r.national_id and r.id_type and "national_id" not in r.invalid_fields
        else None
    ),
    "mobile_1": _nth(attrgetter("mobile_phones"), 0),
    "mobile_2": _nth(attrgetter("mobile_phones"), 1),
    "fixed_1": _nth(attrgetter("fixed_phones"), 0),
    "fixed_2": _nth(attrgetter("fixed_phones"), 1),
    "phone_1": _nth(_phones, 0),
    "phone_2": _nth(_phones, 1),
    "email": attrgetter("email"),
    "address": attrgetter("address"),
    "city": attrgetter("city"),
    "country": _country,
    "postal_code": attrgetter("postal_code"),
    "postal_area": lambda r: postal_area(r.postal_code) if r.postal_code else None,
    "legal_form": attrgetter("legal_form"),
    "ice": _ice_number,
    "ice_company": _ice_company,
    "ice_establishment": _ice_establishment,
    "registry": _registry,
    "rc_number": attrgetter("rc_number"),
    "rc_court": lambda r: r.rc_court if r.rc_number else None,
    "tax_id": attrgetter("tax_id"),
    "professional_tax_number": attrgetter("professional_tax_number"),
    # What a company is looked up by (the search index), word by word: the matcher compares "name" only.
    "company_words": _company_words,
    "company_word_pairs": _company_word_pairs,
}
PHONE_FEATURES = ("mobile_1", "mobile_2", "fixed_1", "fixed_2", "phone_1", "phone_2")
# The same phones without their country code: what the matcher compares and blocks on.
NATIONAL_OF = {f"{name}_national": name for name in PHONE_FEATURES}
CODED_FEATURES.update({national: _national(CODED_FEATURES[name]) for national, name in NATIONAL_OF.items()})
# Features also kept as text, for the comparisons that measure how close two values are and for term frequencies.
TEXT_FEATURES = ("name", "first_name", "family_name", "given_names", "national_id", "typed_national_id", "email",
                 "address", "birth_date", "ice", "ice_establishment", "city", "legal_form")

# Feature groups that hold the same kind of value: a value overused in one is junk in all of them.
SHARED_VALUE_GROUPS = (PHONE_FEATURES, tuple(f"{name}_national" for name in PHONE_FEATURES))
# Features whose codes are compared with each other share one code space.
_JOINT = (("birth_date", "birth_date_swapped"), ("first_name", "family_name"),
          ("first_name_sound", "family_name_sound"), ("mobile_1", "mobile_2"),
          ("fixed_1", "fixed_2"), ("phone_1", "phone_2"), ("mobile_1_national", "mobile_2_national"),
          ("fixed_1_national", "fixed_2_national"), ("phone_1_national", "phone_2_national"))
CODE_SPACES = _JOINT + tuple((name,) for name in CODED_FEATURES if all(name not in group for group in _JOINT))


@dataclass(frozen=True, slots=True)
class FeatureTable:
    """Features of ``size`` records, each an array indexed by record position."""

    size: int
    party: npt.NDArray[np.int8]
    codes: dict[str, Codes]
    texts: dict[str, Texts]
    # The distinct values behind each feature's codes: value of record p = vocabulary[name][codes[name][p]].
    vocabulary: dict[str, npt.NDArray[np.object_]]
    overused: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    # Data-quality findings by rule of each record, and the (positions, values) blanked per feature as overused.
    findings: list[tuple[Finding, ...]] = field(default_factory=list)
    blanked: dict[str, tuple[list[int], list[str]]] = field(default_factory=dict)

    def value(self, feature: str, position: int) -> str | None:
        code = int(self.codes[feature][position])
        return None if code == MISSING else str(self.vocabulary[feature][code])

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


# Codes (-1: missing) into the distinct values, in order of appearance.
Column = tuple[npt.NDArray[np.signedinteger[Any]], npt.NDArray[np.object_]]


# Up to this many values, a dict codes them faster than pandas sets up its hash table (~15 µs a call): an online
# request codes a few dozen records' values, some 150 times.
_FEW_VALUES = 256


def _factorize(values: Sequence[str | None] | npt.NDArray[np.object_]) -> Column:
    if len(values) <= _FEW_VALUES:
        index: dict[str, int] = {}
        codes = [MISSING if value is None else index.setdefault(value, len(index)) for value in values]
        return np.array(codes, dtype=np.int64), np.fromiter(index, dtype=object, count=len(index))
    pandas_codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return pandas_codes.astype(np.int64), np.asarray(uniques, dtype=object)


def find_overused_values(columns: Mapping[str, Column], caps: Mapping[str, int]) -> frozenset[tuple[str, str]]:
    """(feature, value) pairs carried by more different names than the feature's cap allows.

    Names stand in for clients, and one client's records carry a few spellings (typos, a changed first name), hence
    caps (the match settings' ``placeholder_sharing_caps``) above the handful of clients a household or an office
    really shares a value with; placeholders are shared by dozens. Above the cap the value is junk for every record
    that carries it."""
    name_codes = columns["name"][0].astype(np.int64)  # a product of two codes does not fit in 32 bits
    overused: set[tuple[str, str]] = set()
    for feature, cap in caps.items():
        if feature not in columns:
            continue
        codes, uniques = columns[feature][0].astype(np.int64), columns[feature][1]
        present = (codes != MISSING) & (name_codes != MISSING)
        pairs = distinct(codes[present] * (name_codes.max() + 2) + name_codes[present])
        distinct_names = np.bincount(pairs // (name_codes.max() + 2), minlength=len(uniques))
        overused.update((feature, str(uniques[code])) for code in np.flatnonzero(distinct_names > cap))
    for group in SHARED_VALUE_GROUPS:
        shared = {value for feature, value in overused if feature in group}
        overused.update((feature, value) for feature in group for value in shared)
    return frozenset(overused)


@lru_cache(maxsize=8)
def _overused_by_feature(overused: frozenset[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """The model's placeholders grouped by feature, once per model: the online path blanks a few records at a time."""
    grouped: dict[str, set[str]] = defaultdict(set)
    for feature, value in overused:
        grouped[feature].add(value)
    return {feature: frozenset(values) for feature, values in grouped.items()}


def _blank(column: Column, junk: frozenset[str]) -> tuple[Column, list[int]]:
    """The column with its junk values blanked (codes -1; the values stay among the distinct ones, unused), and the
    positions blanked."""
    codes, uniques = column
    junk_codes = [code for code, value in enumerate(uniques) if value in junk] if junk else []
    if not junk_codes:
        return column, []
    blanked = np.flatnonzero(np.isin(codes, junk_codes))
    cleaned = codes.copy()
    cleaned[blanked] = MISSING
    return (cleaned, uniques), blanked.tolist()


def _joint_codes(columns: Sequence[Column]) -> tuple[list[Codes], npt.NDArray[np.object_]]:
    """Codes of several columns in one code space: their values numbered in order of appearance, the first column
    read whole before the next (as if the columns were one), values no record uses left out."""
    used_codes = []
    for codes, uniques in columns:
        used = np.zeros(len(uniques) + 1, dtype=bool)
        used[codes] = True  # a missing value's -1 marks the extra last slot
        used_codes.append(np.flatnonzero(used[:-1]))
    joint, vocabulary = _factorize(np.concatenate([uniques[used] for (_, uniques), used in zip(columns, used_codes,
                                                                                               strict=True)]))
    recoded, offset = [], 0
    for (codes, uniques), used in zip(columns, used_codes, strict=True):
        remap = np.full(len(uniques) + 1, MISSING, dtype=np.int64)
        remap[used] = joint[offset:offset + len(used)]
        recoded.append(remap[codes])
        offset += len(used)
    return recoded, vocabulary


def _narrow(column: Column) -> Column:
    # Held for a whole batch, a million records' 60 columns: half the memory in 32 bits, which number any batch.
    codes, uniques = column
    return codes.astype(np.int32), uniques


@dataclass(slots=True)
class FeatureColumns:
    """The feature values of a batch, column by column: per feature, codes into its distinct values (-1: missing).

    Built in pieces (chunks standardised by workers, each coding its own values) and joined on first read; once
    joined, each distinct value is one string, however many records hold it."""

    party: list[int] = field(default_factory=list)
    # The coded features, then the extra fields the match settings read from the payload: the parts of each.
    parts: dict[str, list[Column]] = field(default_factory=lambda: {name: [] for name in CODED_FEATURES})
    findings: list[tuple[Finding, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.party)

    def extend(self, other: FeatureColumns) -> None:
        self.party.extend(other.party)
        self.findings.extend(other.findings)
        for name, parts in other.parts.items():
            self.parts.setdefault(name, []).extend(parts)

    def column(self, name: str) -> Column:
        """The feature's codes over every record, and its distinct values in order of first appearance."""
        parts = self.parts[name]
        if len(parts) != 1:
            all_uniques = np.concatenate([uniques for _, uniques in parts]) if parts else np.zeros(0, dtype=object)
            # Each part numbers its values in order of appearance, so the parts' values in turn are in that order.
            global_codes, uniques = _factorize(all_uniques)
            recoded, offset = [], 0
            for codes, part_uniques in parts:
                remap = np.append(global_codes[offset:offset + len(part_uniques)], MISSING)
                recoded.append(remap[codes])
                offset += len(part_uniques)
            parts[:] = [_narrow((np.concatenate(recoded) if recoded else np.zeros(0, dtype=np.int64), uniques))]
        return parts[0]

    @classmethod
    def of_values(cls, party: list[int], values: Mapping[str, Sequence[str | None]],
                  findings: list[tuple[Finding, ...]]) -> FeatureColumns:
        return cls(party, {name: [_narrow(_factorize(column))] for name, column in values.items()}, findings)

    def values(self, name: str) -> list[str | None]:
        codes, uniques = self.column(name)
        return [None if code == MISSING else str(uniques[code]) for code in codes.tolist()]


def extract_columns(records: Sequence[StandardisedRecord], extra_fields: tuple[str, ...] = ()) -> FeatureColumns:
    """The feature columns of standardised records, with the ``extra_fields`` they kept from their payload."""
    values: dict[str, list[str | None]] = {}
    for name, extract in CODED_FEATURES.items():  # the phone columns come before their national numbers
        # A batch's national numbers are cut from its phone columns, not read again from each record.
        national_of = NATIONAL_OF.get(name)
        values[name] = list(map(_national_number, values[national_of]) if national_of else map(extract, records))
    for name in extra_fields:
        values[name] = [dict(record.extra).get(name) for record in records]
    return FeatureColumns.of_values([ORGANIZATION if record.party_type == "organization" else PERSON
                                     for record in records], values, [rule_findings(record) for record in records])


def build_features(
    records: Sequence[StandardisedRecord] | FeatureColumns,
    overused: frozenset[tuple[str, str]] | None = None,
    caps: Mapping[str, int] | None = None,
) -> FeatureTable:
    """Features of a batch. ``overused`` comes from the model for a few records scored online; a batch
    without it measures its own value frequencies against the sharing ``caps``. Extra fields of the columns
    are coded and kept as text like the standard features."""
    columns = records if isinstance(records, FeatureColumns) else extract_columns(records)
    size = len(columns)
    raw = {name: columns.column(name) for name in columns.parts}
    if overused is None:
        if caps is None:
            raise ValueError("features of a batch need either the placeholders of a model or the sharing caps")
        overused = find_overused_values(raw, caps)
    junk = _overused_by_feature(overused)
    cleaned: dict[str, Column] = {}
    blanked: dict[str, tuple[list[int], list[str]]] = {}
    for name, column in raw.items():
        cleaned[name], positions = _blank(column, junk.get(name, frozenset()))
        if positions:
            raw_codes, uniques = column
            blanked[name] = (positions, [str(uniques[code]) for code in raw_codes[positions]])
    codes: dict[str, Codes] = {}
    vocabulary: dict[str, npt.NDArray[np.object_]] = {}
    extra = tuple(name for name in raw if name not in CODED_FEATURES)
    for group in CODE_SPACES + tuple((name,) for name in extra):
        recoded, uniques = _joint_codes([cleaned[name] for name in group])
        for name, group_codes in zip(group, recoded, strict=True):
            codes[name] = group_codes
            vocabulary[name] = uniques
    texts = {name: _texts(codes[name], vocabulary[name]) for name in TEXT_FEATURES + extra}
    party = np.asarray(columns.party, dtype=np.int8)
    return FeatureTable(size, party, codes, texts, vocabulary, overused, columns.findings, blanked)


def _texts(codes: Codes, vocabulary: npt.NDArray[np.object_]) -> Texts:
    """Each record's value (None when missing): the vocabulary's strings, shared by the records that hold them."""
    texts = np.full(len(codes), None, dtype=object)
    present = codes != MISSING
    texts[present] = vocabulary[codes[present]]
    return texts
