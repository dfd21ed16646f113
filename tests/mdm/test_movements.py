"""Movements: stints derived from a client's dated observations, and portfolio transfers seen across clients."""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate, list_points_of_sale
from config import DEFAULT_SOURCE_SYSTEMS, Config
from matching.settings import SHIPPED_SETTINGS, shipped_settings
from mdm import movements
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.intake import take_in, take_out
from mdm.models import (
    GoldenRecord,
    OutboxEvent,
    PointOfSale,
    PointOfSaleStint,
    RecordLink,
    SourceRecordVersion,
)
from mdm.movements import (
    HANDOVER_DAYS,
    MIN_TRANSFERRED_CLIENTS,
    REASONS,
    TRANSFER_WINDOW_DAYS,
    Closure,
    Movement,
    MoveOut,
    Observation,
    derive_stints,
    movement_history,
    one_home_similarity,
    portfolio_transfers,
    refresh_movements,
)
from mdm.points_of_sale import import_points_of_sale, update_point_of_sale
from mdm.resolution import GoldenChanges, resolve_all
from mdm.source_records import ingest_records
from tests.movement_clients import TRANSFERRED, TWO_NETWORKS, load_moving_clients, person

NETWORKS = {"AGT": "AGENT", "BQ": "BANCASSURANCE", "CRT": "COURTIER", "WEB": "WEB"}
SHIPPED_SIMILARITY = one_home_similarity(shipped_settings())


def seen(day: str, point: str, version: int, line: str | None = None, city: str | None = "RABAT",
         address: str | None = None, phone: str | None = None) -> Observation:
    """The client, living in ``city`` at ``address`` (with the ``phone`` given), sent by ``point`` for ``line`` on
    ``day``; the address and phone read as a record's fields are."""
    return Observation(date.fromisoformat(day), version, point, NETWORKS[point.rstrip("0123456789")], line, city,
                       address, (phone,))


def d(day: str) -> date:
    return date.fromisoformat(day)


# Each case: observations (any order) -> stints as (point, from, start, end, reason, evidence version).
CASES = {
    "single record is an initial stint": (
        [seen("2020-03-01", "AGT1", 1)],
        [("AGT1", None, d("2020-03-01"), None, "initial", 1)],
    ),
    "further records at the same point of sale extend the stint": (
        [seen("2020-03-01", "AGT1", 1), seen("2021-05-01", "AGT1", 2)],
        [("AGT1", None, d("2020-03-01"), None, "initial", 1)],
    ),
    "a new agent of the same network in the same city": (
        [seen("2020-03-01", "AGT1", 1), seen("2021-05-01", "AGT2", 2)],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT2", "AGT1", d("2021-05-01"), None, "agent_change", 2)],
    ),
    "the client's address moved to another city": (
        [seen("2020-03-01", "AGT1", 1), seen("2021-05-01", "AGT3", 2, city="FES")],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT3", "AGT1", d("2021-05-01"), None, "relocation", 2)],
    ),
    "a new network while the old one stops sending": (
        [seen("2020-03-01", "AGT1", 1), seen("2020-09-01", "AGT1", 2), seen("2021-05-01", "BQ1", 3),
         seen("2022-01-01", "BQ1", 4)],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("BQ1", "AGT1", d("2021-05-01"), None, "channel_switch", 3)],
    ),
    "two networks that keep sending serve the client at once": (
        [seen("2020-03-01", "AGT1", 1), seen("2020-06-01", "BQ1", 2), seen("2021-01-01", "AGT1", 3),
         seen("2021-02-01", "BQ1", 4)],
        [("AGT1", None, d("2020-03-01"), None, "initial", 1),
         ("BQ1", None, d("2020-06-01"), None, "initial", 2)],
    ),
    "a newer version of one record names another point of sale": (
        [seen("2020-03-01", "AGT1", 10), seen("2020-03-01", "AGT2", 11)],
        [("AGT1", None, d("2020-03-01"), d("2020-03-01"), "initial", 10),
         ("AGT2", "AGT1", d("2020-03-01"), None, "agent_change", 11)],
    ),
    "observations are ordered by date, not by arrival": (
        [seen("2021-05-01", "AGT2", 1), seen("2020-03-01", "AGT1", 2)],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 2),
         ("AGT2", "AGT1", d("2021-05-01"), None, "agent_change", 1)],
    ),
    "of two concurrent tracks, the one whose network stops is the one that switches": (
        [seen("2020-01-01", "AGT1", 1), seen("2020-02-01", "BQ1", 2), seen("2020-06-01", "AGT1", 3),
         seen("2021-01-01", "CRT1", 4), seen("2021-06-01", "BQ1", 5)],
        [("AGT1", None, d("2020-01-01"), d("2021-01-01"), "initial", 1),
         ("BQ1", None, d("2020-02-01"), None, "initial", 2),
         ("CRT1", "AGT1", d("2021-01-01"), None, "channel_switch", 4)],
    ),
    "a new agent in another town is no relocation while the client stays": (
        [seen("2020-03-01", "AGT1", 1), seen("2021-05-01", "AGT3", 2, city=None), seen("2021-06-01", "AGT3", 3)],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT3", "AGT1", d("2021-05-01"), None, "agent_change", 2)],
    ),
    "the address that tells a relocation may come on a later record": (
        [seen("2020-03-01", "AGT1", 1), seen("2021-05-01", "AGT3", 2, city=None),
         seen("2021-06-01", "AGT3", 3, city="FES")],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT3", "AGT1", d("2021-05-01"), None, "relocation", 2)],
    ),
    "the track of the same network moves, not another network's": (
        [seen("2020-01-01", "BQ1", 1), seen("2020-02-01", "AGT1", 2), seen("2021-01-01", "AGT3", 5),
         seen("2021-06-01", "BQ1", 6)],
        [("BQ1", None, d("2020-01-01"), None, "initial", 1),
         ("AGT1", None, d("2020-02-01"), d("2021-01-01"), "initial", 2),
         ("AGT3", "AGT1", d("2021-01-01"), None, "agent_change", 5)],
    ),
    "between networks the product line tells which contract moved": (
        [seen("2020-01-01", "AGT1", 1, "EPARGNE"), seen("2020-02-01", "CRT1", 2, "DOMMAGE"),
         seen("2020-03-01", "AGT1", 3, "EPARGNE"), seen("2020-04-01", "CRT1", 4, "DOMMAGE"),
         seen("2021-01-01", "WEB1", 5, "EPARGNE")],
        [("AGT1", None, d("2020-01-01"), d("2021-01-01"), "initial", 1),
         ("CRT1", None, d("2020-02-01"), None, "initial", 2),
         ("WEB1", "AGT1", d("2021-01-01"), None, "channel_switch", 5)],
    ),
    "within a network a move back is one more move": (
        [seen("2020-01-01", "AGT1", 1), seen("2021-01-01", "AGT2", 2), seen("2022-01-01", "AGT1", 3)],
        [("AGT1", None, d("2020-01-01"), d("2021-01-01"), "initial", 1),
         ("AGT2", "AGT1", d("2021-01-01"), d("2022-01-01"), "agent_change", 2),
         ("AGT1", "AGT2", d("2022-01-01"), None, "agent_change", 3)],
    ),
    # A household that moves within its city gets a new address and a new landline: no other city to tell it.
    "a new address and landline in the same city is a relocation": (
        [seen("2020-03-01", "AGT1", 1, address="12 RUE IBN SINA", phone="0537 21 43 65"),
         seen("2021-05-01", "AGT2", 2, address="RES AL AMAL IMM 4 APPT 9 HAY RIAD", phone="0537 77 80 91")],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT2", "AGT1", d("2021-05-01"), None, "relocation", 2)],
    ),
    "a new address line alone, landline unknown, is a relocation": (
        [seen("2020-03-01", "AGT1", 1, address="RESIDENCE AL AMAL IMM 17 APPT 148"),
         seen("2021-05-01", "AGT2", 2, address="RESIDENCE NAKHIL IMM 3 APPT 12")],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT2", "AGT1", d("2021-05-01"), None, "relocation", 2)],
    ),
    "a new landline alone, address unknown, is a relocation": (
        [seen("2020-03-01", "AGT1", 1, phone="0537214365"), seen("2021-05-01", "AGT2", 2, phone="0537778091")],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT2", "AGT1", d("2021-05-01"), None, "relocation", 2)],
    ),
    "one address typed two ways, with the city appended, is no relocation": (
        [seen("2020-03-01", "AGT1", 1, address="Res. Al Amal Imm 17 Appt 148", phone="0537214365"),
         seen("2021-05-01", "AGT2", 2, address="RESIDENCE AL AMAL IMMEUBLE 17 APPARTEMENT 148, RABAT")],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT2", "AGT1", d("2021-05-01"), None, "agent_change", 2)],
    ),
    "a new address line with the same landline is a typing, not a move": (
        [seen("2020-03-01", "AGT1", 1, address="12 RUE IBN SINA", phone="0537214365"),
         seen("2021-05-01", "AGT2", 2, address="LOT NAKHIL NO 7", phone="05 37 21 43 65")],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT2", "AGT1", d("2021-05-01"), None, "agent_change", 2)],
    ),
    "a placeholder address is no evidence of a move": (
        [seen("2020-03-01", "AGT1", 1, address="12 RUE IBN SINA"), seen("2021-05-01", "AGT2", 2, address="NEANT")],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT2", "AGT1", d("2021-05-01"), None, "agent_change", 2)],
    ),
    "a new mobile number is no move: it follows the client": (
        [seen("2020-03-01", "AGT1", 1, phone="0661234567"), seen("2021-05-01", "AGT2", 2, phone="0677654321")],
        [("AGT1", None, d("2020-03-01"), d("2021-05-01"), "initial", 1),
         ("AGT2", "AGT1", d("2021-05-01"), None, "agent_change", 2)],
    ),
    # Savings opened at a bank branch while the agent keeps the motor insurance: the agent's records show mainly
    # DOMMAGE, the bank's EPARGNE, even when one agent record was filed under the bank's line by mistake.
    "a newcomer for another main product line is a contract beside the old one": (
        [seen("2020-01-01", "AGT1", 1, "DOMMAGE"), seen("2020-03-01", "AGT1", 2, "DOMMAGE"),
         seen("2020-06-01", "AGT1", 3, "EPARGNE"), seen("2021-01-01", "BQ1", 4, "EPARGNE"),
         seen("2021-06-01", "BQ1", 5, "EPARGNE")],
        [("AGT1", None, d("2020-01-01"), None, "initial", 1),
         ("BQ1", None, d("2021-01-01"), None, "initial", 4)],
    ),
    # A client who takes its motor insurance to a broker: one broker record filed under another line does not hide
    # that the broker mainly sends the line the agent sent.
    "a newcomer mainly sending the old line took it over despite one record under another": (
        [seen("2020-01-01", "AGT1", 1, "DOMMAGE"), seen("2020-06-01", "AGT1", 2, "DOMMAGE"),
         seen("2021-01-01", "CRT1", 3, "PREVOYANCE"), seen("2021-06-01", "CRT1", 4, "DOMMAGE"),
         seen("2022-01-01", "CRT1", 5, "DOMMAGE")],
        [("AGT1", None, d("2020-01-01"), d("2021-01-01"), "initial", 1),
         ("CRT1", "AGT1", d("2021-01-01"), None, "channel_switch", 3)],
    ),
    "a new network for another product line while the old one falls silent is a contract beside it": (
        [seen("2020-01-01", "AGT1", 1, "DOMMAGE"), seen("2021-01-01", "BQ1", 2, "EPARGNE")],
        [("AGT1", None, d("2020-01-01"), None, "initial", 1),
         ("BQ1", None, d("2021-01-01"), None, "initial", 2)],
    ),
}


@pytest.mark.parametrize(("observations", "expected"), CASES.values(), ids=CASES.keys())
def test_stints_of_one_client(observations: list[Observation], expected: list[tuple[object, ...]]) -> None:
    stints = derive_stints(observations, SHIPPED_SIMILARITY)
    assert [(s.point_of_sale, s.from_point_of_sale, s.start_date, s.end_date, s.history_reason,
             s.evidence_version_id) for s in stints] == expected


def test_a_stint_remembers_its_last_observation() -> None:
    first, second = derive_stints([seen("2020-01-01", "AGT1", 1), seen("2020-07-01", "AGT1", 2),
                                   seen("2021-01-01", "BQ1", 3)], SHIPPED_SIMILARITY)
    assert (first.last_seen_date, second.last_seen_date) == (d("2020-07-01"), d("2021-01-01"))


# One street typed two ways at two agents of one town: 86 alike by token-set ratio.
RETYPED_STREET = [seen("2020-03-01", "AGT1", 1, address="8 RUE DES ERABLES"),
                  seen("2021-05-01", "AGT2", 2, address="8 RUE DES ERABLIERES")]


@pytest.mark.parametrize(("similarity", "reason"), [
    (SHIPPED_SIMILARITY, "agent_change"), (90, "relocation"), (None, "agent_change")],
    ids=["alike enough to be one home", "too little alike", "address lines not compared"])
def test_how_alike_two_address_lines_of_one_home_are_is_given(similarity: float | None, reason: str) -> None:
    assert [s.history_reason for s in derive_stints(RETYPED_STREET, similarity)] == ["initial", reason]


CLOSED_ON = d("2022-03-10")


def moves(successor: str, days: list[int], origin: str = "AGT1") -> list[MoveOut]:
    """One client per day offset (from the day the origin was last seen) moving origin -> successor."""
    return [MoveOut(f"{successor}-{n}", f"GC-{successor}-{n}", origin, successor, CLOSED_ON + timedelta(days=offset))
            for n, offset in enumerate(days)]


TRANSFERS = {
    "many clients reappear at one successor right after the closure": (
        moves("AGT2", [3, 10, 25]), {"AGT2-0", "AGT2-1", "AGT2-2"}),
    "too few clients is a coincidence": (moves("AGT2", [3, 10]), set()),
    "the handover may start a little before the last record": (
        moves("AGT2", [-HANDOVER_DAYS, 1, 2]), {"AGT2-0", "AGT2-1", "AGT2-2"}),
    "moves long before the point of sale fell silent are ordinary": (
        moves("AGT2", [-400, 1, 2, 5]), {"AGT2-1", "AGT2-2", "AGT2-3"}),
    "the clients may reappear long after the agency's last record": (
        moves("AGT2", [400, 420, 430]), {"AGT2-0", "AGT2-1", "AGT2-2"}),
    "moves spread beyond the window do not make a transfer": (
        moves("AGT2", [1, TRANSFER_WINDOW_DAYS + 1, TRANSFER_WINDOW_DAYS + 40]), set()),
    "a client seen at the successor only later still followed the portfolio": (
        moves("AGT2", [1, 2, 3, 700]), {"AGT2-0", "AGT2-1", "AGT2-2", "AGT2-3"}),
    "clients scattering to several points of sale are not a transfer": (
        moves("AGT2", [1, 2]) + moves("AGT3", [3, 4]), set()),
    "only the moves to the successor are labelled": (
        moves("AGT2", [1, 2, 3]) + moves("CRT1", [4]), {"AGT2-0", "AGT2-1", "AGT2-2"}),
}


@pytest.mark.parametrize(("leaving", "expected"), TRANSFERS.values(), ids=TRANSFERS.keys())
def test_portfolio_transfers(leaving: list[MoveOut], expected: set[str]) -> None:
    assert portfolio_transfers(leaving, {"AGT1": CLOSED_ON}) == expected


def test_a_declared_closure_makes_a_single_move_to_its_successor_a_transfer() -> None:
    # A small agency closes: the hub knows one of its clients, who reappears at the successor.
    closures = {"AGT1": Closure(CLOSED_ON, "AGT2")}
    chose_it_before = MoveOut("early", "GC-early", "AGT1", "AGT2", CLOSED_ON - timedelta(days=HANDOVER_DAYS + 200))
    assert portfolio_transfers(moves("AGT2", [5]) + moves("AGT3", [6]) + [chose_it_before], {}, closures) == {
        "AGT2-0"}


def test_one_client_moving_many_times_is_not_many_clients() -> None:
    same_client = [MoveOut(n, "GC-ONE", "AGT1", "AGT2", CLOSED_ON + timedelta(days=n)) for n in range(1, 6)]
    assert MIN_TRANSFERRED_CLIENTS > 1 and portfolio_transfers(same_client, {"AGT1": CLOSED_ON}) == set()


def _history(sessions: sessionmaker[Session], golden_id: str) -> list[tuple[object, ...]]:
    with sessions() as session:
        return [(s.point_of_sale, s.from_point_of_sale, s.start_date, s.end_date, s.reason, s.source_record_id)
                for s in movement_history(session, golden_id).stints]


@pytest.mark.parametrize("chunk", [5000, 2], ids=["by chunks of ids", "one pass over every link"])
def test_resolution_records_stints_and_the_transfer_of_a_closed_agency(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, chunk: int,
) -> None:
    monkeypatch.setattr(movements, "_CHUNK", chunk)  # below the refreshed count, a full run reads links in one pass
    golden = load_moving_clients(sessions)
    assert len(set(golden.values())) == len(golden)
    for number, name in enumerate(TRANSFERRED):
        moved = d(f"2022-03-0{number + 1}")
        assert _history(sessions, golden[name]) == [
            ("ZAGT1", None, d(f"2021-01-1{number}"), moved, "initial", f"ZA-{name}-1"),
            ("ZAGT2", "ZAGT1", moved, None, "portfolio_transfer", f"ZA-{name}-2"),
        ]
    with sessions() as session:
        both = movement_history(session, golden[TWO_NETWORKS])
    assert both.current_points_of_sale == ("ZAGT3", "ZBQ1")
    assert [(s.point_of_sale, s.reason, s.end_date) for s in both.stints] == [
        ("ZAGT3", "initial", None), ("ZBQ1", "initial", None)]


def test_an_online_record_from_the_old_agency_undoes_the_transfer(sessions: sessionmaker[Session]) -> None:
    golden = load_moving_clients(sessions)
    straggler = person(7, "NIEMINEN", "AGENT", "ZA-N-1", "ZAGT1", "2022-06-01")
    with transaction(sessions) as session:
        take_in(session, [straggler], DEFAULT_SOURCE_SYSTEMS)
    # The agency still sends months after its clients left: each of them changed agent on their own.
    for name in TRANSFERRED:
        assert [reason for *_, reason, _ in _history(sessions, golden[name])] == ["initial", "agent_change"]
    with transaction(sessions) as session:
        take_out(session, "AGENT", "ZA-N-1")
    assert all(_history(sessions, golden[name])[-1][4] == "portfolio_transfer" for name in TRANSFERRED)


def test_a_refresh_answers_the_moves_it_found_once(sessions: sessionmaker[Session]) -> None:
    golden = load_moving_clients(sessions)
    client = golden[TWO_NETWORKS]
    moved = person(5, TWO_NETWORKS, "BANCASSURANCE", "ZB-K-1", "ZBQ2", "2021-09-01", "EPARGNE")
    changes = GoldenChanges("online", None, utc_now(), frozenset(), {}, frozenset(), frozenset(), (),
                            frozenset({client}), frozenset())
    with transaction(sessions) as session:
        ingest_records(session, [moved], DEFAULT_SOURCE_SYSTEMS)  # a new version of the bank's record
        found = refresh_movements(session, changes, shipped_settings())
    assert [(m.golden_id, m.network, m.from_point_of_sale, m.to_point_of_sale, m.date, m.reason) for m in found] == [
        (client, "BANCASSURANCE", "ZBQ1", "ZBQ2", d("2021-09-01"), "agent_change")]
    with transaction(sessions) as session:
        assert refresh_movements(session, changes, shipped_settings()) == []
    with sessions() as session:
        assert movement_history(session, client).current_points_of_sale == ("ZAGT3", "ZBQ2")


def test_merged_and_retired_golden_records_lose_their_stints(sessions: sessionmaker[Session]) -> None:
    golden = load_moving_clients(sessions)
    absorbed, emptied = golden[TWO_NETWORKS], golden[TRANSFERRED[0]]
    with transaction(sessions) as session:
        refresh_movements(session, GoldenChanges("resolution", None, utc_now(), frozenset(), {absorbed: "GC-X"},
                                                 frozenset({emptied}), frozenset(), (), frozenset(), frozenset()),
                          shipped_settings())
    with sessions() as session:
        left = set(session.scalars(select(PointOfSaleStint.golden_id).distinct()))
    assert absorbed not in left and emptied not in left and golden[TRANSFERRED[1]] in left


def test_an_online_move_is_announced_as_a_client_moved_event(sessions: sessionmaker[Session]) -> None:
    golden = load_moving_clients(sessions)
    client = golden[TWO_NETWORKS]
    moved = person(5, TWO_NETWORKS, "BANCASSURANCE", "ZB-K-1", "ZBQ2", "2021-09-01", "EPARGNE")
    with transaction(sessions) as session:
        (answer,) = take_in(session, [moved], DEFAULT_SOURCE_SYSTEMS)
    assert answer.golden_id == client
    with sessions() as session:
        announced = session.scalars(select(OutboxEvent).where(
            OutboxEvent.type == "client.moved", OutboxEvent.golden_id == client).order_by(OutboxEvent.id)).all()
    assert announced[-1].payload == {
        "network": "BANCASSURANCE", "from_point_of_sale": "ZBQ1", "to_point_of_sale": "ZBQ2", "date": "2021-09-01",
        "reason": "agent_change", "evidence_version_id": announced[-1].payload["evidence_version_id"]}


def test_declaring_a_closure_relabels_the_moves_it_explains(sessions: sessionmaker[Session]) -> None:
    golden = load_moving_clients(sessions)
    # One client of ZAGT3 is seen again at ZAGT1: alone, it is an agent change.
    with transaction(sessions) as session:
        take_in(session, [person(6, "LAHTINEN", "AGENT", "ZA-L-1", "ZAGT3", "2020-02-01"),
                          person(6, "LAHTINEN", "AGENT", "ZA-L-2", "ZAGT1", "2020-09-03")], DEFAULT_SOURCE_SYSTEMS)
    with sessions() as session:
        client = session.scalar(select(PointOfSaleStint.golden_id)
                                .where(PointOfSaleStint.from_point_of_sale == "ZAGT3"))
    assert client is not None and _history(sessions, client)[-1][4] == "agent_change"
    with transaction(sessions) as session:
        update_point_of_sale(session, "ZAGT3", {"closed_on": "2020-09-01", "successor": "zagt1"}, utc_now())
    assert [(point, origin, reason) for point, origin, _, _, reason, _ in _history(sessions, client)] == [
        ("ZAGT3", None, "initial"), ("ZAGT1", "ZAGT3", "portfolio_transfer")]
    with sessions() as session:
        announced = session.scalars(select(OutboxEvent).where(
            OutboxEvent.type == "client.moved", OutboxEvent.golden_id == client).order_by(OutboxEvent.id)).all()
    assert announced[-1].payload == {
        "network": "AGENT", "from_point_of_sale": "ZAGT3", "to_point_of_sale": "ZAGT1", "date": "2020-09-03",
        "reason": "portfolio_transfer", "previous_reason": "agent_change",
        "evidence_version_id": announced[-1].payload["evidence_version_id"]}
    # The client served by two networks at once left nothing at ZAGT3: its history is untouched.
    assert [reason for *_, reason, _ in _history(sessions, golden[TWO_NETWORKS])] == ["initial", "initial"]
    with transaction(sessions) as session:  # the closure withdrawn: the move is the client's own again
        update_point_of_sale(session, "ZAGT3", {"closed_on": None, "successor": None}, utc_now())
    assert _history(sessions, client)[-1][4] == "agent_change"


@pytest.mark.parametrize(("similar_from", "reason"), [(None, "agent_change"), (90, "relocation")],
                         ids=["shipped settings", "settings asking more of the similar level"])
def test_a_move_within_the_town_is_told_by_the_configured_address_similarity(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, similar_from: int | None,
    reason: str,
) -> None:
    if similar_from is not None:
        document = json.loads(SHIPPED_SETTINGS.read_text())
        address = next(c for c in document["comparisons"]["person"] if c["name"] == "address")
        address["thresholds"] = [95, similar_from]
        edited = tmp_path / "settings.json"
        edited.write_text(json.dumps(document))
        monkeypatch.setattr(Config, "MATCH_SETTINGS", str(edited))
    load_moving_clients(sessions)
    # The client's second agent in Rabat types its street 86 % like the first did: the shipped "similar" level
    # (65) calls that one home, settings asking 90 a new one.
    first = person(8, "VIRTANEN", "AGENT", "ZA-V-1", "ZAGT2", "2020-02-01")
    second = {**person(8, "VIRTANEN", "AGENT", "ZA-V-2", "ZAGT1", "2020-09-01"),
              "address_line": "8 RUE DES ERABLIERES"}
    assert first["address_line"] == "8 RUE DES ERABLES"
    with transaction(sessions) as session:
        answers = take_in(session, [first, second], DEFAULT_SOURCE_SYSTEMS)
    (client,) = {answer.golden_id for answer in answers}
    assert [(point, origin, why) for point, origin, _, _, why, _ in _history(sessions, client)] == [
        ("ZAGT2", None, "initial"), ("ZAGT1", "ZAGT2", reason)]


def load_varied_hub(sessions: sessionmaker[Session]) -> None:
    """A generated hub whose clients move in every way: relocations (also within a town), agent changes, channel
    switches, concurrent networks, and small agencies that close and hand their clients over."""
    records, seed = 800, 2  # this seed's clients show every reason
    with transaction(sessions) as session:
        import_points_of_sale(session, (
            {"code": p.code, "network": p.network, "city": p.city, "name": p.name,
             **({"closed_on": p.closed_on.isoformat(), "successor": p.successor or ""} if p.closed_on else {})}
            for p in list_points_of_sale(records, seed, movement_traps=True)), utc_now())
        ingest_records(session, [g.record for g in generate(records, seed, movement_traps=True)],
                       DEFAULT_SOURCE_SYSTEMS)
    resolve_all(sessions)


def _rebuild_every_history(session: Session) -> tuple[list[Movement], list[tuple[object, ...]]]:
    """The moves a refresh of every active golden record answers, and the stints it stores."""
    golden_ids = frozenset(session.scalars(select(GoldenRecord.id).where(GoldenRecord.status == "active")))
    session.execute(delete(PointOfSaleStint))
    moves = refresh_movements(session, GoldenChanges("resolution", None, utc_now(), golden_ids, {}, frozenset(),
                                                     frozenset(), (), golden_ids), shipped_settings())
    stints = session.execute(select(
        PointOfSaleStint.golden_id, PointOfSaleStint.network, PointOfSaleStint.point_of_sale,
        PointOfSaleStint.from_point_of_sale, PointOfSaleStint.start_date, PointOfSaleStint.end_date,
        PointOfSaleStint.last_seen_date, PointOfSaleStint.history_reason, PointOfSaleStint.evidence_version_id,
        PointOfSaleStint.reason).order_by(PointOfSaleStint.golden_id, PointOfSaleStint.start_date,
                                          PointOfSaleStint.evidence_version_id, PointOfSaleStint.point_of_sale))
    return moves, [tuple(row) for row in stints]


def _histories_from_the_records(session: Session) -> list[tuple[object, ...]]:
    """Every client's stints derived from its records' versions as the ORM reads them (payload parsed in Python,
    day received in UTC): what the observations read in SQL must give. History only: no transfer relabelling."""
    networks = {code: network for code, network in session.execute(select(PointOfSale.code, PointOfSale.network))}
    observed: dict[str, list[Observation]] = {}
    for golden_id, version in session.execute(
            select(RecordLink.golden_id, SourceRecordVersion)
            .join(SourceRecordVersion, SourceRecordVersion.record_id == RecordLink.record_id)
            .where(RecordLink.valid_to.is_(None), SourceRecordVersion.is_tombstone.is_(False),
                   SourceRecordVersion.point_of_sale_code.is_not(None))):
        received = version.received_at
        day = (received.astimezone(UTC) if received.tzinfo else received).date()  # SQLite keeps UTC, zoneless
        payload = version.payload or {}
        observed.setdefault(golden_id, []).append(Observation(
            day, version.id, version.point_of_sale_code, networks[version.point_of_sale_code], version.product_line,
            payload.get("city"), payload.get("address_line"), (payload.get("phone"), payload.get("phone_alt"))))
    return sorted(((golden_id, s.network, s.point_of_sale, s.from_point_of_sale, s.start_date, s.end_date,
                    s.last_seen_date, s.history_reason, s.evidence_version_id)
                   for golden_id, observations in observed.items()
                   for s in derive_stints(observations, SHIPPED_SIMILARITY)), key=_stint_order)


def _stint_order(row: tuple[Any, ...]) -> tuple[Any, ...]:
    golden_id, _, point, _, start, *_, evidence = row[:9]
    return golden_id, start, evidence, point


def test_a_full_refresh_reads_in_one_pass_what_the_records_tell_chunk_by_chunk(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_varied_hub(sessions)
    with sessions() as session:
        monkeypatch.setattr(movements, "_CHUNK", 50)  # below the refreshed count: one pass over every link
        one_pass = _rebuild_every_history(session)
        session.rollback()
        monkeypatch.setattr(movements, "_CHUNK", 5000)
        by_chunks = _rebuild_every_history(session)
        expected = _histories_from_the_records(session)
        session.rollback()
    assert one_pass == by_chunks
    moves, stints = one_pass
    assert {row[-1] for row in stints} == set(REASONS)  # every kind of move is compared
    assert len(moves) == sum(row[3] is not None for row in stints)  # each move once, none known before
    assert sorted((row[:-1] for row in stints), key=_stint_order) == expected
