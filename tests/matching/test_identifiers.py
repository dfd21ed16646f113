"""Identifier standardisation: identity documents, ICE, RC, IF, phones and e-mails."""

import random

import phonenumbers
import pytest
from stdnum.ma import ice as stdnum_ice

from matching.identifiers import (
    OTHER_ID_TYPE,
    host_country_of_phone,
    parse_ice,
    parse_identity_document,
    parse_phone,
    parse_rc_number,
    split_phone_numbers,
    standardise_email,
    standardise_id_type,
    standardise_registry_number,
)
from matching.types import IdentityDocument, Phone

HEAD_OFFICE_ICE = "001561191000066"  # a valid ICE: company 001561191, establishment 0000


def ice_with_check_digits(company: str, establishment: str) -> str:
    """Return a valid ICE for a company and establishment part (its check digits make it divisible by 97)."""
    body = company + establishment
    number = body + f"{-int(body) * 100 % 97:02d}"
    assert stdnum_ice.is_valid(number)
    return number


# ---------------------------------------------------------------- identity documents


@pytest.mark.parametrize(
    ("raw", "id_type"),
    [
        ("CIN", "CIN"),
        ("cin", "CIN"),
        ("C.I.N", "CIN"),
        ("C.I.N.", "CIN"),
        ("CNIE", "CIN"),
        ("CNI", "CIN"),
        ("Carte Nationale", "CIN"),
        ("carte nationale d'identité", "CIN"),
        ("PASSEPORT", "PASSPORT"),
        ("Passport", "PASSPORT"),
        ("PP", "PASSPORT"),
        ("CARTE SEJOUR", "RESIDENCE_PERMIT"),
        ("Carte de séjour", "RESIDENCE_PERMIT"),
        ("TITRE DE SEJOUR", "RESIDENCE_PERMIT"),
        ("Permis de conduire", "DRIVING_LICENCE"),
        ("LIVRET DE FAMILLE", OTHER_ID_TYPE),
    ],
)
def test_id_type_is_canonical(raw: str, id_type: str) -> None:
    assert standardise_id_type(raw) == id_type


@pytest.mark.parametrize(
    ("id_type", "raw", "document"),
    [
        ("CIN", "BE123456", IdentityDocument("CIN", "BE123456", True)),
        ("CIN", "be 123456", IdentityDocument("CIN", "BE123456", True)),
        ("CIN", "BE-123456", IdentityDocument("CIN", "BE123456", True)),
        ("CIN", "B.E 123456", IdentityDocument("CIN", "BE123456", True)),
        ("CIN", "BE012345", IdentityDocument("CIN", "BE12345", True)),
        ("CIN", "BE 12345", IdentityDocument("CIN", "BE12345", True)),
        ("CIN", "A 0700123", IdentityDocument("CIN", "A700123", True)),
        (None, "ZG 982103", IdentityDocument("CIN", "ZG982103", True)),  # reads as a CIN: taken as one
        (None, "12345678", IdentityDocument(None, "12345678", True)),
        ("CIN", "12345678", IdentityDocument("CIN", "12345678", False)),
        ("CIN", "ABC12345", IdentityDocument("CIN", "ABC12345", False)),
        ("PASSPORT", "ab 1234567", IdentityDocument("PASSPORT", "AB1234567", True)),
        ("PASSPORT", "AB0123456", IdentityDocument("PASSPORT", "AB0123456", True)),  # a passport keeps its zeros
        ("PASSPORT", "ABC", IdentityDocument("PASSPORT", "ABC", False)),
        ("RESIDENCE_PERMIT", "E-123456-K", IdentityDocument("RESIDENCE_PERMIT", "E123456K", True)),
    ],
)
def test_identity_document_is_canonical(id_type: str | None, raw: str, document: IdentityDocument) -> None:
    assert parse_identity_document(id_type, raw) == document


def test_identity_document_of_nothing_is_none() -> None:
    assert parse_identity_document("CIN", " - / ") is None


def test_cin_one_digit_apart_stays_apart() -> None:
    first = parse_identity_document("CIN", "BE123456")
    second = parse_identity_document("CIN", "BE123457")
    assert first is not None and second is not None and first.number != second.number


# ---------------------------------------------------------------- ICE, RC, IF, TP


@pytest.mark.parametrize(
    "raw",
    [HEAD_OFFICE_ICE, "001 561 191 000 066", "001.561.191.000.066", "001-561191-0000-66", "1561191000066"],
)
def test_ice_is_split_into_its_parts(raw: str) -> None:
    ice = parse_ice(raw)
    assert ice is not None
    assert (ice.number, ice.company, ice.establishment, ice.check, ice.checksum_ok) == (
        HEAD_OFFICE_ICE,
        "001561191",
        "0000",
        "66",
        True,
    )


def test_branch_keeps_its_establishment_part() -> None:
    branch = parse_ice(ice_with_check_digits("001561191", "0002"))
    head_office = parse_ice(HEAD_OFFICE_ICE)
    assert branch is not None and head_office is not None
    assert branch.company == head_office.company
    assert (branch.establishment, head_office.establishment) == ("0002", "0000")
    assert branch.number != head_office.number
    assert branch.checksum_ok


def test_ice_with_wrong_check_digits_keeps_its_parts_flagged() -> None:
    ice = parse_ice("001561191000065")
    assert ice is not None
    assert (ice.company, ice.establishment, ice.checksum_ok) == ("001561191", "0000", False)


@pytest.mark.parametrize("raw", ["12345", "0015611910000661", "00156119100006A", "ICE NEANT", "156119100006"])
def test_ice_that_is_not_fifteen_digits_is_not_an_ice(raw: str) -> None:
    assert parse_ice(raw) is None


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("39743482", "39743482"),
        ("IF 39743482", "39743482"),
        ("I.F. N° 0039743482", "39743482"),
        ("0012345", "12345"),
        ("12 345 678", "12345678"),
        ("TP 45678901", "45678901"),
        ("NEANT", None),
        ("12A45", None),
    ],
)
def test_registry_number_is_its_digits(raw: str, number: str | None) -> None:
    assert standardise_registry_number(raw) == number


@pytest.mark.parametrize(
    ("raw", "number", "court"),
    [
        ("201044", "201044", None),
        ("RC 201044", "201044", None),
        ("R.C. N° 0201044", "201044", None),
        ("12345/CASA", "12345", "CASABLANCA"),
        ("12345 - Tanger", "12345", "TANGER"),
        ("RC GUELMIM 123", "123", "GUELMIM"),
        ("NEANT", None, None),
    ],
)
def test_rc_number_and_the_court_written_beside_it(raw: str, number: str | None, court: str | None) -> None:
    assert parse_rc_number(raw) == (number, court)


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("0612345678", Phone("+212612345678", "mobile")),
        ("06 12 34 56 78", Phone("+212612345678", "mobile")),
        ("06.12.34.56.78", Phone("+212612345678", "mobile")),
        ("06-12-34-56-78", Phone("+212612345678", "mobile")),
        ("+212612345678", Phone("+212612345678", "mobile")),
        ("+212 6 12 34 56 78", Phone("+212612345678", "mobile")),
        ("+212 (0)6 12 34 56 78", Phone("+212612345678", "mobile")),
        ("00212612345678", Phone("+212612345678", "mobile")),
        ("00212 6 12 34 56 78", Phone("+212612345678", "mobile")),
        ("212612345678", Phone("+212612345678", "mobile")),
        ("612345678", Phone("+212612345678", "mobile")),
        ("0700112233", Phone("+212700112233", "mobile")),
        ("0522123456", Phone("+212522123456", "fixed")),
        ("05 37 74 89 66", Phone("+212537748966", "fixed")),
        ("0800123456", Phone("+212800123456", "other")),
        ("+33 6 12 34 56 78", Phone("+33612345678", "mobile")),
        ("+33 1 42 68 53 00", Phone("+33142685300", "fixed")),
        ("0749325097", Phone("+212749325097", "mobile", allocated=False)),
        ("0539102879", Phone("+212539102879", "fixed", allocated=False)),
        # Clients abroad give their number as their host country writes it.
        ("07964 663 697", Phone("+447964663697", "mobile")),  # a UK mobile
        ("0473/01 84 97", Phone("+32473018497", "mobile")),  # a Belgian mobile, zone and number split by a slash
        ("33612345678", Phone("+33612345678", "mobile")),  # the country code without its +
        ("34686503309", Phone("+34686503309", "mobile")),
        # Written with its country code and of a possible length for that country, outside the ranges the library
        # knows (a Reunion mobile under France's code, a range opened later): what the client wrote, kept.
        ("+33 6 93 22 69 01", Phone("+33693226901", "other", allocated=False)),
        ("0031690503375", Phone("+31690503375", "other", allocated=False)),
        ("33702554881", Phone("+33702554881", "other", allocated=False)),
        ("+33 6 12 34", None),  # too short for France
        ("+212 2 091318462", None),  # too long for Morocco
        ("052212345", None),
        ("0912345678", None),  # a French VoIP line read into a junk number would be evidence of nothing
        ("12", None),
        ("pas de tel", None),
    ],
)
def test_phone_is_e164_with_its_kind(raw: str, phone: Phone | None) -> None:
    assert parse_phone(raw) == phone


def test_a_phone_of_a_host_country_names_it() -> None:
    assert [host_country_of_phone(number) for number in ("+32481723291", "+33612345678", "+212661500657",
                                                         "+351912345678")] == ["BE", "FR", None, None]


def test_moroccan_fast_path_agrees_with_phonenumbers() -> None:
    draw = random.Random(20240307)
    for _ in range(3000):
        national = draw.choice("5678") + "".join(draw.choice("0123456789") for _ in range(8))
        expected = phonenumbers.parse("0" + national, "MA")
        phone = parse_phone("0" + national)
        assert phone is not None
        assert phone.allocated == phonenumbers.is_valid_number(expected), national
        if phone.allocated:
            assert phone.number == phonenumbers.format_number(expected, phonenumbers.PhoneNumberFormat.E164)
            expected_kind = {
                phonenumbers.PhoneNumberType.MOBILE: "mobile",
                phonenumbers.PhoneNumberType.FIXED_LINE: "fixed",
            }.get(phonenumbers.number_type(expected), "other")
            assert phone.kind == expected_kind, national


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("0612345678", ["0612345678"]),
        ("0612345678 / 0522123456", ["0612345678 ", " 0522123456"]),
        ("0612345678;0522123456", ["0612345678", "0522123456"]),
        ("0612345678, ", ["0612345678"]),
        ("0473/018497", ["0473/018497"]),  # a slash inside a Belgian number
    ],
)
def test_phone_field_may_hold_several_numbers(raw: str, parts: list[str]) -> None:
    assert split_phone_numbers(raw) == parts


# ---------------------------------------------------------------- e-mails


@pytest.mark.parametrize(
    ("raw", "email"),
    [
        ("  Ali.Alami@Hotmail.FR ", "ali.alami@hotmail.fr"),
        ("ali.alami@hotmail.fr", "ali.alami@hotmail.fr"),  # dots matter outside Gmail
        ("a.li.alami@gmail.com", "alialami@gmail.com"),
        ("Ali.Alami+assurance@gmail.com", "alialami@gmail.com"),
        ("ali.alami@googlemail.com", "alialami@gmail.com"),
        ("mailto:ali@menara.ma", "ali@menara.ma"),
        ("<ali@menara.ma>", "ali@menara.ma"),
        ("ali@menara.ma.", "ali@menara.ma"),
        ("ali@gmail..com", None),
        ("ALI@GMAILCOM", None),
        ("ali.gmail.com", None),
        ("ali@@gmail.com", None),
        ("ali alami@gmail.com", None),
        ("@gmail.com", None),
    ],
)
def test_email_is_its_canonical_mailbox(raw: str, email: str | None) -> None:
    assert standardise_email(raw) == email
