"""GET /golden: clients found by name (fuzzy), identifier, phone, e-mail and city, through the current links."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from mdm.resolution import current_links, resolve_all

# Clients of invented names, so the generated crowd around them shares none of their values.
IDRISSI = {"source_system": "AGENT", "source_record_id": "S-IDR", "party_type": "person", "first_name": "Mohamed",
           "last_name": "El Ouazzani-Tizgui", "birth_date": "1979-04-12", "id_type": "CIN", "national_id": "BE 412783",
           "phone": "0661 42 87 13", "email": "M.Ouazzani@Menara.ma", "city": "Casablanca"}
TAZGHI = {"source_system": "COURTIER", "source_record_id": "S-TAZ", "party_type": "person", "first_name": "Karima",
          "last_name": "Tazghirouti", "birth_date": "1985-11-02", "national_id": "JC 907531", "phone": "0677 31 90 24",
          "city": "Rabat"}
TAZGHI_TYPO = {"source_system": "WEB", "source_record_id": "S-TAZ2", "party_type": "person", "first_name": "Karim",
               "last_name": "Tazgiroti", "birth_date": "1961-06-30", "national_id": "K 118206", "city": "Fes"}
COMPANY = {"source_system": "BGD", "source_record_id": "S-ORG", "party_type": "organization",
           "company_name": "STE AL BOURAQIA TRAVAUX SARL", "ice": "002947183000061", "rc_number": "RC 88412 Casa",
           "tax_id": "IF 40 21 77 95", "phone": "0522 48 71 36", "city": "Casa"}
OWN = [IDRISSI, TAZGHI, TAZGHI_TYPO, COMPANY]


def _consolidated(client: FlaskClient, sessions: sessionmaker[Session]) -> dict[str, str]:
    """A consolidated hub holding the clients above among generated ones: source record id -> golden id."""
    records = [g.record for g in generate(600, seed=4)] + OWN
    assert client.post("/api/v1/records/batch", json=records).status_code == 200
    resolve_all(sessions)
    with sessions() as session:
        return {record_id: golden_id for _, record_id, golden_id in current_links(session)}


@pytest.fixture
def hub(client: FlaskClient, sessions: sessionmaker[Session]) -> dict[str, str]:
    """A hub of the test's own, for the tests that change it."""
    return _consolidated(client, sessions)


@pytest.fixture(scope="module")
def shared_hub(module_client: FlaskClient, module_sessions: sessionmaker[Session]) -> dict[str, str]:
    """The same hub, built once per backend for the tests that only search it (they take ``module_client``)."""
    return _consolidated(module_client, module_sessions)


def _search(client: FlaskClient, **arguments: Any) -> dict[str, Any]:
    response = client.get("/api/v1/golden", query_string=arguments)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [hit["id"] for hit in body["results"]]


@pytest.mark.parametrize(("arguments", "record"), [
    ({"name": "Mohamed El Ouazzani Tizgui"}, "S-IDR"),
    ({"name": "Mhamed Elouazzani Tizgui"}, "S-IDR"),  # another transliteration, the article glued
    ({"name": "Ouazzani Tizgui Mohammed"}, "S-IDR"),  # first and family names swapped
    ({"name": "Mohamed Ouazani Tizgi"}, "S-IDR"),  # typos
    ({"name": "Karima Tazghirouti"}, "S-TAZ"),
    ({"name": "Karima Tazghirouty"}, "S-TAZ"),  # one letter off in a word no other record holds
    ({"name": "Al Bouraqia Travaux"}, "S-ORG"),  # without the legal form
    ({"name": "Albouraqia travaux S.A.R.L."}, "S-ORG"),  # article glued, legal form spelled otherwise
    ({"name": "Societe Al Bouraqia"}, "S-ORG"),  # part of the name
    ({"identifier": "be-0412783"}, "S-IDR"),  # CIN with a dash and a zero typed before the number
    ({"identifier": "CIN BE412783"}, "S-IDR"),  # with its document type in front
    ({"identifier": "002 947 183 000 061"}, "S-ORG"),  # ICE
    ({"identifier": "88412"}, "S-ORG"),  # RC number alone
    ({"identifier": "IF 40217795"}, "S-ORG"),
    ({"phone": "0661428713"}, "S-IDR"),
    ({"phone": "+212 6 61 42 87 13"}, "S-IDR"),
    ({"phone": "00212661428713"}, "S-IDR"),
    ({"phone": "+212522487136"}, "S-ORG"),
    ({"email": "m.ouazzani@MENARA.ma"}, "S-IDR"),
    ({"name": "Bouraqia", "city": "CASA"}, "S-ORG"),  # Casa is Casablanca
    ({"name": "Tizgui", "city": "Dar el Beida", "party_type": "person"}, "S-IDR"),
    ({"phone": "0661428713", "email": "M.OUAZZANI@menara.ma", "identifier": "BE412783"}, "S-IDR"),
])
def test_each_criterion_finds_the_client_in_the_forms_users_type(
    module_client: FlaskClient, shared_hub: dict[str, str], arguments: dict[str, str], record: str,
) -> None:
    body = _search(module_client, **arguments)
    assert body["complete"] is True
    assert _ids(body)[0] == shared_hub[record]
    best = body["results"][0]
    assert {match["criterion"] for match in best["matches"]} == set(arguments) - {"party_type"}
    assert record in {match["source_record_id"] for match in best["matches"]}


def test_an_answer_names_the_client_and_what_matched_where(
    module_client: FlaskClient, shared_hub: dict[str, str],
) -> None:
    best = _search(module_client, name="Bouraqia Travaux", identifier="002947183000061")["results"][0]
    assert (best["id"], best["party_type"], best["name"], best["city"]) == (
        shared_hub["S-ORG"], "organization", "STE AL BOURAQIA TRAVAUX SARL", "Casa")
    assert best["score"] == 1.0
    assert [(m["criterion"], m["field"], m["source_system"], m["source_record_id"], m["score"])
            for m in best["matches"]] == [("name", "name", "BGD", "S-ORG", 1.0),
                                          ("identifier", "ice", "BGD", "S-ORG", 1.0)]


def test_the_closest_name_ranks_first(module_client: FlaskClient, shared_hub: dict[str, str]) -> None:
    assert shared_hub["S-TAZ"] != shared_hub["S-TAZ2"]
    body = _search(module_client, name="Karima Tazghirouti")
    ids = _ids(body)
    assert ids[:2] == [shared_hub["S-TAZ"], shared_hub["S-TAZ2"]]
    first, second = body["results"][:2]
    assert first["score"] == 1.0 > second["score"] >= 0.8
    assert _ids(_search(module_client, name="Karim Tazgiroti"))[0] == shared_hub["S-TAZ2"]


@pytest.mark.parametrize(("arguments", "found"), [
    ({"name": "Karima Tazghirouti", "city": "Rabat"}, True),
    ({"name": "Karima Tazghirouti", "city": "Casablanca"}, False),
    ({"name": "Karima Tazghirouti", "phone": "0677319024"}, True),
    ({"name": "Karima Tazghirouti", "phone": "0661428713"}, False),  # another client's phone
    ({"name": "Karima Tazghirouti", "party_type": "organization"}, False),
    ({"identifier": "BE412783", "email": "someone.else@menara.ma"}, False),
])
def test_criteria_combine(
    module_client: FlaskClient, shared_hub: dict[str, str], arguments: dict[str, str], found: bool,
) -> None:
    assert (shared_hub["S-TAZ"] in _ids(_search(module_client, **arguments))) is found


def test_one_entry_per_golden_record_and_limit(client: FlaskClient, sessions: sessionmaker[Session]) -> None:
    twins = [{**TAZGHI, "source_system": system, "source_record_id": f"T-{system}"} for system in ("AGENT", "WEB")]
    client.post("/api/v1/records/batch", json=[g.record for g in generate(600, seed=4)] + twins + [TAZGHI_TYPO])
    resolve_all(sessions)
    body = _search(client, phone="0677319024")
    assert len(body["results"]) == 1
    assert {m["source_record_id"] for m in body["results"][0]["matches"]} == {"T-AGENT", "T-WEB"}
    assert len(_search(client, name="Karima Tazghirouti", limit=1)["results"]) == 1


def test_retracted_record_is_no_longer_found(client: FlaskClient, hub: dict[str, str]) -> None:
    assert _ids(_search(client, phone="0677319024")) == [hub["S-TAZ"]]
    assert client.delete("/api/v1/records/COURTIER/S-TAZ").status_code == 200
    assert _search(client, phone="0677319024")["results"] == []
    assert hub["S-TAZ"] not in _ids(_search(client, name="Karima Tazghirouti"))


def test_record_moved_to_another_golden_record_is_found_under_the_new_id(
    client: FlaskClient, hub: dict[str, str],
) -> None:
    """The typo record becomes the same client as the other (same id, birth date, phone): the two golden records
    become one, and every record of the one absorbed is found under the survivor's id only."""
    assert hub["S-TAZ"] != hub["S-TAZ2"]
    moved = {**TAZGHI, "source_system": "WEB", "source_record_id": "S-TAZ2", "email": "k.tazghi@menara.ma"}
    survivor = client.post("/api/v1/records", json=moved).get_json()["golden_id"]
    (absorbed,) = {hub["S-TAZ"], hub["S-TAZ2"]} - {survivor}
    body = _search(client, phone="0677319024")
    assert _ids(body) == [survivor]
    assert {match["source_record_id"] for match in body["results"][0]["matches"]} == {"S-TAZ", "S-TAZ2"}
    assert _ids(_search(client, email="K.Tazghi@Menara.ma")) == [survivor]
    assert absorbed not in _ids(_search(client, name="Karima Tazghirouti"))


def test_records_stored_online_are_found_at_once(client: FlaskClient, hub: dict[str, str]) -> None:
    newcomer = {"source_system": "WEB", "source_record_id": "S-NEW", "party_type": "person", "first_name": "Ghizlane",
                "last_name": "Zerhounadi", "phone": "0708 52 19 64", "city": "Tanger"}
    answer = client.post("/api/v1/records", json=newcomer).get_json()
    assert answer["golden_id"] not in hub.values()
    # A word no record held before: its spelling variants joined the index with it.
    assert _ids(_search(client, name="Ghizlane Zerhounady"))[0] == answer["golden_id"]
    assert _ids(_search(client, phone="+212708521964", city="Tangier")) == [answer["golden_id"]]


@pytest.mark.parametrize(("query", "field", "rule"), [
    ({}, "$", "required"),
    ({"name": "  ", "phone": ""}, "$", "required"),
    ({"name": "Karima", "limit": 0}, "limit", "range"),
    ({"name": "Karima", "limit": 101}, "limit", "range"),
    ({"name": "Karima", "limit": "many"}, "limit", "invalid"),
    ({"name": "Karima", "party_type": "company"}, "party_type", "one_of"),
    ({"name": "NEANT"}, "name", "placeholder"),
    ({"phone": "0600000000"}, "phone", "placeholder"),
    ({"phone": "call me"}, "phone", "format"),
    ({"email": "karima at example"}, "email", "format"),
    ({"identifier": "---"}, "identifier", "format"),
    ({"city": "xxx"}, "city", "placeholder"),
    ({"name": "Karima", "nmae": "Tazghirouti"}, "nmae", "unknown_field"),
])
def test_bad_queries_are_422_problems_naming_parameter_and_rule(
    client: FlaskClient, query: dict[str, Any], field: str, rule: str,
) -> None:
    response = client.get("/api/v1/golden", query_string=query)
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert (field, rule) in {(error["field"], error["rule"]) for error in response.get_json()["errors"]}


def test_search_is_documented(client: FlaskClient) -> None:
    operation = client.get("/api/openapi.json").get_json()["paths"]["/api/v1/golden"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {"name", "identifier", "phone", "email", "city", "party_type", "limit"}
    assert (parameters["limit"]["schema"]["minimum"], parameters["limit"]["schema"]["maximum"]) == (1, 100)
    assert set(operation["responses"]) >= {"200", "422"}
