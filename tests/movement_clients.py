"""A small hub whose clients move: three clients of a closing agency reappear at its successor, one client is
served by an agent and a bank branch at once; beside them, generated clients give the model something to learn."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import DEFAULT_SOURCE_SYSTEMS
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.points_of_sale import import_points_of_sale
from mdm.resolution import current_links, resolve_all
from mdm.source_records import ingest_records

POINTS_OF_SALE = [
    {"code": "ZAGT1", "network": "AGENT", "city": "RABAT"}, {"code": "ZAGT2", "network": "AGENT", "city": "RABAT"},
    {"code": "ZAGT3", "network": "AGENT", "city": "FES"}, {"code": "ZBQ1", "network": "BANCASSURANCE", "city": "FES"},
    {"code": "ZBQ2", "network": "BANCASSURANCE", "city": "FES"},
]
TRANSFERRED = ("QWERTANI", "ZYXOUBI", "PLOMBARI")  # clients of ZAGT1, which closes; ZAGT2 takes them over
TWO_NETWORKS = "KORHONEN"


def person(number: int, last_name: str, source: str, record_id: str, point: str, day: str,
           line: str = "DOMMAGE") -> dict[str, object]:
    return {
        "source_system": source, "source_record_id": record_id, "point_of_sale": point,
        "received_at": f"{day}T10:00:00Z", "party_type": "person", "product_line": line,
        "first_name": "OTSO", "last_name": last_name, "birth_date": f"19{60 + number}-0{1 + number}-1{number}",
        "national_id": f"ZX9{number}0{number}1{number}", "phone": f"0699{number}0{number}1{number}2",
        "city": "RABAT", "address_line": f"{number} RUE DES ERABLES",
    }


def moving_clients() -> list[dict[str, object]]:
    records = []
    for number, name in enumerate(TRANSFERRED):
        records.append(person(number, name, "AGENT", f"ZA-{name}-1", "ZAGT1", f"2021-01-1{number}"))
        records.append(person(number, name, "AGENT", f"ZA-{name}-2", "ZAGT2", f"2022-03-0{number + 1}"))
    records += [
        person(5, TWO_NETWORKS, "AGENT", "ZA-K-1", "ZAGT3", "2020-01-15"),
        person(5, TWO_NETWORKS, "BANCASSURANCE", "ZB-K-1", "ZBQ1", "2020-06-15", "EPARGNE"),
        person(5, TWO_NETWORKS, "AGENT", "ZA-K-2", "ZAGT3", "2021-01-15"),
    ]
    return records


def load_moving_clients(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Stores and resolves the hub; answers the golden id of each named client."""
    with transaction(sessions) as session:
        import_points_of_sale(session, POINTS_OF_SALE, utc_now())
        ingest_records(session, [g.record for g in generate(600, seed=4)] + moving_clients(), DEFAULT_SOURCE_SYSTEMS)
    resolve_all(sessions)
    return golden_ids_by_name(sessions)


def golden_ids_by_name(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as session:
        links = {record_id: golden for _, record_id, golden in current_links(session)}
    return {name: links[f"ZA-{name}-1"] for name in TRANSFERRED} | {TWO_NETWORKS: links["ZA-K-1"]}
