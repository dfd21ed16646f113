"""The single entry point: one raw source record to its standardised record."""

from datetime import date

import pytest

from matching.dates import BirthDateWindow
from matching.standardise import StandardisedRecord, standardise_record
from matching.types import Ice

PERSON = {
    "source_system": "AGENT",
    "source_record_id": "AG1",
    "received_at": "2024-06-01T10:00:00Z",
    "party_type": "person",
    "civility": "Mme",
    "first_name": "Khadîja",
    "last_name": "El Idrissi",
    "birth_date": "07/03/1984",
    "id_type": "C.I.N",
    "national_id": "be-012345",
    "phone": "06 61 23 45 67",
    "phone_alt": "05.22.98.74.12",
    "email": " K.Idrissi+assur@Gmail.com ",
    "address_line": "N° 12, Bd Zerktouni, Résid. Al Amal",
    "city": "Casa",
    "postal_code": "20250",
}

COMPANY = {
    "source_system": "COURTIER",
    "source_record_id": "CT1",
    "received_at": "2024-06-01",
    "party_type": "organization",
    "company_name": "STE ATLAS TRANSPORT S.A.R.L A.U",
    "trade_name": "Atlas Express",
    "legal_form": "SARL",
    "ice": "001 561 191 000 066",
    "rc_number": "RC 201044",
    "rc_court": "Tribunal de commerce de Casablanca",
    "tax_id": "IF 39743482",
    "professional_tax_number": "T.P 0045378901",
    "contact_person": "M. Youssef Bennani",
    "phone": "0522123456",
    "email": "contact@atlas-transport.ma",
    "address_line": "Zone industrielle Ain Sebaa lot 4",
    "city": "CASABLANCA",
}


def test_person_record() -> None:
    record = standardise_record(PERSON)
    assert record.party_type == "person"
    assert (record.civility, record.gender) == ("MME", "F")
    assert (record.first_name, record.last_name) == ("KHADIJA", "EL IDRISSI")
    assert (record.first_name_key, record.family_name_key) == ("KADIJA", "IDRISI")
    assert record.name_tokens == ("KHADIJA", "EL", "IDRISSI")
    assert record.name_keys == frozenset({"KADIJA", "IDRISI"})
    assert record.name_sorted_key == "IDRISI KADIJA"
    assert (record.birth_date, record.birth_date_swapped) == (date(1984, 3, 7), date(1984, 7, 3))
    assert record.birth_date_ambiguous
    assert (record.id_type, record.national_id) == ("CIN", "BE12345")
    assert (record.mobile_phones, record.fixed_phones) == (("+212661234567",), ("+212522987412",))
    assert record.email == "kidrissi@gmail.com"
    assert record.address_tokens == ("12", "BOULEVARD", "ZERKTOUNI", "RESIDENCE", "AL", "AMAL")
    assert record.address == "12 BOULEVARD ZERKTOUNI RESIDENCE AL AMAL"
    assert (record.city, record.postal_code) == ("CASABLANCA", "20250")
    assert record.junk_fields == frozenset()
    assert record.invalid_fields == frozenset()


def test_company_record() -> None:
    record = standardise_record(COMPANY)
    assert record.party_type == "organization"
    assert record.company_name == "ATLAS TRANSPORT"
    assert record.company_name_tokens == ("ATLAS", "TRANSPORT")
    assert record.company_name_key == "ATLASTRANSPORT"
    assert record.trade_name == "ATLAS EXPRESS"
    assert record.legal_form == "SARLAU"  # the name says more than the declared SARL
    assert record.ice == Ice("001561191000066", "001561191", "0000", "66", checksum_ok=True)
    assert (record.rc_number, record.rc_court) == ("201044", "CASABLANCA")
    assert (record.tax_id, record.professional_tax_number) == ("39743482", "45378901")
    assert record.contact_name_key == "BANANI IUSAF"
    assert record.fixed_phones == ("+212522123456",)
    assert record.city == "CASABLANCA"
    assert record.first_name is None and record.name_keys == frozenset()


def test_full_name_only_record_compares_whatever_the_order() -> None:
    split = standardise_record({"first_name": "Mohamed", "last_name": "El Alami"})
    fused = standardise_record({"full_name": "ALAMI MOHAMED"})
    assert fused.name_sorted_key == split.name_sorted_key == "ALAMI MUHAMAD"
    assert fused.name_keys == split.name_keys
    assert (fused.first_name, fused.last_name, fused.first_name_key, fused.family_name_key) == (None,) * 4
    assert fused.name_tokens == ("ALAMI", "MOHAMED")


def test_full_name_is_ignored_when_first_and_last_are_given() -> None:
    record = standardise_record({"first_name": "Mohamed", "last_name": "Alami", "full_name": "ALAMI MOHAMED"})
    assert record.name_tokens == ("MOHAMED", "ALAMI")


def test_civility_inside_the_name_is_used_when_the_field_is_missing() -> None:
    record = standardise_record({"full_name": "M. ALAMI Mohamed"})
    assert (record.civility, record.gender, record.name_tokens) == ("MR", "M", ("ALAMI", "MOHAMED"))


@pytest.mark.parametrize("missing", ["", "   ", None, "absent"])
def test_empty_null_and_absent_all_mean_missing(missing: str | None) -> None:
    raw: dict[str, str | None] = {"first_name": "Ali", "last_name": "Tazi", "party_type": "person"}
    if missing != "absent":
        raw.update({field: missing for field in ("birth_date", "national_id", "phone", "email", "city", "ice")})
    record = standardise_record(raw)
    assert record == standardise_record({"first_name": "Ali", "last_name": "Tazi", "party_type": "person"})
    assert record.birth_date is None and record.national_id is None and record.email is None
    assert record.junk_fields == record.invalid_fields == frozenset()


@pytest.mark.parametrize(
    ("field", "raw", "attribute"),
    [
        ("phone", "0600000000", "mobile_phones"),
        ("phone_alt", "0611111111", "mobile_phones"),
        ("email", "nc@nc.com", "email"),
        ("birth_date", "01/01/1900", "birth_date"),
        ("birth_date", "2030-05-01", "birth_date"),
        ("birth_date", "30/12/1899", "birth_date"),  # day zero of a spreadsheet: an empty date cell exported
        ("birth_date", "11/11/1111", "birth_date"),
        ("postal_code", "00000", "postal_code"),
        ("national_id", "AA000000", "national_id"),
        ("address_line", "NEANT", "address_tokens"),
        ("city", "INCONNU", "city"),
        ("first_name", "XX", "first_name"),
        ("last_name", "INCONNU", "last_name"),
        ("full_name", "CLIENT TEST", "name_tokens"),
        ("company_name", "TEST", "company_name_tokens"),
        ("ice", "000000000000000", "ice"),
        ("rc_number", "00000", "rc_number"),
        ("tax_id", "11111111", "tax_id"),
        ("professional_tax_number", "1234567", "professional_tax_number"),
    ],
)
def test_placeholders_are_named_and_never_kept_as_evidence(field: str, raw: str, attribute: str) -> None:
    record = standardise_record({"received_at": "2024-06-01", field: raw})
    assert record.junk_fields == frozenset({field})
    assert getattr(record, attribute) in (None, (), frozenset())


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("birth_date", "31/02/1990"),
        ("email", "ali@gmailcom"),
        ("phone", "052212345"),
        ("postal_code", "200"),
        ("postal_code", "NEANT"),
        ("postal_code", "BP 1234"),  # a post-office box, not a code
        ("civility", "Sir"),
        ("id_type", "LIVRET DE FAMILLE"),
        ("legal_form", "FONDATION"),
        ("tax_id", "NEANT"),
    ],
)
def test_malformed_values_are_named_as_invalid(field: str, raw: str) -> None:
    record = standardise_record({field: raw})
    assert record.invalid_fields == frozenset({field})
    assert record.junk_fields == frozenset()


def test_malformed_national_id_is_kept_for_exact_comparison() -> None:
    record = standardise_record({"id_type": "CIN", "national_id": "12345X"})
    assert (record.national_id, record.invalid_fields) == ("12345X", frozenset({"national_id"}))


def test_ice_of_wrong_length_is_kept_apart() -> None:
    record = standardise_record({"ice": "0015 6119 1000"})
    assert (record.ice, record.ice_invalid, record.invalid_fields) == (None, "001561191000", frozenset({"ice"}))


def test_branch_and_head_office_share_only_the_company_part() -> None:
    body = "001561191" + "0003"
    branch_number = body + f"{-int(body) * 100 % 97:02d}"
    head_office = standardise_record({**COMPANY, "ice": "001561191000066"})
    branch = standardise_record({**COMPANY, "ice": branch_number})
    assert head_office.ice is not None and branch.ice is not None
    assert head_office.ice.company == branch.ice.company
    assert head_office.ice.establishment != branch.ice.establishment


def test_unallocated_phone_is_kept_and_flagged() -> None:
    record = standardise_record({"phone": "0749325097"})
    assert (record.mobile_phones, record.invalid_fields) == (("+212749325097",), frozenset({"phone"}))


def test_phones_from_both_fields_are_merged_without_repeats() -> None:
    record = standardise_record({"phone": "0661234567 / 0522987412", "phone_alt": "+212661234567"})
    assert (record.mobile_phones, record.fixed_phones) == (("+212661234567",), ("+212522987412",))


@pytest.mark.parametrize(
    ("raw", "code"),
    [("TQ13 8DF", "TQ138DF"), ("tq13-8df", "TQ138DF"), ("1012 AB", "1012AB"), ("NL-1012 ab", "1012AB"),
     ("1000", "1000"), ("K1A 0B1", "K1A0B1")],
)
def test_postal_code_of_another_country_is_kept_and_named_as_not_moroccan(raw: str, code: str) -> None:
    """A Moroccan living in Exeter or Amsterdam: the code is evidence for matching, and a data-quality finding."""
    record = standardise_record({"postal_code": raw})
    assert (record.postal_code, record.invalid_fields) == (code, frozenset({"postal_code"}))


@pytest.mark.parametrize("raw", ["75011", "28001", "F-75011", "75011 CEDEX 11", "20 250"])
def test_five_digit_postal_code_is_kept_without_finding(raw: str) -> None:
    record = standardise_record({"postal_code": raw})
    assert record.postal_code is not None and len(record.postal_code) == 5
    assert record.invalid_fields == frozenset()


def test_birth_date_before_the_window_is_kept_and_named_as_invalid() -> None:
    """A client of an old register born in 1887: still evidence, reported by the journal."""
    record = standardise_record({"birth_date": "12/05/1887", "received_at": "2024-06-01"})
    assert (record.birth_date, record.invalid_fields) == (date(1887, 5, 12), frozenset({"birth_date"}))


def test_birth_date_window_is_a_setting() -> None:
    window = BirthDateWindow(date(1850, 1, 1))
    record = standardise_record({"birth_date": "12/05/1887", "received_at": "2024-06-01"}, window)
    assert (record.birth_date, record.invalid_fields) == (date(1887, 5, 12), frozenset())
    placeholder = standardise_record({"birth_date": "01/01/1900", "received_at": "2024-06-01"}, window)
    assert (placeholder.birth_date, placeholder.junk_fields) == (None, frozenset({"birth_date"}))


def test_postal_code_is_read_from_the_city_when_missing() -> None:
    record = standardise_record({"city": "20250 Casablanca"})
    assert (record.city, record.postal_code) == ("CASABLANCA", "20250")


def test_received_at_settles_two_digit_years() -> None:
    before = standardise_record({"birth_date": "15/06/20", "received_at": "2019-01-01T00:00:00Z"})
    after = standardise_record({"birth_date": "15/06/20", "received_at": "2021-01-01T00:00:00Z"})
    assert (before.birth_date, after.birth_date) == (date(1920, 6, 15), date(2020, 6, 15))


def test_unknown_extra_fields_are_ignored() -> None:
    extra = {**PERSON, "loyalty_card": "MGX 048 559 659", "products": ["AUTO"], "payment_incidents": "2"}
    assert standardise_record(extra) == standardise_record(PERSON)


def test_numbers_sent_unquoted_are_read_as_their_digits() -> None:
    assert standardise_record({"ice": 1561191000066}).ice == standardise_record({"ice": "001561191000066"}).ice


def test_standardised_record_is_a_frozen_value() -> None:
    record = standardise_record(PERSON)
    assert record == standardise_record(dict(PERSON))
    assert hash(record.name_keys) == hash(frozenset({"KADIJA", "IDRISI"}))
    with pytest.raises(AttributeError):
        record.email = "other@gmail.com"  # type: ignore[misc]
    assert not hasattr(record, "__dict__")
    assert isinstance(record, StandardisedRecord)
