"""Placeholder detection by rule (frequency-based detection lives with the features it blanks)."""

from datetime import date

import pytest

from matching.junk import (
    is_placeholder_birth_date,
    is_placeholder_document_number,
    is_placeholder_email,
    is_placeholder_ice,
    is_placeholder_phone,
    is_placeholder_registry_number,
    is_placeholder_text,
)
from matching.places import parse_address
from matching.text import fold_text, split_words

TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    ("raw", "placeholder"),
    [
        ("0600000000", True),
        ("0611111111", True),
        ("0000000000", True),
        ("0612345678", True),
        ("0698765432", True),
        ("0666666666", True),
        ("0500000000", True),
        ("+212600000000", True),
        ("06 00 00 00 00", True),
        ("0606060606", True),
        ("0660000000", True),
        ("0", True),
        ("-", True),
        ("0661234567", False),
        ("0522987412", False),
        ("+33142685300", False),
        ("0612121314", False),
    ],
)
def test_placeholder_phone(raw: str, placeholder: bool) -> None:
    assert is_placeholder_phone(raw) is placeholder


@pytest.mark.parametrize(
    ("email", "placeholder"),
    [
        ("nc@nc.com", True),
        ("test@test.com", True),
        ("xx@xx.xx", True),
        ("a@a.a", True),
        ("a@a.com", True),
        ("aucun@aucun.com", True),
        ("aucun@gmail.com", True),
        ("noemail@gmail.com", True),
        ("no-email@hotmail.fr", True),
        ("pas.de.mail@gmail.com", True),
        ("noreply@banque.ma", True),
        ("no-reply@banque.ma", True),
        ("ne-pas-repondre@assurance.ma", True),
        ("xxxx@gmail.com", True),
        ("client@client.ma", True),
        ("ali@example.com", True),
        ("ali.alami@gmail.com", False),
        ("contact@atlas-transport.ma", False),
        ("nadia@menara.ma", False),
        ("nc.alami@gmail.com", False),
    ],
)
def test_placeholder_email(email: str, placeholder: bool) -> None:
    assert is_placeholder_email(email) is placeholder


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        (date(1900, 1, 1), True),
        (date(1901, 1, 1), True),
        (date(2030, 1, 1), True),  # in the future
        (TODAY, True),  # the day of capture: the operator's default
        (date(1970, 1, 1), False),  # 1 January is the civil registers' date for an unknown day
        (date(1984, 3, 7), False),
        (date(1900, 1, 2), False),
    ],
)
def test_placeholder_birth_date(value: date, placeholder: bool) -> None:
    assert is_placeholder_birth_date(value, TODAY) is placeholder


@pytest.mark.parametrize(
    ("number", "placeholder"),
    [
        ("AA000000", True),
        ("X000000", True),
        ("A0", True),
        ("123456", True),
        ("AB123456", True),
        ("BE654321", True),
        ("NEANT", True),
        ("BE111111", True),
        ("BE123457", False),
        ("A700123", False),
        ("ZG982103", False),
    ],
)
def test_placeholder_document_number(number: str, placeholder: bool) -> None:
    assert is_placeholder_document_number(number) is placeholder


@pytest.mark.parametrize(
    ("number", "placeholder"),
    [
        ("000000000000000", True),
        ("111111111111111", True),
        ("999999999999999", True),
        ("123456789012345", True),
        ("000000000000001", True),  # a company part of zeros
        ("001561191000066", False),
    ],
)
def test_placeholder_ice(number: str, placeholder: bool) -> None:
    assert is_placeholder_ice(number) is placeholder


@pytest.mark.parametrize(
    ("digits", "placeholder"),
    [("0", True), ("00000", True), ("11111111", True), ("1234567", True), ("1234", False), ("39743482", False)],
)
def test_placeholder_registry_number(digits: str, placeholder: bool) -> None:
    assert is_placeholder_registry_number(digits) is placeholder


@pytest.mark.parametrize(
    ("raw", "placeholder"),
    [
        ("X", True),
        ("XX", True),
        ("xxx", True),
        ("INCONNU", True),
        ("Inconnue", True),
        ("TEST", True),
        ("CLIENT", True),
        ("CLIENT DIVERS", True),
        ("Client de passage", False),  # DE is a word of its own here; addresses and names drop it elsewhere
        ("A COMPLETER", True),
        ("NEANT", True),
        ("N/A", True),
        ("NC", True),
        ("nan", True),  # an empty cell of a legacy export written through a data frame
        ("-", True),
        (".", True),
        ("", True),
        ("123", True),
        ("ALAMI", False),
        ("XAVIER", False),
        ("NADIA", False),
        ("NAJI", False),
    ],
)
def test_placeholder_text(raw: str, placeholder: bool) -> None:
    assert is_placeholder_text(split_words(fold_text(raw))) is placeholder


@pytest.mark.parametrize(
    ("raw", "placeholder"),
    [
        ("NEANT", True),
        ("INCONNU", True),
        (".", True),
        ("-", True),
        ("NC", True),
        ("nan", True),  # an empty cell of a legacy export written through a data frame
        ("SANS", True),
        ("X", True),
        ("SANS ADRESSE", True),
        ("PAS D'ADRESSE", True),
        ("ADRESSE INCONNUE", True),
        ("Non communiquée", True),
        ("0", True),
        ("12 RUE DES FLEURS", False),
        ("HAY SALAM", False),
    ],
)
def test_placeholder_address(raw: str, placeholder: bool) -> None:
    assert is_placeholder_text(parse_address(raw)) is placeholder
