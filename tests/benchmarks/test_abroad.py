"""Moroccans abroad and foreign residents: foreign postal codes, phones and papers, host-country spellings,
households and moves, each at the rate it is meant to occur, with the truth aligned."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from benchmarks.abroad import CITIES, MOROCCAN_GIVEN_ROWS, generate_abroad
from benchmarks.european_names import GIVEN
from benchmarks.noise import Record
from benchmarks.synthetic import strip_accents

N = 3000
SEED = 5
MOROCCAN_CITIES = {strip_accents(name).upper() for city in CITIES["MA"] for name in (city.name, *city.other_names)}
MOROCCAN_GIVEN_SPELLINGS = {strip_accents(spelling).upper() for rows in MOROCCAN_GIVEN_ROWS.values()
                            for spellings in rows
                            for spelling in (*spellings.common, *sum(spellings.by_language.values(), ()))}
NICKNAMES = {variant for rows in GIVEN.values() for given in rows for variant in given.variants}


@pytest.fixture(scope="module")
def feed() -> tuple[list[Record], list[str]]:
    return generate_abroad(N, SEED)


def text(record: Record, key: str) -> str:
    return str(record.get(key) or "")


def upper(record: Record, key: str) -> str:
    return strip_accents(text(record, key)).upper()


def persons(feed: tuple[list[Record], list[str]]) -> list[Record]:
    return [record for record in feed[0] if record["party_type"] == "person"]


def test_sizes_clusters_and_a_small_share_of_companies(feed: tuple[list[Record], list[str]]) -> None:
    records, entities = feed
    assert len(records) == len(entities) == N
    sizes = Counter(entities)
    assert max(sizes.values()) <= 7
    assert 2.2 < N / len(sizes) < 3.2
    assert Counter(sizes.values()).most_common(1)[0][0] == 1
    organisations = sum(record["party_type"] == "organization" for record in records) / N
    assert 0.02 < organisations < 0.1


def test_records_carry_the_hub_fields_in_the_hub_vocabulary(feed: tuple[list[Record], list[str]]) -> None:
    records, _ = feed
    assert {record["source_system"] for record in records} == {"AGENT", "COURTIER", "BGD", "BANCASSURANCE", "WEB"}
    assert {record["product_line"] for record in records} == {"DOMMAGE", "EPARGNE", "PREVOYANCE"}
    assert {text(record, "id_type") for record in records} >= {"CIN", "PASSEPORT", "CARTE SEJOUR", ""}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT09:00:00", text(record, "received_at")) for record in records)


def test_foreign_postal_codes_in_their_own_formats(feed: tuple[list[Record], list[str]]) -> None:
    codes = {text(record, "postal_code") for record in feed[0]}
    for pattern in (r"750\d\d", r"280\d\d", r"1000", r"B-\d{4}", r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}",
                    r"[A-Z]{1,2}\d{1,2}\d[A-Z]{2}", r"\d{4} [A-Z]{2}", r"\d{4}[A-Z]{2}"):
        assert any(re.fullmatch(pattern, code) for code in codes), pattern


def test_foreign_phones_written_locally_and_internationally(feed: tuple[list[Record], list[str]]) -> None:
    phones = [text(record, "phone") for record in feed[0]]
    for code in ("33", "34", "32", "44", "31", "212"):
        assert any(phone.startswith((f"+{code}", f"00{code}")) for phone in phones), code
    for local in (r"0[67] \d\d \d\d \d\d \d\d", r"[67]\d\d \d{3} \d{3}", r"04\d\d \d\d \d\d \d\d", r"07\d{3} \d{6}",
                  r"06-\d{8}"):
        assert any(re.fullmatch(local, phone) for phone in phones), local
    assert 0.22 < phones.count("") / N < 0.38


def test_papers_of_several_countries_and_missing_ids(feed: tuple[list[Record], list[str]]) -> None:
    people = persons(feed)
    ids = [text(record, "national_id") for record in people]
    assert any(re.fullmatch(r"[XY]-?\d{7}-?[A-Z]", number) for number in ids)  # Spanish NIE
    assert any(re.fullmatch(r"\d\d[A-Z]{2}\d{5}", number) for number in ids)  # French passport
    assert 0.28 < ids.count("") / len(people) < 0.42
    # A client shows different papers on different records: the ids of one client are not all the same.
    by_entity: dict[str, set[str]] = defaultdict(set)
    for record, entity in zip(*feed, strict=True):
        if text(record, "national_id"):
            by_entity[entity].add(upper(record, "national_id").replace("-", ""))
    assert sum(len(found) > 1 for found in by_entity.values()) > 0.1 * len(by_entity)


def test_clients_abroad_also_seen_at_a_moroccan_address(feed: tuple[list[Record], list[str]]) -> None:
    cities: dict[str, set[bool]] = defaultdict(set)
    for record, entity in zip(*feed, strict=True):
        if text(record, "city"):
            cities[entity].add(upper(record, "city") in MOROCCAN_CITIES)
    both = sum(found == {True, False} for found in cities.values())
    assert 0.03 < both / len(cities) < 0.2


def test_names_spelled_several_ways_swapped_and_nicknamed(feed: tuple[list[Record], list[str]]) -> None:
    spellings: dict[str, set[str]] = defaultdict(set)
    for record, entity in zip(*feed, strict=True):
        if text(record, "first_name"):
            spellings[entity].add(upper(record, "first_name"))
    several = [found for found in spellings.values() if len(found) > 1]
    assert len(several) > 0.2 * sum(1 for found in spellings.values())
    people = persons(feed)
    swapped = sum(upper(record, "last_name") in MOROCCAN_GIVEN_SPELLINGS for record in people) / len(people)
    assert 0.01 < swapped < 0.08
    assert sum(text(record, "first_name") in NICKNAMES for record in people) > 0.01 * len(people)


def test_households_share_address_and_family_name_but_are_different_clients(
        feed: tuple[list[Record], list[str]]) -> None:
    homes: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for record, entity in zip(*feed, strict=True):
        key = (upper(record, "address_line"), upper(record, "city"), upper(record, "last_name"))
        if all(key):
            homes[key].add(entity)
    assert sum(len(entities) > 1 for entities in homes.values()) >= 20
