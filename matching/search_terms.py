"""Search terms: what a record is looked up by and what a query looks for, in the matcher's canonical forms.

A term is text with a prefix naming its kind (``tel:+212612345678``, ``n:MUHAMAD``). Records get theirs from the
feature table the matcher built, queries from the same field readers, so a search finds a record exactly when the
matcher would read the same value in it. Name words are transliteration keys of name units (El Idrissi, Elidrissi
and Idrissi agree, Mohammed and Mohamed too); a typo or a dropped vowel (Mhamed) is reached through the spelling
variants of the words the index holds, and the candidates found are ranked by name similarity.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import chain

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from matching.distinct import distinct
from matching.features import MISSING, ORGANIZATION, PERSON, FeatureTable
from matching.identifiers import OTHER_ID_TYPE, REGISTRY_LABEL_WORDS, compact_identifier, standardise_id_type
from matching.junk import is_placeholder_document_number
from matching.names import adjacent_word_keys, name_word_keys, parse_company_name
from matching.standardise import (
    JUNK,
    Verdict,
    read_city,
    read_email,
    read_ice,
    read_identity_document,
    read_person_name,
    read_phones,
    read_rc_number,
    read_registry_number,
)
from matching.text import fold_text, split_words

NAME_WORD, NAME_PAIR, COMPANY_KEY = "n:", "p:", "g:"
NATIONAL_ID, ICE, RC_NUMBER, TAX_ID, PROFESSIONAL_TAX = "nid:", "ice:", "rc:", "if:", "tp:"
PHONE, EMAIL, CITY = "tel:", "mail:", "city:"

# Features holding one value per record, and the kind of term each value gives.
VALUE_TERMS: tuple[tuple[str, str], ...] = (
    ("national_id", NATIONAL_ID), ("ice", ICE), ("rc_number", RC_NUMBER), ("tax_id", TAX_ID),
    ("professional_tax_number", PROFESSIONAL_TAX),
    ("mobile_1", PHONE), ("mobile_2", PHONE), ("fixed_1", PHONE), ("fixed_2", PHONE),
    ("email", EMAIL), ("city", CITY),
)  # fmt: skip
# Features holding space-separated words: a person's name keys, a company's words and adjacent word pairs.
WORD_TERMS: tuple[tuple[str, int, str], ...] = (
    ("name", PERSON, NAME_WORD), ("company_words", ORGANIZATION, NAME_WORD),
    ("company_word_pairs", ORGANIZATION, NAME_PAIR),
)
FIELD_OF_PREFIX: dict[str, str] = {
    NATIONAL_ID: "national_id", ICE: "ice", RC_NUMBER: "rc_number", TAX_ID: "tax_id",
    PROFESSIONAL_TAX: "professional_tax_number", PHONE: "phone", EMAIL: "email", CITY: "city",
}
"""The record field a matched term was read from."""

Positions = npt.NDArray[np.int64]
# Shorter words have too many unrelated neighbours one edit away (ALI, ALA, AMI): they must be typed right.
MIN_VARIANT_LENGTH = 4
# A word missing from the query or from the record costs this share of the similarity (Alami finds Mohamed Alami).
SUBSET_FACTOR = 0.9
# The part of a company name that a glued query may cover (ALBARAKA in ALBARAKATRAVAUX) is long enough to mean it.
MIN_PARTIAL_LENGTH = 6


def record_terms(features: FeatureTable) -> Iterator[tuple[Positions, list[str]]]:
    """Every record's search terms as (positions, terms), one feature at a time to bound memory."""
    for feature, prefix in VALUE_TERMS:
        yield _value_terms(features, feature, prefix, None)
    yield _value_terms(features, "name", COMPANY_KEY, ORGANIZATION)
    for feature, party, prefix in WORD_TERMS:
        yield _word_terms(features, feature, party, prefix)


def _present(features: FeatureTable, feature: str, party: int | None) -> Positions:
    valid = features.codes[feature] != MISSING
    if party is not None:
        valid &= features.party == party
    return np.flatnonzero(valid)


def _value_terms(features: FeatureTable, feature: str, prefix: str, party: int | None) -> tuple[Positions, list[str]]:
    where = _present(features, feature, party)
    texts = [prefix + value for value in features.vocabulary[feature].tolist()]  # once per distinct value
    return where, [texts[code] for code in features.codes[feature][where].tolist()]


def _word_terms(features: FeatureTable, feature: str, party: int, prefix: str) -> tuple[Positions, list[str]]:
    """Split each distinct value once, then give every record the words of its value."""
    where = _present(features, feature, party)
    words = [[prefix + word for word in dict.fromkeys(value.split())]
             for value in features.vocabulary[feature].tolist()]
    counts = np.array([len(value_words) for value_words in words], dtype=np.int64)
    flat = np.array(list(chain.from_iterable(words)), dtype=object)
    first_word = np.cumsum(counts) - counts
    codes = features.codes[feature][where]
    per_record = counts[codes]
    positions = np.repeat(where, per_record)
    within = np.arange(int(per_record.sum())) - np.repeat(np.cumsum(per_record) - per_record, per_record)
    return positions, flat[np.repeat(first_word[codes], per_record) + within].tolist()


def name_words(features: FeatureTable) -> set[str]:
    """The distinct name words (keys, without prefix) held by these records: the vocabulary of spellings."""
    found: set[str] = set()
    for feature, party, prefix in WORD_TERMS:
        if prefix != NAME_WORD:
            continue
        codes = distinct(features.codes[feature][_present(features, feature, party)])
        vocabulary = features.vocabulary[feature]
        found.update(chain.from_iterable(str(vocabulary[code]).split() for code in codes.tolist()))
    return found


def spelling_variants(word: str) -> tuple[str, ...]:
    """The word and, when long enough, each form of it with one letter left out: two words one edit apart
    (a typo, a vowel dropped in transliteration: MHAMAD, MUHAMAD) share one of these."""
    if len(word) < MIN_VARIANT_LENGTH:
        return (word,)
    return (word, *dict.fromkeys(word[:index] + word[index + 1:] for index in range(len(word))))


def close_spelling(query_word: str, word: str) -> bool:
    """One edit apart at most (a transposition counts as one), and long enough for that to mean a typo."""
    if query_word == word:
        return True
    return len(query_word) >= MIN_VARIANT_LENGTH and OSA.distance(query_word, word, score_cutoff=1) <= 1


# ---------------------------------------------------------------- queries


@dataclass(frozen=True, slots=True)
class NameQuery:
    """A name as typed, in the forms records are indexed and compared in."""

    words: tuple[str, ...]
    """Keys of the name units (civility, legal form and company stop words left out)."""
    pairs: tuple[str, ...]
    """Keys of each two adjacent words written as one: finds ALBARAKA from AL BARAKA."""
    company_key: str | None
    """The words without spaces, as the matcher compares company names."""


def read_name_query(text: str) -> tuple[NameQuery | None, Verdict]:
    """Read a name typed by a user: a person's (either order) or a company's (with or without legal form)."""
    person, verdict = read_person_name(text)
    if verdict:
        return None, verdict
    company = parse_company_name(" ".join(person.tokens))
    words = tuple(dict.fromkeys(name_word_keys(company.tokens)))
    if not words:
        return None, "invalid"
    return NameQuery(words, tuple(dict.fromkeys(adjacent_word_keys(company.tokens))), company.key), None


def name_similarity(query: NameQuery, words: Collection[str], company_key: str | None) -> float:
    """How close a record's name is to the query, 0..100: the words in any order, then a query naming only
    some of the words, then (for companies) the name without spaces, whole or as the start of a longer one."""
    score = 0.0
    if words:
        typed, held = " ".join(sorted(query.words)), " ".join(sorted(words))
        score = max(fuzz.token_sort_ratio(typed, held), SUBSET_FACTOR * fuzz.token_set_ratio(typed, held))
    if company_key and query.company_key:
        score = max(score, fuzz.ratio(query.company_key, company_key))
        if len(query.company_key) >= MIN_PARTIAL_LENGTH:
            score = max(score, SUBSET_FACTOR * fuzz.partial_ratio(query.company_key, company_key))
    return score


def identifier_terms(text: str) -> tuple[tuple[str, ...], Verdict]:
    """Terms for an identifier typed in any format a source uses: a national id (CIN, CNIE, passport…, with or
    without its type in front), an ICE, an RC, IF or taxe professionnelle number (with or without its label).
    A number alone may be any of them; a CIN-shaped value (letters, then digits) is only a national id."""
    words = split_words(fold_text(text).replace(".", ""))
    if not words:
        return (), "invalid"
    registry_label = len(words) > 1 and words[0] in REGISTRY_LABEL_WORDS
    id_type = standardise_id_type(words[0]) if len(words) > 1 and not registry_label else OTHER_ID_TYPE
    number_text = " ".join(words[1:]) if id_type != OTHER_ID_TYPE else text
    terms: dict[str, None] = {}
    typed_id, verdict = None, None
    if not registry_label:
        typed_id, number, verdict = read_identity_document(None if id_type == OTHER_ID_TYPE else id_type, number_text)
        if number:
            terms[NATIONAL_ID + number] = None
            compact = compact_identifier(number_text)
            if compact != number and not is_placeholder_document_number(compact):
                terms[NATIONAL_ID + compact] = None
    if typed_id != "CIN" and id_type == OTHER_ID_TYPE:
        ice, _, ice_verdict = read_ice(text)
        if ice:
            terms[ICE + ice.number] = None
        rc_number, _, rc_verdict = read_rc_number(text)
        if rc_number:
            terms[RC_NUMBER + rc_number] = None
        registry_number, registry_verdict = read_registry_number(text)
        if registry_number:
            terms.update({TAX_ID + registry_number: None, PROFESSIONAL_TAX + registry_number: None})
        if not terms and JUNK in (ice_verdict, rc_verdict, registry_verdict):
            verdict = JUNK
    return tuple(terms), None if terms else verdict or "invalid"


def phone_terms(text: str) -> tuple[tuple[str, ...], Verdict]:
    """Terms for a phone typed in any format (06…, +212…, 00212…, several numbers)."""
    if not any(character.isdigit() for character in text):
        return (), "invalid"
    mobiles, others, verdict = read_phones(text)
    numbers = mobiles + others
    return tuple(PHONE + number for number in numbers), None if numbers else verdict or "invalid"


def email_terms(text: str) -> tuple[tuple[str, ...], Verdict]:
    email, verdict = read_email(text)
    return ((EMAIL + email,), None) if email else ((), verdict)


def city_terms(text: str) -> tuple[tuple[str, ...], Verdict]:
    """Terms for a city by any of its names (Casa, Dar El Beida, Casablanca)."""
    city, verdict = read_city(text)
    return ((CITY + city,), None) if city else ((), verdict)
