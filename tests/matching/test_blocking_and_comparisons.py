"""Blocking keys, comparison levels and scoring on small hand-made record sets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matching.blocking import candidate_pairs, key_texts, pairs_sharing_key, record_keys
from matching.comparisons import compare_pairs
from matching.features import ORGANIZATION as ORGANIZATION_PARTY
from matching.features import PERSON as PERSON_PARTY
from matching.features import build_features
from matching.settings import shipped_settings
from matching.standardise import standardise_record
from tests.matching.shipped_features import shipped_features

SETTINGS = shipped_settings()
PERSON_COMPARISONS = SETTINGS.comparisons[PERSON_PARTY]
ORGANIZATION_COMPARISONS = SETTINGS.comparisons[ORGANIZATION_PARTY]
RULES = SETTINGS.blocking_rules

PERSON = {"party_type": "person", "first_name": "Mohamed", "last_name": "El Idrissi", "birth_date": "07/03/1984",
          "id_type": "CIN", "national_id": "BE734519", "phone": "0661234567", "email": "m.idrissi@gmail.com",
          "address_line": "12 rue des Fleurs", "city": "Casablanca", "received_at": "2024-01-01T00:00:00Z"}
COMPANY = {"party_type": "organization", "company_name": "STE ATLAS TRANS SARL", "ice": "001525812000043",
           "rc_number": "12345", "rc_court": "Casablanca", "tax_id": "1234567", "phone": "0522334455",
           "city": "Casa", "received_at": "2024-01-01T00:00:00Z"}


def _levels(left: dict[str, Any], right: dict[str, Any], party: str) -> dict[str, int]:
    features = shipped_features([left, right], overused=frozenset())
    comparisons = PERSON_COMPARISONS if party == "person" else ORGANIZATION_COMPARISONS
    row = compare_pairs(features, comparisons, np.array([0]), np.array([1]))[0]
    return {comparison.name: int(level) for comparison, level in zip(comparisons, row, strict=True)}


@pytest.mark.parametrize(("change", "comparison", "level"), [
    ({}, "name", 1),
    ({"first_name": "Mohammed", "last_name": "Elidrissi"}, "name", 1),
    ({"first_name": "El Idrissi", "last_name": "Mohamed"}, "name", 1),
    ({"first_name": None}, "name", 7),  # one name given: a family name shared by a whole household
    ({"first_name": "Ahmed"}, "name", 8),  # both names given, the first ones differ
    ({"first_name": "Ahmed", "last_name": "Bennani"}, "name", 9),
    ({"birth_date": "1984-03-07"}, "birth_date", 1),
    ({"birth_date": "03/07/1984"}, "birth_date", 2),
    ({"birth_date": "07/03/1985"}, "birth_date", 2),
    ({"birth_date": "12/11/1984"}, "birth_date", 5),
    ({"birth_date": "20/10/1990"}, "birth_date", 6),
    ({"birth_date": "01/01/1900"}, "birth_date", 0),
    ({"national_id": "be 734519"}, "national_id", 1),
    ({"national_id": "BE734518"}, "national_id", 2),
    ({"national_id": "BE734518", "first_name": "Mhamed"}, "national_id", 2),  # a spelling of one name
    ({"national_id": "BE734518", "first_name": "Mohamed Amine"}, "national_id", 2),  # one part of a compound name
    ({"national_id": "BE734518", "first_name": "El Idrissi", "last_name": "Mohamed"}, "national_id", 2),  # swapped
    ({"national_id": "BE734518", "first_name": "Simo"}, "national_id", 2),  # a short form of one name
    ({"national_id": "BE734518", "first_name": "Hassan"}, "national_id", 3),  # twins: consecutive card numbers
    ({"national_id": "BE734579", "first_name": "Hassan"}, "national_id", 2),  # a mistyped digit is not a twin's card
    ({"national_id": "BE734518", "first_name": None, "last_name": None, "full_name": "Idrissi Hassan"},
     "national_id", 3),
    ({"national_id": "K419283"}, "national_id", 4),
    ({"national_id": "K4192833", "id_type": "PASSEPORT"}, "national_id", 5),
    ({"national_id": None}, "national_id", 0),
    ({"phone": "+212 6 61 23 45 67"}, "mobile", 1),
    # A client in France gives 06 61 23 45 67 to one channel (read as Moroccan) and +33 to another: one phone.
    ({"phone": "+33 6 61 23 45 67"}, "mobile", 1),
    ({"phone": "+33 6 61 23 45 68"}, "mobile", 2),
    ({"phone": "0600000000"}, "mobile", 0),
    ({"email": "nc@nc.com"}, "email", 0),
])
def test_person_levels(change: dict[str, Any], comparison: str, level: int) -> None:
    assert _levels(PERSON, {**PERSON, **change}, "person")[comparison] == level


@pytest.mark.parametrize(("change", "comparison", "level"), [
    ({"company_name": "Atlas Trans S.A.R.L."}, "company_name", 1),
    ({"company_name": "ATLAS TRANSPORT"}, "company_name", 3),
    ({"ice": "001525812000043"}, "ice", 1),
    ({"ice": "001525812000048"}, "ice", 2),  # one digit mistyped: the check digits fail, still this ICE
    ({"ice": "1525812000043"}, "ice", 1),  # leading zeros dropped by a spreadsheet
    ({"ice": "001525812000140"}, "ice", 3),  # a branch: same company, another establishment
    ({"ice": "002291648000058"}, "ice", 4),
    ({"ice": "002291648000018"}, "ice", 5),  # far from ours and failing its check digits: not proof
    ({"rc_court": "Rabat"}, "registry", 2),
    ({"rc_number": "98765", "rc_court": "Tanger"}, "registry", 3),  # a seat moved to another court: a new number
    ({"rc_number": "98765"}, "registry", 4),  # another number at the same court: another company
    ({"ice": "000000000000000"}, "ice", 0),
])
def test_organization_levels(change: dict[str, Any], comparison: str, level: int) -> None:
    assert _levels(COMPANY, {**COMPANY, **change}, "organization")[comparison] == level


BRUSSELS_SHOP = {"party_type": "organization", "company_name": "BOUZID BOUCHERIE SRL", "city": "Bruxelles"}


@pytest.mark.parametrize(("left", "right", "level"), [
    # A company in Belgium: one record gives its city in French, another only its Belgian phone.
    (BRUSSELS_SHOP, {**BRUSSELS_SHOP, "city": None, "phone": "0032 481 72 32 91"}, "same"),
    (BRUSSELS_SHOP, {**BRUSSELS_SHOP, "city": "Luik"}, "same"),
    (BRUSSELS_SHOP, {**BRUSSELS_SHOP, "city": "Lleida"}, "different"),
    (BRUSSELS_SHOP, COMPANY, "different"),  # a Moroccan city
    # A Moroccan mobile says nothing of the country: clients abroad keep theirs. A city the hub does not know neither.
    (BRUSSELS_SHOP, {**BRUSSELS_SHOP, "city": None, "phone": "0661500657"}, "missing"),
    (BRUSSELS_SHOP, {**BRUSSELS_SHOP, "city": "Bordeaux"}, "missing"),
])
def test_a_company_is_placed_in_its_country_by_its_city_or_its_phone(
        left: dict[str, Any], right: dict[str, Any], level: str) -> None:
    country = next(c for c in ORGANIZATION_COMPARISONS if c.name == "country")
    found = _levels(left, right, "organization")["country"]
    assert ("missing", *country.levels)[found] == level


@pytest.mark.parametrize(("left", "right", "level", "fact"), [
    ("07/03/1984", "07/03/1948", 2, "two adjacent digits of the year typed in the wrong order"),
    ("12/05/1984", "21/05/1984", 2, "the two digits of the day typed in the wrong order"),
    ("15/06/1980", "15/06/1979", 3, "the year worked out from the age the client gave, one off across a decade"),
    ("15/06/1979", "15/06/1981", 3, "the ages a register recorded at two dates, two years apart"),
    ("07/03/1984", "22/03/1984", 4, "the day written wrong, beyond one digit: month and year agree"),
    ("22/03/1984", "22/11/1984", 4, "the month written wrong, beyond one digit: day and year agree"),
    ("15/06/1980", "15/06/1974", 6, "six years apart is another person, even on the same day and month"),
])
def test_birth_date_levels_of_thin_evidence(left: str, right: str, level: int, fact: str) -> None:
    """Persons known only by name and birth date: how far apart two dates are still tells one person from two."""
    levels = _levels({**PERSON, "birth_date": left}, {**PERSON, "birth_date": right}, "person")
    assert levels["birth_date"] == level, fact


NO_ADDRESS = {**PERSON, "address_line": None, "postal_code": "TQ13 8DF"}


@pytest.mark.parametrize(("left", "right", "level"), [
    (NO_ADDRESS, {**NO_ADDRESS, "postal_code": "tq138df"}, 1),  # one code captured with and without its space
    (NO_ADDRESS, {**NO_ADDRESS, "postal_code": "TQ13 7AA"}, 2),  # a move within Newton Abbot, or a typo in the end
    (NO_ADDRESS, {**NO_ADDRESS, "postal_code": "EX1 1AA"}, 3),  # Exeter: another area
    ({**NO_ADDRESS, "postal_code": "75011"}, {**NO_ADDRESS, "postal_code": "75020"}, 2),  # Paris 11e, 20e
    ({**NO_ADDRESS, "postal_code": "75011"}, {**NO_ADDRESS, "postal_code": "93100"}, 3),
    (NO_ADDRESS, {**NO_ADDRESS, "postal_code": None}, 0),
    # Both address lines are compared: the code would count the same place twice (a household, twice).
    ({**NO_ADDRESS, "address_line": "12 rue des Fleurs"}, {**NO_ADDRESS, "address_line": "12 rue des Fleurs"}, 0),
    ({**NO_ADDRESS, "address_line": "12 rue des Fleurs"}, NO_ADDRESS, 1),
])
def test_postal_code_levels_where_an_address_is_missing(left: dict[str, Any], right: dict[str, Any],
                                                        level: int) -> None:
    """Clients abroad and persons-only registers carry a postal code and often no address line."""
    assert _levels(left, right, "person")["postal_code"] == level


@pytest.mark.parametrize(("left", "right", "level"), [
    ({**PERSON, "address_line": None}, {**PERSON, "city": "Dar el Beida"}, 1),
    ({**PERSON, "address_line": None}, {**PERSON, "city": "Casablnca"}, 2),
    ({**PERSON, "address_line": None}, {**PERSON, "city": "Rabat"}, 3),
    # A mother and her son at 12 rue des Fleurs: the address already says they share a home, the city would say it
    # again. Where the lines differ (a typo, a move), the town still tells whether the place is the same.
    (PERSON, {**PERSON, "first_name": "Youssef", "birth_date": "02/05/2009"}, 0),
    (PERSON, {**PERSON, "address_line": "12 rue des Fleures"}, 1),
    (PERSON, {**PERSON, "address_line": "5 rue de la Roquette", "city": "Paris"}, 3),
])
def test_the_city_speaks_where_the_address_lines_do_not_say_one_home(left: dict[str, Any], right: dict[str, Any],
                                                          level: int) -> None:
    assert _levels(left, right, "person")["city"] == level


def test_pairs_sharing_key_skips_missing_and_oversized_blocks() -> None:
    keys = np.array([5, 5, -1, 7, 7, 7, 9, -1])
    assert pairs_sharing_key(keys, cap=3).tolist() == [[0, 1], [3, 4], [3, 5], [4, 5]]
    assert pairs_sharing_key(keys, cap=2).tolist() == [[0, 1]]


def test_candidates_never_pair_a_person_with_a_company() -> None:
    owner = {**PERSON, "phone": "0661000001"}
    company = {**COMPANY, "company_name": "MOHAMED EL IDRISSI", "phone": "0661000001"}
    features = shipped_features([owner, company], overused=frozenset())
    assert len(candidate_pairs(features, RULES)) == 0


def test_a_value_shared_by_many_different_clients_is_blanked() -> None:
    records = [standardise_record({**PERSON, "first_name": name, "national_id": f"BE{i:06d}", "phone": "0661999999"})
               for i, name in enumerate(["Ali", "Omar", "Sara", "Nadia", "Karim", "Yassine", "Hind", "Reda"])]
    features = build_features(records, caps=SETTINGS.sharing_caps)
    assert ("mobile_1", "+212661999999") in features.overused
    assert (features.codes["mobile_1"] == -1).all()


def test_swapped_first_and_family_names_still_meet_through_the_postal_code() -> None:
    left = {"party_type": "person", "first_name": "Capurso", "last_name": "Ruby", "postal_code": "6233"}
    right = {"party_type": "person", "first_name": "Harrison", "last_name": "Capurso", "postal_code": "6233"}
    features = shipped_features([left, right], overused=frozenset())
    assert candidate_pairs(features, RULES).tolist() == [[0, 1]]


@pytest.mark.parametrize(("caps", "blanked"), [
    ({"email": 2}, {("email", "famille@gmail.com")}),
    ({"email": 3}, set()),
    ({}, set()),
])
def test_sharing_caps_are_configurable_per_feature(caps: dict[str, int], blanked: set[tuple[str, str]]) -> None:
    records = [standardise_record({**PERSON, "first_name": name, "national_id": None, "email": "famille@gmail.com"})
               for name in ("Ali", "Omar", "Sara")]
    assert build_features(records, caps=caps).overused == blanked


def _name_level(left: tuple[str, str], right: tuple[str, str]) -> str:
    records = [{"party_type": "person", "first_name": first, "last_name": last} for first, last in (left, right)]
    level = _levels(*records, "person")["name"]
    return PERSON_COMPARISONS[0].levels[level - 1]


@pytest.mark.parametrize(("left", "right", "level"), [
    # One client, a short form in one source and the full name in another.
    (("Robert", "Day"), ("Bob", "Day"), "given_name_variant"),
    (("Francisco", "Ruiz"), ("Paco", "Ruiz"), "given_name_variant"),
    (("Mohamed", "El Idrissi"), ("Simo", "Idrissi"), "given_name_variant"),
    # A middle name in the first-name field, dropped by another source.
    (("Jean Marie", "Roux"), ("Jean", "Roux"), "given_name_variant"),
    # Initials only: as true of Jean-Pierre as of a Jean-Paul of the same household, weaker evidence.
    (("Jean Pierre", "Roux"), ("J.-P.", "Roux"), "given_name_initials"),
    # Spellings a ratio misses but the ear does not.
    (("Jeff", "Lee"), ("Geoff", "Leigh"), "sounds_alike"),
    # A household: one family name, two given names that name two people.
    (("Mohamed", "Alami"), ("Ahmed", "Alami"), "one_name_close"),
    (("Paco", "Ruiz"), ("Nacho", "Ruiz"), "one_name_close"),
])
def test_given_names_that_name_one_person_have_their_own_levels(
        left: tuple[str, str], right: tuple[str, str], level: str) -> None:
    assert _name_level(left, right) == level


def _rule_pairs(rule_name: str, *records: dict[str, Any]) -> list[list[int]]:
    features = shipped_features(records, overused=frozenset())
    rules = tuple(rule for rule in RULES if rule.name == rule_name)
    return candidate_pairs(features, rules).tolist()


@pytest.mark.parametrize(("rule", "left", "right", "paired"), [
    # A family name misspelt beyond transliteration, and a birth date typed wrong on the day: one client.
    ("family_sound_birth_year", ("Mary", "Smith", "1931-02-11"), ("Maria", "Smyth", "1931-11-02"), True),
    ("family_sound_birth_year", ("Mary", "Smith", "1931-02-11"), ("Mary", "Smith", "1932-02-11"), False),
    # A short form in one source, the full name in another; a middle name dropped.
    ("given_root_family", ("Bob", "Day", None), ("Robert", "Day", None), True),
    ("given_root_family", ("Chema", "Ruiz", None), ("José", "Ruiz", None), True),
    ("given_root_family", ("Mohamed Amine", "Alami", None), ("Mohamed", "Alami", None), True),
    # A household: one family name, two given names.
    ("given_root_family", ("Paco", "Ruiz", None), ("Nacho", "Ruiz", None), False),
])
def test_name_rules_pair_what_names_one_person(rule: str, left: tuple[str, str, str | None],
                                              right: tuple[str, str, str | None], paired: bool) -> None:
    records = [{"party_type": "person", "first_name": first, "last_name": last, "birth_date": born}
               for first, last, born in (left, right)]
    assert (_rule_pairs(rule, *records) == [[0, 1]]) is paired


def test_the_persisted_keys_are_the_keys_a_record_arriving_online_looks_up() -> None:
    records = [standardise_record({"party_type": "person", "first_name": first, "last_name": "Smyth",
                                   "birth_date": "1931-02-11"}) for first in ("Tommy", "Thomas")]
    features = build_features(records, overused=frozenset())
    positions, texts = key_texts(features, RULES)
    for position in range(len(records)):
        values = {name: features.value(name, position) for name in features.codes}
        assert sorted(record_keys(PERSON_PARTY, values, RULES)) == sorted(
            text for at, text in zip(positions, texts, strict=True) if at == position)
    assert {text for text in texts if text.startswith("given_root_family:")} == {"given_root_family:TUMAS|SMIT"}


@pytest.mark.parametrize(("left", "right", "paired"), [
    # A client in France: their mobile in French notation (read as Moroccan) in one channel, with +33 in another.
    ("06 61 23 45 67", "+33 6 61 23 45 67", True),
    ("0033661234567", "+212661234567", True),
    ("06 61 23 45 67", "06 61 23 45 76", False),
])
def test_the_mobile_rule_pairs_one_phone_written_with_another_country_code(left: str, right: str,
                                                                            paired: bool) -> None:
    records = [{"party_type": "person", "first_name": first, "last_name": "Alami", "phone": phone}
               for first, phone in (("Samir", left), ("Karim", right))]
    assert (_rule_pairs("mobile", *records) == [[0, 1]]) is paired
