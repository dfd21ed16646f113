"""Search terms: records and queries meet in the matcher's canonical forms."""

from __future__ import annotations

import pytest

from matching.search_terms import (
    close_spelling,
    identifier_terms,
    name_similarity,
    phone_terms,
    read_name_query,
    record_terms,
    spelling_variants,
)
from tests.matching.shipped_features import shipped_features


def _terms_of(*records: dict[str, str]) -> list[set[str]]:
    features = shipped_features(records, overused=frozenset())
    found: list[set[str]] = [set() for _ in records]
    for positions, terms in record_terms(features):
        for position, term in zip(positions.tolist(), terms, strict=True):
            found[position].add(term)
    return found


def test_records_are_indexed_by_what_the_matcher_reads() -> None:
    person, company = _terms_of(
        {"party_type": "person", "first_name": "Mohammed", "last_name": "EL IDRISSI", "national_id": "be-012345",
         "phone": "06 61 42 87 13 / 0522 48 71 36", "email": "M.Idrissi@Menara.ma", "city": "Casa"},
        {"party_type": "organization", "company_name": "Ste Al Baraka Travaux SARL", "ice": "002947183000061",
         "rc_number": "88412/Casa", "tax_id": "IF 40217795"},
    )
    assert person == {"n:MUHAMAD", "n:IDRISI", "nid:BE12345", "tel:+212661428713", "tel:+212522487136",
                      "mail:m.idrissi@menara.ma", "city:CASABLANCA"}
    assert company == {"n:BARAKA", "n:TRAVAUX", "p:ALBARAKA", "p:BARAKATRAVAUX", "g:ALBARAKATRAVAUX",
                       "ice:002947183000061", "rc:88412", "if:40217795"}


@pytest.mark.parametrize(("typed", "term"), [
    ("BE012345", "nid:BE12345"), ("be-12345", "nid:BE12345"), ("CNIE BE 12345", "nid:BE12345"),
    ("002 947 183 000 061", "ice:002947183000061"), ("RC 88412", "rc:88412"), ("I.F. 40217795", "if:40217795"),
])
def test_identifiers_typed_in_any_format(typed: str, term: str) -> None:
    terms, verdict = identifier_terms(typed)
    assert term in terms and verdict is None


def test_a_cin_shaped_value_is_only_a_national_id() -> None:
    assert identifier_terms("BE 412783") == (("nid:BE412783",), None)


@pytest.mark.parametrize("typed", ["0661428713", "+212 661-42-87-13", "00212661428713", "(+212) 6 61 42 87 13"])
def test_phones_typed_in_any_format(typed: str) -> None:
    assert phone_terms(typed) == (("tel:+212661428713",), None)


@pytest.mark.parametrize(("word", "other", "close"), [
    ("MHAMAD", "MUHAMAD", True),  # a vowel dropped
    ("ALANI", "ALAMI", True),  # a typo
    ("LAAMI", "ALAMI", True),  # two letters swapped
    ("ALAMI", "ALAUI", True),
    ("ALI", "ALA", False),  # too short for a typo to be told from another name
    ("IDRISI", "ADRIS", False),
])
def test_close_spellings(word: str, other: str, close: bool) -> None:
    assert close_spelling(word, other) is close
    shared = set(spelling_variants(word)) & set(spelling_variants(other))
    assert bool(shared) or not close


@pytest.mark.parametrize(("typed", "held", "low", "high"), [
    ("Mohamed El Idrissi", "MUHAMAD IDRISI", 100, 100),
    ("Idrissi Mohammed", "MUHAMAD IDRISI", 100, 100),  # swapped
    ("Mhamed Elidrissi", "MUHAMAD IDRISI", 90, 99),
    ("Idrissi", "MUHAMAD IDRISI", 90, 90),  # part of the name
    ("Fatima Idrissi", "MUHAMAD IDRISI", 0, 79),  # someone else of the family
])
def test_name_similarity(typed: str, held: str, low: float, high: float) -> None:
    query, _ = read_name_query(typed)
    assert query is not None
    assert low <= name_similarity(query, held.split(), None) <= high


def test_company_names_meet_with_or_without_legal_form_and_spaces() -> None:
    query, _ = read_name_query("Albaraka Travaux S.A.R.L.")
    assert query is not None and query.words == ("ALBARAKA", "TRAVAUX")
    assert name_similarity(query, ["BARAKA", "TRAVAUX"], "ALBARAKATRAVAUX") == 100
