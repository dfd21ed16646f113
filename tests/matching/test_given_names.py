"""Given names that name one person: short forms, initials and middle names in the first-name field."""

from pathlib import Path

import pytest

from matching.given_names import (
    INITIALS,
    VARIANT,
    compare_given_names,
    given_name_root,
    read_variant_groups,
    variant_groups,
)
from matching.names import parse_person_name, phonetic_key, transliteration_key


def units(raw: str) -> tuple[str, ...]:
    return parse_person_name(raw).units


@pytest.mark.parametrize(("name", "other"), [
    # One client captured under a short form by one agent and the full name by another.
    ("Thomas", "Tommy"), ("Robert", "Bob"), ("William", "Bill"), ("Elizabeth", "Betty"), ("Margaret", "Peggy"),
    ("José", "Pepe"), ("Francisco", "Paco"), ("Dolores", "Lola"), ("Ignacio", "Nacho"), ("José María", "Chema"),
    ("Mohammed", "Simo"), ("Mohamed", "Med"), ("Brahim", "Ibrahim"), ("Kathryn", "Kate"), ("Teresa", "Tere"),
    # Middle names in the first-name field, kept by one source and dropped by another.
    ("Jean Marie", "Jean"), ("Mary Ann", "Mary"), ("Mohamed Amine", "Amine"), ("Fatima Zahra", "Fatima"),
    ("Jean Pierre", "Jean P."),
])
def test_short_forms_and_middle_names_name_one_person(name: str, other: str) -> None:
    assert compare_given_names(units(name), units(other)) == VARIANT
    assert compare_given_names(units(other), units(name)) == VARIANT


@pytest.mark.parametrize(("name", "other"), [("Jean Pierre", "J.-P."), ("Jean Pierre", "JP"), ("Jean", "J.")])
def test_initials_agree_only_as_initials(name: str, other: str) -> None:
    assert compare_given_names(units(name), units(other)) == INITIALS


@pytest.mark.parametrize(("name", "other"), [
    # A household: different given names beside one family name are different clients.
    ("John", "Jane"), ("Mohamed", "Ahmed"), ("Hassan", "Houcine"), ("Jean Pierre", "Jean Paul"),
    # Two full names sharing a short form (Albert and Robert are both BERT) stay two names.
    ("Albert", "Robert"), ("Alexander", "Alexandra"), ("Patrick", "Peter"),
    # A short form is read by its spelling: JEN is Jennifer's, and JEAN, whose key it shares, is not.
    ("Jennifer", "Jean"),
    # Translations are different names; ISSA is not a short form of ISABELLE.
    ("John", "Juan"), ("Issa", "Isabelle"),
    ("J. P.", "Jean Marc"),
])
def test_different_given_names_do_not_agree(name: str, other: str) -> None:
    assert compare_given_names(units(name), units(other)) is None


@pytest.mark.parametrize(("names", "root"), [
    (("Tom", "Tommy", "Thomas"), "Thomas"),
    (("Paco", "Pancho", "Francisco Javier"), "Francisco"),
    (("Chema", "José María", "Pepe"), "José"),
    (("Simo", "Mohammed", "Med Amine"), "Mohamed"),
])
def test_short_forms_share_the_root_of_their_full_name(names: tuple[str, ...], root: str) -> None:
    assert {given_name_root(units(name)) for name in names} == {transliteration_key(parse_person_name(root).units[0])}


def test_initials_have_no_root() -> None:
    assert given_name_root(units("J. P.")) is None


def test_every_name_of_the_shipped_groups_is_read_as_a_name() -> None:
    groups = variant_groups()
    assert len(groups.roots) > 100
    assert all(spelling for spelling in groups.by_spelling)


def test_groups_are_read_from_a_file_the_team_can_extend(tmp_path: Path) -> None:
    path = tmp_path / "variants.csv"
    path.write_text("# full name first\nGuillaume,Guigui\n", encoding="utf-8")
    groups = read_variant_groups(path)
    assert groups.of(units("Guigui")) == groups.of(units("Guillaume")) == frozenset({0})


@pytest.mark.parametrize(("name", "other", "alike"), [
    ("STEPHEN", "STEVEN", True), ("SMITH", "SMYTH", True), ("CATHERINE", "KATHRYN", True),
    ("MOHAMED", "MOHAMMED", True), ("JEFF", "GEOFF", True), ("WRIGHT", "RITE", True), ("EL IDRISSI", "IDRISSI", True),
    ("SMITH", "SCHMIDT", False), ("ALAMI", "ALAOUI", False), ("JOHN", "JAMES", False),
])
def test_names_that_sound_alike_share_a_phonetic_key(name: str, other: str, alike: bool) -> None:
    key, other_key = (phonetic_key(units(word)) for word in (name, other))
    assert (key == other_key) is alike
