"""The synthetic feed: deterministic, complete, and carrying each trap of real feeds with the right truth."""

from __future__ import annotations

import csv
import gzip
import itertools
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest
from stdnum.ma import ice as ice_number

from benchmarks.synthetic import (
    JUNK_ADDRESSES,
    JUNK_BIRTH_DATES,
    JUNK_EMAILS,
    JUNK_ICES,
    JUNK_NATIONAL_IDS,
    JUNK_PHONES,
    NETWORKS,
    PRODUCT_LINES,
    STINT_REASONS,
    FeedRun,
    GeneratedRecord,
    Organization,
    Person,
    PointOfSale,
    Stint,
    generate,
    iter_stints,
    list_points_of_sale,
    main,
)

N = 3000
SEED = 11


class Feed:
    """One run of N records, its stints and points of sale, indexed the ways the tests read them."""

    def __init__(self, n: int, seed: int) -> None:
        run = FeedRun(n, seed)
        items = list(run.iter_items())
        self.records = [item for item in items if isinstance(item, GeneratedRecord)]
        self.stints = [item for item in items if isinstance(item, Stint)]
        self.points = run.points_of_sale
        self.by_entity: dict[str, list[dict[str, object]]] = defaultdict(list)
        self.by_key: dict[tuple[str, str], GeneratedRecord] = {}
        for generated in self.records:
            self.by_entity[generated.entity_id].append(generated.record)
            record = generated.record
            self.by_key[str(record["source_system"]), str(record["source_record_id"])] = generated

    def entities_with(self, field: str, values: set[str]) -> dict[str, set[str]]:
        """value -> entities whose records carry it in `field`."""
        found: dict[str, set[str]] = defaultdict(set)
        for generated in self.records:
            value = generated.record.get(field)
            if isinstance(value, str) and value in values:
                found[value].add(generated.entity_id)
        return found


@pytest.fixture(scope="module")
def feed() -> Feed:
    return Feed(N, SEED)


def digits(text: object) -> str:
    return re.sub(r"\D", "", str(text or ""))


def test_same_seed_gives_same_records_and_another_seed_does_not() -> None:
    first = [(g.record, g.entity_id) for g in generate(500, seed=3)]
    again = [(g.record, g.entity_id) for g in generate(500, seed=3)]
    other = [(g.record, g.entity_id) for g in generate(500, seed=4)]
    assert first == again
    assert first != other
    assert list(iter_stints(500, seed=3)) == list(iter_stints(500, seed=3))
    assert list_points_of_sale(500, seed=3) == list_points_of_sale(500, seed=3)


@pytest.mark.parametrize("n", [0, 1, 7, 250, N])
def test_exactly_the_requested_number_of_records(n: int) -> None:
    assert sum(1 for _ in generate(n, seed=1)) == n


def test_generation_is_streamed() -> None:
    """A first record comes long before a billion would exist in memory."""
    first = next(generate(10**9, seed=2))
    assert first.record["source_system"] in NETWORKS


def test_every_record_has_the_contract_keys_and_vocabularies(feed: Feed) -> None:
    codes = {point.code: point.network for point in feed.points}
    for generated in feed.records:
        record = generated.record
        assert record["source_system"] in NETWORKS
        assert record["party_type"] in ("person", "organization")
        assert record["product_line"] in PRODUCT_LINES
        assert isinstance(record["source_record_id"], str) and record["source_record_id"]
        assert codes[str(record["point_of_sale"])] == record["source_system"]
        assert datetime.fromisoformat(str(record["received_at"])).year >= 2016
        for key, value in record.items():
            if key == "products":
                assert isinstance(value, list) and all(isinstance(code, str) for code in value)
            else:
                assert value is None or isinstance(value, str), (key, value)
        if record["party_type"] == "person":
            assert record.get("full_name") or record.get("last_name") or record.get("first_name")
        else:
            assert record["company_name"]


def test_truth_covers_every_record_and_ids_are_unique_per_source(feed: Feed) -> None:
    assert len(feed.by_key) == len(feed.records) == N
    assert all(generated.entity_id for generated in feed.records)
    web_ids = [key[1] for key in feed.by_key if key[0] == "WEB"]
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in web_ids)
    assert all(re.fullmatch(r"AG\d{7}", key[1]) for key in feed.by_key if key[0] == "AGENT")


def test_clients_have_one_to_ten_records_and_mixed_party_types(feed: Feed) -> None:
    sizes = Counter(len(records) for records in feed.by_entity.values())
    assert max(sizes) <= 10 and sizes[1] < len(feed.by_entity) * 0.6
    assert sum(count for size, count in sizes.items() if size >= 2) > 300
    persons = sum(1 for records in feed.by_entity.values() if records[0]["party_type"] == "person")
    assert 0.68 < persons / len(feed.by_entity) < 0.82
    assert len({r["source_system"] for records in feed.by_entity.values() for r in records}) == len(NETWORKS)


@pytest.mark.parametrize(("field", "placeholders"), [
    ("phone", set(JUNK_PHONES)),
    ("email", set(JUNK_EMAILS)),
    ("birth_date", set(JUNK_BIRTH_DATES)),
    ("address_line", set(JUNK_ADDRESSES)),
    ("national_id", set(JUNK_NATIONAL_IDS)),
    ("ice", set(JUNK_ICES)),
])
def test_placeholders_are_shared_by_unrelated_clients(feed: Feed, field: str, placeholders: set[str]) -> None:
    found = feed.entities_with(field, placeholders)
    assert max(len(entities) for entities in found.values()) >= 2
    assert len(set().union(*found.values())) >= 3


def test_all_three_forms_of_missing_values_are_present(feed: Feed) -> None:
    values = [record.get("email", "<absent>") for g in feed.records for record in [g.record]]
    assert None in values and "" in values and "<absent>" in values


def test_names_reach_the_feed_in_several_spellings_and_layouts(feed: Feed) -> None:
    spelled_differently = 0
    for records in feed.by_entity.values():
        first_names = {str(r["first_name"]).upper() for r in records if r.get("first_name")}
        spelled_differently += len(first_names) > 1
    assert spelled_differently >= 20
    full_names = [g.record["full_name"] for g in feed.records if g.record.get("full_name")]
    assert any(str(name).isupper() for name in full_names) and any(str(name).istitle() for name in full_names)


def test_branches_share_the_company_part_of_the_ice_and_are_other_clients(feed: Feed) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for generated in feed.records:
        value = generated.record.get("ice")
        if isinstance(value, str) and value not in JUNK_ICES and ice_number.is_valid(value):
            owners[ice_number.compact(value).zfill(15)].add(generated.entity_id)
    assert all(len(entities) == 1 for entities in owners.values())  # one establishment, one client
    by_company: dict[str, set[str]] = defaultdict(set)
    for ice, entities in owners.items():
        by_company[ice[:9]] |= entities
    assert any(len(entities) >= 2 for entities in by_company.values())


def test_domiciliation_centres_seat_several_companies(feed: Feed) -> None:
    seats: dict[str, set[str]] = defaultdict(set)
    for generated in feed.records:
        record = generated.record
        address = record.get("address_line")
        if record["party_type"] == "organization" and address and address not in JUNK_ADDRESSES:
            seats[str(address)].add(generated.entity_id)
    assert max(len(entities) for entities in seats.values()) >= 3


def test_households_share_a_landline_and_are_different_clients(feed: Feed) -> None:
    holders: dict[str, set[str]] = defaultdict(set)
    junk = {digits(phone)[-9:] for phone in JUNK_PHONES}
    for generated in feed.records:
        if generated.record["party_type"] != "person":
            continue
        for field in ("phone", "phone_alt"):
            number = digits(generated.record.get(field))[-9:]
            if len(number) == 9 and number.startswith("5") and number not in junk:
                holders[number].add(generated.entity_id)
    assert sum(1 for entities in holders.values() if len(entities) >= 2) >= 3


def test_households_hold_twins_with_ids_one_apart_and_fathers_and_sons_of_one_name() -> None:
    run = FeedRun(N, 5)
    twins = namesakes = 0
    for _ in range(400):
        members = [m for m in run.make_household() if isinstance(m, Person)]
        head = members[0]
        assert len({m.entity_id for m in members}) == len(members)
        assert all(m.place == head.place for m in members)
        for a, b in itertools.combinations(members[1:], 2):
            if a.birth == b.birth and a.national_id[:-1] == b.national_id[:-1]:
                twins += int(b.national_id[-1]) - int(a.national_id[-1]) in (1, -9)
        namesakes += any(m.first.spellings == head.first.spellings and m.gender == "M" for m in members[1:])
    assert twins >= 3 and namesakes >= 10


def test_owner_and_company_are_two_clients_with_one_name() -> None:
    run = FeedRun(N, 6)
    for _ in range(50):
        owner, company = run.make_owner_and_company()
        assert isinstance(owner, Person) and isinstance(company, Organization)
        assert owner.entity_id != company.entity_id
        assert owner.last.usual in company.core


def test_a_company_moving_to_another_court_gets_a_new_rc_number() -> None:
    run = FeedRun(N, 7)
    company = run.make_organization()
    moves = 0
    for _ in range(10):
        court, number, ice = company.rc_court, company.rc_number, company.ice
        run.relocate(company)
        assert company.ice == ice
        if company.rc_court is not court:
            moves += 1
            assert company.rc_number != number and company.place.city is company.rc_court
    assert moves >= 5


def test_points_of_sale_belong_to_one_network_each_across_many_cities(feed: Feed) -> None:
    codes = [point.code for point in feed.points]
    assert len(codes) == len(set(codes))
    for network in NETWORKS:
        mine = [point for point in feed.points if point.network == network]
        assert len(mine) >= 4
        if network != "WEB":
            assert len({point.city for point in mine}) >= 3


def test_stints_are_consistent_with_the_records(feed: Feed) -> None:
    by_track: dict[tuple[str, str], list[Stint]] = defaultdict(list)
    for stint in feed.stints:
        assert stint.reason in STINT_REASONS
        assert stint.end_date is None or stint.end_date > stint.start_date
        evidence = feed.by_key[stint.source_system, stint.source_record_id]
        assert evidence.entity_id == stint.entity_id and stint.source_system == stint.network
        assert evidence.record["point_of_sale"] == stint.point_of_sale
        assert str(evidence.record["received_at"])[:10] == stint.start_date.isoformat()
        by_track[stint.entity_id, stint.network].append(stint)
    for stints in by_track.values():
        stints.sort(key=lambda s: s.start_date)
        assert sum(1 for s in stints if s.end_date is None) <= 1  # one open stint per network
        for before, after in itertools.pairwise(stints):
            assert before.end_date is not None and before.end_date <= after.start_date
    for generated in feed.records:  # every record falls inside a stint at its point of sale
        record = generated.record
        day = date.fromisoformat(str(record["received_at"])[:10])
        assert any(s.point_of_sale == record["point_of_sale"] and s.start_date <= day
                   and (s.end_date is None or day < s.end_date)
                   for s in by_track[generated.entity_id, str(record["source_system"])])
    initial = {s.entity_id for s in feed.stints if s.reason == "initial"}
    assert initial == set(feed.by_entity)


@pytest.mark.parametrize("reason", ["agent_change", "channel_switch", "relocation", "portfolio_transfer"])
def test_each_kind_of_move_ends_a_previous_stint(feed: Feed, reason: str) -> None:
    ended: dict[tuple[str, date], list[Stint]] = defaultdict(list)
    for stint in feed.stints:
        if stint.end_date is not None:
            ended[stint.entity_id, stint.end_date].append(stint)
    moves = [s for s in feed.stints if s.reason == reason]
    assert moves
    for move in moves:
        previous = ended[move.entity_id, move.start_date]
        assert previous
        if reason in ("agent_change", "portfolio_transfer"):
            assert any(p.network == move.network and p.point_of_sale != move.point_of_sale for p in previous)
        if reason == "channel_switch":
            assert any(p.network != move.network for p in previous)


def test_a_closed_point_of_sale_hands_many_clients_to_one_successor(feed: Feed) -> None:
    transfers = [s for s in feed.stints if s.reason == "portfolio_transfer"]
    per_successor = Counter(s.point_of_sale for s in transfers)
    assert per_successor.most_common(1)[0][1] >= 3
    successor, _ = per_successor.most_common(1)[0]
    days = sorted(s.start_date for s in transfers if s.point_of_sale == successor)
    assert (days[len(days) // 2] - days[0]).days <= 60  # most arrive together


def test_a_client_may_be_served_by_two_networks_at_once(feed: Feed) -> None:
    open_networks = Counter(s.entity_id for s in feed.stints if s.end_date is None)
    assert sum(1 for count in open_networks.values() if count == 2) >= 20


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_command_line_writes_identical_files_for_one_seed(tmp_path: Path, suffix: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        args = ["--records", "400", "--seed", "9", "--out", str(folder / f"records{suffix}"),
                "--truth", str(folder / "truth.csv"), "--stints", str(folder / "stints.csv"),
                "--points-of-sale", str(folder / "pos.csv")]
        assert main(args) == 0
        outputs.append({path.name: path.read_bytes() for path in folder.iterdir()})
    assert outputs[0] == outputs[1]
    assert "records: 400" in capsys.readouterr().out
    folder = tmp_path / "a"
    raw = gzip.decompress(outputs[0][f"records{suffix}"]) if suffix.endswith(".gz") else outputs[0][f"records{suffix}"]
    records = [orjson.loads(line) for line in raw.splitlines()]
    with (folder / "truth.csv").open(newline="") as handle:
        truth = list(csv.DictReader(handle))
    assert [(r["source_system"], r["source_record_id"]) for r in records] == \
        [(t["source_system"], t["source_record_id"]) for t in truth]
    with (folder / "stints.csv").open(newline="") as handle:
        stints = list(csv.DictReader(handle))
    assert list(stints[0]) == ["entity_id", "network", "point_of_sale", "start_date", "end_date", "reason",
                               "source_system", "source_record_id"]
    assert {s["entity_id"] for s in stints} == {t["entity_id"] for t in truth}
    with (folder / "pos.csv").open(newline="") as handle:
        points = [PointOfSale(**row) for row in csv.DictReader(handle)]
    assert points == list_points_of_sale(400, seed=9)
