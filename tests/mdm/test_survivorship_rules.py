"""Survivorship rules, field by field: which value survives, why, and with which provenance."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count, permutations
from typing import Any

import pytest

from mdm.survivorship import DEFAULT_RULES, Attribute, SourceVersion, attributes_of, rules_with, survive

_ids = count(1)


def version(system: str, received: str, party_type: str = "person", **fields: Any) -> SourceVersion:
    record_id = str(fields.pop("record_id", f"{system[:3]}{next(_ids)}"))
    payload = {"source_system": system, "source_record_id": record_id, "party_type": party_type, **fields}
    return SourceVersion(system, record_id, 1, datetime.fromisoformat(received).replace(tzinfo=UTC), payload)


OLD, MID, NEW = "2019-05-01T10:00:00", "2021-05-01T10:00:00", "2024-05-01T10:00:00"


@pytest.mark.parametrize(("field", "versions", "value", "rule"), [
    # trust beats recency for names: the web is least trusted, however recent
    ("first_name", [version("AGENT", OLD, first_name="Mohamed"), version("WEB", NEW, first_name="Mhamed")],
     "MOHAMED", "trust"),
    # equal trust, completeness and frequency: the most recent value wins
    ("first_name", [version("AGENT", OLD, first_name="SAID"), version("AGENT", NEW, first_name="SAAD")],
     "SAAD", "recency"),
    # a name with more tokens is fuller
    ("first_name", [version("AGENT", NEW, first_name="MOHAMED"), version("AGENT", OLD, first_name="Mohamed Amine")],
     "MOHAMED AMINE", "completeness"),
    # frequency in standardised form: two spellings of one name outvote a third, more recent name
    ("last_name", [version("AGENT", OLD, last_name="EL IDRISSI"), version("AGENT", MID, last_name="Elidrissi"),
                   version("AGENT", NEW, last_name="ALAOUI")], "EL IDRISSI", "completeness"),
    ("civility", [version("AGENT", OLD, civility="Madame"), version("COURTIER", MID, civility="MME"),
                  version("BGD", NEW, civility="Mr")], "MME", "frequency"),
    # contact data: the most recent wins, trust only breaks ties
    ("phone", [version("BGD", OLD, phone="0661234567"), version("WEB", NEW, phone="06 70 11 22 33")],
     "+212670112233", "recency"),
    ("email", [version("AGENT", OLD, email="Old.Box@Menara.ma"), version("WEB", NEW, email="NEW.BOX@gmail.com")],
     "new.box@gmail.com", "recency"),
    # a full birth date beats a year alone, whoever sent it
    ("birth_date", [version("BGD", NEW, birth_date="1984"), version("WEB", OLD, birth_date="07/03/1984")],
     "07/03/1984", "completeness"),
    # one date in two forms: they agree, and the unambiguous form is the one shown
    ("birth_date", [version("WEB", NEW, birth_date="07/03/1984"), version("AGENT", OLD, birth_date="19840307")],
     "1984-03-07", "agreement"),
    # junk never survives: placeholders lose to any real value, however trusted or recent
    ("email", [version("AGENT", NEW, email="nc@nc.com"), version("WEB", OLD, email="k.alami@menara.ma")],
     "k.alami@menara.ma", "single"),
    ("phone", [version("BGD", NEW, phone="0600000000"), version("WEB", OLD, phone="0522 98 76 54")],
     "+212522987654", "single"),
    ("birth_date", [version("BGD", NEW, birth_date="01/01/1900"), version("WEB", OLD, birth_date="1975-11-02")],
     "1975-11-02", "single"),
    ("first_name", [version("BGD", NEW, first_name="NEANT"), version("WEB", OLD, first_name="Khadija")],
     "KHADIJA", "single"),
    # a well-formed value beats a malformed one before any criterion
    ("postal_code", [version("AGENT", NEW, postal_code="2O1OO"), version("AGENT", OLD, postal_code="20100")],
     "20100", "validity"),
    # a client who moved to Exeter: a postal code of another country is a valid value, and the most recent wins
    ("postal_code", [version("AGENT", OLD, postal_code="20100"), version("AGENT", NEW, postal_code="tq13 8df")],
     "TQ138DF", "recency"),
    # a birth date before the plausible window is shown when it is all there is, and loses to one within it
    ("birth_date", [version("BGD", NEW, birth_date="25/05/1887")], "1887-05-25", "single"),
    ("birth_date", [version("BGD", NEW, birth_date="25/05/1887"), version("WEB", OLD, birth_date="25/05/1987")],
     "1987-05-25", "validity"),
    # the city in canonical form, and agreeing spellings are one value
    ("city", [version("AGENT", OLD, city="CASA"), version("WEB", NEW, city="Casablanca")], "CASABLANCA", "agreement"),
])
def test_field_rules(field: str, versions: list[SourceVersion], value: str, rule: str) -> None:
    chosen = survive(versions, "person", DEFAULT_RULES).attributes[field]
    assert (chosen.reading.value, chosen.rule) == (value, rule)
    assert chosen.reading.raw in {v.payload.get(field) for v in versions}  # the raw value is kept
    assert chosen.source.payload.get(field) == chosen.reading.raw  # and its provenance is the version it came from


def test_only_junk_leaves_the_field_empty_but_lists_the_candidates() -> None:
    result = survive([version("AGENT", OLD, email="nc@nc.com", phone="0612345678"),
                      version("WEB", NEW, email="test@test.com")], "person", DEFAULT_RULES)
    assert "email" not in result.attributes and "phone" not in result.attributes
    assert [(c.reading.raw, c.reading.quality) for c in result.candidates["email"]] == [
        ("nc@nc.com", "junk"), ("test@test.com", "junk")]


def test_configured_trust_can_beat_recency_for_contact_data() -> None:
    versions = [version("BGD", OLD, phone="0661234567"), version("WEB", NEW, phone="0670112233")]
    rules = rules_with({"phone": {"criteria": ["trust", "recency"], "trust": ["bgd"]}})
    chosen = survive(versions, "person", rules).attributes["phone"]
    assert (chosen.reading.value, chosen.rule, chosen.source.source_system) == ("+212661234567", "trust", "BGD")


def test_frequency_compares_standardised_values() -> None:
    versions = [version("AGENT", OLD, city="Casa"), version("WEB", MID, city="CASABLANCA"),
                version("BGD", NEW, city="Rabat")]
    chosen = survive(versions, "person", rules_with({"city": {"criteria": ["frequency"]}})).attributes["city"]
    assert (chosen.reading.value, chosen.rule) == ("CASABLANCA", "frequency")


@pytest.mark.parametrize("overrides", [{"shoe_size": {"criteria": ["recency"]}},
                                       {"phone": {"criteria": ["loudness"]}}, {"phone": "recency"}])
def test_unknown_fields_and_criteria_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="survivorship rule"):
        rules_with(overrides)


def test_the_order_of_records_never_changes_the_result() -> None:
    # Same trust, same day, same completeness: only the deterministic tie-break separates them.
    versions = [version("AGENT", MID, record_id=f"AG{i}", first_name=name, phone=phone, email=email)
                for i, (name, phone, email) in enumerate([("Karim", "0661111111", "karim@menara.ma"),
                                                          ("Yassine", "0662222222", "yassine@menara.ma"),
                                                          ("Omar", "0663333333", "omar@menara.ma")])]
    results = [survive(list(order), "person", DEFAULT_RULES).stored() for order in permutations(versions)]
    assert all(result == results[0] for result in results)
    assert results[0]["fields"]["first_name"]["rule"] == "tie_break"


def test_full_name_stands_in_only_when_no_record_splits_the_name() -> None:
    single = [version("BANCASSURANCE", OLD, full_name="Bousfiha Hassan"), version("COURTIER", NEW, full_name="X")]
    attributes = survive(single, "person", DEFAULT_RULES).attributes
    assert attributes["full_name"].reading.value == "BOUSFIHA HASSAN" and "first_name" not in attributes
    split = [*single, version("WEB", NEW, first_name="Hassan", last_name="Bousfiha")]
    attributes = survive(split, "person", DEFAULT_RULES).attributes
    assert "full_name" not in attributes and attributes["last_name"].reading.value == "BOUSFIHA"


def test_identity_document_type_and_number_survive_together() -> None:
    versions = [version("BGD", OLD, id_type="C.I.N", national_id="bk-549301"),
                version("AGENT", NEW, id_type="PASSEPORT", national_id="FX3010145")]
    chosen = survive(versions, "person", DEFAULT_RULES).attributes["identity_document"]
    assert chosen.reading.value == {"id_type": "CIN", "national_id": "BK549301"}
    assert chosen.reading.raw == {"id_type": "C.I.N", "national_id": "bk-549301"}
    assert (chosen.rule, chosen.source.source_system) == ("trust", "BGD")


def test_organisation_fields_in_display_form() -> None:
    versions = [
        version("AGENT", OLD, "organization", company_name="Africa Ceramique", legal_form="S.A.R.L",
                ice="008733356007180", rc_number="807922", rc_court="TPI MARRAKESH", phone="05.24.42.63.57"),
        version("BANCASSURANCE", NEW, "organization", company_name="STE AFRICA CERAMIQUE SARLAU", ice="",
                rc_number="RC 11223", phone="0522 06 42 00 / 0706706216", email="Contact@Africa.MA"),
        version("WEB", MID, "organization", company_name="africa ceramique", ice="004028778000055"),
    ]
    result = survive(versions, "organization", DEFAULT_RULES)
    values = {field: chosen.reading.value for field, chosen in result.attributes.items()}
    assert values["company_name"] == "STE AFRICA CERAMIQUE SARLAU"  # the bank is the most trusted
    assert values["legal_form"] == "SARLAU"  # the name refines the declared SARL
    assert (values["ice"], result.attributes["ice"].rule) == ("004028778000055", "validity")  # checksum holds
    # the register number is only unique within its court: a number without its court is less complete
    assert values["trade_register"] == {"rc_number": "807922", "rc_court": "MARRAKECH"}
    assert (values["phone"], values["phone_alt"]) == ("+212522064200", "+212706706216")
    assert values["email"] == "contact@africa.ma"
    assert {c.reading.value for c in result.candidates["phone_alt"]} == {"+212524426357", "+212706706216"}


def test_stored_form_points_each_field_at_its_source_version() -> None:
    versions = [version("AGENT", OLD, record_id="AG1", first_name="Amine", email="amine.old@menara.ma"),
                version("WEB", NEW, record_id="W1", first_name="Karim", email="amine@gmail.com")]
    stored = survive(versions, "person", DEFAULT_RULES).stored()
    assert stored["sources"] == [
        {"source_system": "AGENT", "source_record_id": "AG1", "version": 1, "received_at": "2019-05-01T10:00:00+00:00"},
        {"source_system": "WEB", "source_record_id": "W1", "version": 1, "received_at": "2024-05-01T10:00:00+00:00"},
    ]
    assert stored["fields"]["first_name"] == {"value": "AMINE", "raw": "Amine", "source": 0, "rule": "trust"}
    assert stored["fields"]["email"] == {"value": "amine@gmail.com", "raw": "amine@gmail.com", "source": 1,
                                         "rule": "recency"}


def test_attributes_as_of_a_past_date_are_survivorship_over_the_versions_then_current() -> None:
    first = version("AGENT", OLD, record_id="AG7", email="karim.old@menara.ma", first_name="Karim")
    second = SourceVersion("AGENT", "AG7", 2, datetime(2024, 5, 1, tzinfo=UTC),
                           {**first.payload, "email": "karim.new@gmail.com"})
    web = version("WEB", MID, record_id="W7", email="karim.web@gmail.com")
    assert attributes_of([first, web], "person", DEFAULT_RULES)["email"] == Attribute(
        "karim.web@gmail.com", "karim.web@gmail.com", "WEB", "W7", 1, datetime(2021, 5, 1, 10, tzinfo=UTC), "recency")
    assert attributes_of([second, web], "person", DEFAULT_RULES)["email"] == Attribute(
        "karim.new@gmail.com", "karim.new@gmail.com", "AGENT", "AG7", 2, datetime(2024, 5, 1, tzinfo=UTC), "recency")
