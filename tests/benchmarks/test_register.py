"""The historical register: deterministic, persons only, skewed clusters, and the corruptions of transcribed
registers at the rates they are meant to occur."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable

import pytest

from benchmarks.register import Register, RegisterPerson

N = 3000
SEED = 5
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$")


class Feed:
    def __init__(self) -> None:
        run = Register(N, SEED)
        self.records, self.entities = run.run()
        self.people: dict[str, RegisterPerson] = {person.entity_id: person for person in run.people}
        self.pairs = [(record, self.people[entity]) for record, entity in zip(self.records, self.entities, strict=True)]

    def share(self, condition: Callable[[dict[str, object], RegisterPerson], bool]) -> float:
        return sum(1 for record, person in self.pairs if condition(record, person)) / len(self.pairs)


@pytest.fixture(scope="module")
def feed() -> Feed:
    return Feed()


def text(record: dict[str, object], key: str) -> str:
    return str(record.get(key) or "")


def test_exact_size_persons_only_with_birth_place_and_occupation_and_no_contact(feed: Feed) -> None:
    assert len(feed.records) == len(feed.entities) == N
    assert {record["party_type"] for record in feed.records} == {"person"}
    assert not any(key in record for record in feed.records for key in ("national_id", "phone", "email"))
    assert sum(1 for record in feed.records if text(record, "birth_place")) > 0.7 * N
    assert sum(1 for record in feed.records if text(record, "occupation")) > 0.6 * N
    assert len({(record["source_system"], record["source_record_id"]) for record in feed.records}) == N


def test_three_to_twenty_one_records_per_person_about_ten_on_average(feed: Feed) -> None:
    sizes = Counter(feed.entities)
    small = [entity for entity, size in sizes.items() if size < 3]
    assert len(small) <= 1  # only the last person drawn can be cut short by the record count
    assert max(sizes.values()) <= 21
    assert 8 <= N / len(sizes) <= 12
    assert Counter(sizes.values()).most_common(1)[0][0] < 12  # skewed toward the small clusters


def test_many_birth_dates_before_1900_down_to_1800(feed: Feed) -> None:
    years = [int(person.birth.year) for person in feed.people.values()]
    assert min(years) >= 1800
    assert 0.5 < sum(year < 1900 for year in years) / len(years) < 0.7


def test_postal_codes_of_several_countries_with_and_without_space(feed: Feed) -> None:
    codes = [text(record, "postal_code") for record in feed.records]
    assert any(UK_POSTCODE.match(code) for code in codes)
    assert any(re.fullmatch(r"[A-Z]{1,2}\d{1,2}\d[A-Z]{2}", code) for code in codes)
    assert any(re.fullmatch(r"750\d\d", code) for code in codes)
    assert any(re.fullmatch(r"\d{4} [A-Z]{2}", code) for code in codes)
    assert 0.2 < codes.count("") / N < 0.3


def test_nicknames_initials_and_middle_names_in_the_first_name_field(feed: Feed) -> None:
    nickname = feed.share(lambda r, p: text(r, "first_name").lower() in {v.lower() for v in p.given.variants})
    initials = feed.share(lambda r, p: re.fullmatch(r"([A-Z]\.[ -]?)+", text(r, "first_name")) is not None)
    middle = feed.share(lambda r, p: bool(p.middles) and text(r, "first_name").lower().endswith(p.middles[-1].lower()))
    assert 0.08 < nickname < 0.22
    assert 0.02 < initials < 0.08
    assert 0.03 < middle < 0.2


def test_swapped_names_typos_and_missing_first_names(feed: Feed) -> None:
    swapped = feed.share(lambda r, p: text(r, "first_name").lower() == p.family.lower())
    missing = feed.share(lambda r, p: not text(r, "first_name"))
    # Family names carry no nickname, so any other non-empty spelling of one is a typo or an OCR misreading.
    garbled = feed.share(lambda r, p: p.country != "NL" and text(r, "last_name") not in ("", p.family)
                         and text(r, "last_name").lower() not in (p.family.lower(), p.given.name.lower()))
    assert 0.02 < swapped < 0.07
    assert 0.02 < missing < 0.1
    assert 0.03 < garbled < 0.15


def test_birth_years_off_and_day_month_swapped(feed: Feed) -> None:
    shifted = swapped = 0
    for record, person in feed.pairs:
        numbers = [int(n) for n in re.findall(r"\d+", text(record, "birth_date"))]
        if not numbers:
            continue
        year, month, day = numbers if numbers[0] > 31 else numbers[::-1]
        shifted += 1 <= abs(year - person.birth.year) <= 2
        swapped += (year, month, day) == (person.birth.year, person.birth.day, person.birth.month) != (
            person.birth.year, person.birth.month, person.birth.day)
    dated = sum(1 for record in feed.records if text(record, "birth_date"))
    assert 0.1 < 1 - dated / N < 0.2
    assert 0.03 < shifted / dated < 0.1
    assert 0 < swapped / dated < 0.04


def test_another_plausible_birth_place_and_a_postcode_changed_by_a_move(feed: Feed) -> None:
    other = feed.share(lambda r, p: text(r, "birth_place") not in ("", p.birth_place.name))
    assert 0.08 < other < 0.2
    codes: dict[str, set[str]] = defaultdict(set)
    for record, entity in zip(feed.records, feed.entities, strict=True):
        if text(record, "postal_code"):
            codes[entity].add(text(record, "postal_code").replace(" ", "").upper())
    assert 0.15 < sum(len(found) > 1 for found in codes.values()) / len(codes) < 0.45


def test_common_surnames_and_namesake_sons_are_shared_by_unrelated_people(feed: Feed) -> None:
    people = list(feed.people.values())
    _, carriers = Counter(person.family for person in people).most_common(1)[0]
    assert carriers >= 0.02 * len(people)
    namesakes = Counter((person.given.name, person.family, person.birth_place.name) for person in people)
    assert any(count > 1 for count in namesakes.values())
