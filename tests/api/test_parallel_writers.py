"""Eight parallel writers through gunicorn on PostgreSQL: one client sent at once under one record key (versions,
re-sends) and under eight keys of eight networks (one golden record), several rounds, every answer a success."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from config import DEFAULT_SOURCE_SYSTEMS, PROJECT_ROOT
from mdm.audit import verify_chain
from mdm.clock import utc_now
from mdm.db import make_engine, make_session_factory, transaction, upgrade_database
from mdm.models import GoldenRecord, RecordLink, SourceRecord, SourceRecordVersion
from mdm.tokens import issue_token
from tests.conftest import POSTGRES_URL, create_postgres_schema, drop_postgres_schema, postgres_schema_url
from tests.golden_scenarios import consolidate

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(not POSTGRES_URL, reason="MDM_TEST_POSTGRES_URL is not set: gunicorn writers need PostgreSQL"),
]

WRITERS = 8
ROUNDS = 4
SHARED = ("AGENT", "AG-SHARED-1")  # case (a): every writer sends this one record key
# Case (b): writer w speaks for one network; eight writers over five source systems, each at its own point of sale.
NETWORKS = [DEFAULT_SOURCE_SYSTEMS[w % len(DEFAULT_SOURCE_SYSTEMS)] for w in range(WRITERS)]
FIRST_NAMES = ["Khadija", "Youssef", "Salma", "Hamza"]
LAST_NAMES = ["Bennani Smires", "Ouazzani Chahdi", "Lahlou Kassi", "Skalli Fettah"]


@dataclass(frozen=True, slots=True)
class Hub:
    url: str
    sessions: sessionmaker[Session]
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _token(sessions: sessionmaker[Session], role: str, source_system: str | None, name: str) -> str:
    with transaction(sessions) as session:
        return issue_token(session, role, source_system, name, timedelta(hours=1), DEFAULT_SOURCE_SYSTEMS,
                           "cli:test", utc_now()).secret


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A consolidated hub (300 records, a trained model) in a schema of its own, served by gunicorn."""
    schema = create_postgres_schema()
    url = postgres_schema_url(schema)
    engine: Engine = make_engine(url)
    upgrade_database(engine)
    sessions = make_session_factory(engine)
    consolidate(sessions, records=300)
    port = _free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {**os.environ, "MDM_DATABASE_URL": url, "MDM_SECRET_KEY": "parallel-writers-test"}
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "4", "--threads", "2",
             "--bind", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # any answer (401 without a token) means a worker serves requests
            try:
                requests.get(f"{base}/api/v1/records/AGENT/none", timeout=60)  # workers may still import
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield Hub(base, sessions, log)
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()
        drop_postgres_schema(schema)


def _person(round_number: int, writer: int) -> dict[str, Any]:
    """Round r's client as network w sends it: same name, birth date, national id and phone, written each its own
    way (case, date format, phone format), at its own point of sale, some with an e-mail or an address."""
    first, last = FIRST_NAMES[round_number], LAST_NAMES[round_number]
    birth = (1971 + round_number, 2 + round_number, 14)  # day above 12: both formats read one date
    dates = [f"{birth[0]}-{birth[1]:02d}-{birth[2]:02d}", f"{birth[2]:02d}/{birth[1]:02d}/{birth[0]}"]
    phone = f"0661{round_number:02d}7{round_number}93"
    return {
        "source_system": NETWORKS[writer], "source_record_id": f"PAR-{round_number}-{writer}",
        "party_type": "person", "point_of_sale": f"PAR{writer}", "product_line": "DOMMAGE",
        "civility": "Mme" if round_number % 2 == 0 else "M",
        "first_name": first.upper() if writer % 2 else first, "last_name": last.upper() if writer % 3 else last,
        "birth_date": dates[writer % 2], "id_type": "CIN", "national_id": f"QK{round_number}{48213 + round_number}",
        "phone": phone if writer % 2 else f"+212 6 61 {phone[4:6]} {phone[6:8]} {phone[8:]}",
        "email": f"{first.lower()}.{last.split()[0].lower()}@example.ma" if writer % 4 == 0 else None,
        "address_line": f"{12 + round_number} rue Ibn Batouta" if writer % 4 == 1 else None,
        "city": "Rabat",
    }


def _shared(variant: str) -> dict[str, Any]:
    """Case (a): one record of one client; ``variant`` changes only the address, so each variant is a version."""
    return {
        "source_system": SHARED[0], "source_record_id": SHARED[1], "party_type": "person", "point_of_sale": "PARA",
        "civility": "M", "first_name": "Abdelilah", "last_name": "Zniber Kettani", "birth_date": "1966-09-23",
        "id_type": "CIN", "national_id": "QZ903317", "phone": "0662917345", "city": "Fes",
        "address_line": f"residence {variant}",
    }


@dataclass(frozen=True, slots=True)
class Answer:
    writer: int
    step: str  # person | distinct | identical
    round_number: int
    sent: dict[str, Any]
    status: int
    body: dict[str, Any]


def _write_all(hub: Hub) -> list[Answer]:
    """Eight writer threads; before each request all of them meet at a barrier, so they send at the same moment."""
    tokens = [(_token(hub.sessions, "source", NETWORKS[w], f"network writer {w}"),
               _token(hub.sessions, "source", SHARED[0], f"agent writer {w}")) for w in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)
    answers: list[Answer] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def write(writer: int) -> None:
        network, agent = (requests.Session() for _ in range(2))
        network.headers["Authorization"] = f"Bearer {tokens[writer][0]}"
        agent.headers["Authorization"] = f"Bearer {tokens[writer][1]}"
        for client in (network, agent):
            # A connection per request: gunicorn closes a kept-alive connection idle for 2 s, and a writer waits at
            # the barrier as long as the slowest request takes; a request sent as it closes got no answer.
            client.headers["Connection"] = "close"
        try:
            for round_number in range(ROUNDS):
                steps = [("person", network, _person(round_number, writer)),
                         ("distinct", agent, _shared(f"r{round_number} w{writer}")),
                         ("identical", agent, _shared(f"r{round_number} all"))]
                for step, client, record in steps:
                    barrier.wait(timeout=60)
                    response = client.post(f"{hub.url}/api/v1/records", json=record, timeout=60)
                    body = response.json() if response.headers.get("Content-Type", "").endswith("json") else {
                        "text": response.text}
                    with lock:
                        answers.append(Answer(writer, step, round_number, record, response.status_code, body))
        except BaseException as error:  # reported by the test; aborting the barrier frees the other writers
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return answers


def test_eight_writers_keep_one_history_and_one_golden_record_per_client(hub: Hub) -> None:
    with hub.sessions() as session:
        goldens_before = set(session.scalars(select(GoldenRecord.id)))
    started = time.perf_counter()
    answers = _write_all(hub)
    elapsed = time.perf_counter() - started
    retries = Counter(re.findall(r"lost a race \((\w+)\)", hub.log.read_text()))
    print(f"\n{len(answers)} POSTs by {WRITERS} writers in {ROUNDS} rounds: {elapsed:.1f} s; "
          f"statuses {dict(Counter(a.status for a in answers))}; retried transactions {dict(retries)}")

    # Every answer a success: no deadlock or lost race reaches the sender.
    assert [a for a in answers if a.status not in (200, 201)] == []
    assert len(answers) == 3 * WRITERS * ROUNDS

    # (b) each round's client, sent by eight networks at once: eight records, one golden record.
    people = [a for a in answers if a.step == "person"]
    assert Counter(a.body["status"] for a in people) == {"created": WRITERS * ROUNDS}
    with hub.sessions() as session:
        links = {record_id: golden_id for record_id, golden_id in session.execute(
            select(SourceRecord.source_record_id, RecordLink.golden_id)
            .join(RecordLink, RecordLink.record_id == SourceRecord.id).where(RecordLink.valid_to.is_(None)))}
        open_links = Counter(session.scalars(select(RecordLink.record_id).where(RecordLink.valid_to.is_(None))))
        new_goldens = {golden_id: status for golden_id, status in session.execute(
            select(GoldenRecord.id, GoldenRecord.status)) if golden_id not in goldens_before}
        versions = list(session.execute(
            select(SourceRecordVersion.version, SourceRecordVersion.content_hash, SourceRecordVersion.payload)
            .join(SourceRecord, SourceRecord.id == SourceRecordVersion.record_id)
            .where(SourceRecord.source_system == SHARED[0], SourceRecord.source_record_id == SHARED[1])
            .order_by(SourceRecordVersion.version)))
        chain = verify_chain(session)
    assert max(open_links.values()) == 1  # no record holds two current links
    per_round = [{links[f"PAR-{r}-{w}"] for w in range(WRITERS)} for r in range(ROUNDS)]
    assert [len(goldens) for goldens in per_round] == [1] * ROUNDS, per_round
    for round_number, (golden,) in enumerate(per_round):
        # every sender was told the golden record the client ends in, not a short-lived duplicate
        assert {a.body["golden_id"] for a in people if a.round_number == round_number} == {golden}

    # (a) one record key from eight writers: versions 1..n, each distinct content exactly once.
    distinct = [a for a in answers if a.step == "distinct"]
    identical = [a for a in answers if a.step == "identical"]
    expected_versions = ROUNDS * (WRITERS + 1)
    assert [v.version for v in versions] == list(range(1, expected_versions + 1))
    assert len({v.content_hash for v in versions}) == expected_versions
    stored = Counter(v.payload["address_line"] for v in versions)
    sent = {a.sent["address_line"] for a in distinct + identical}
    assert stored == dict.fromkeys(sent, 1)
    address_of = {v.version: v.payload["address_line"] for v in versions}
    for answer in distinct + identical:  # the version each writer was told holds what that writer sent
        assert address_of[answer.body["version"]] == answer.sent["address_line"]
    for writer in range(WRITERS):
        told = [a.body["version"] for a in answers if a.writer == writer and a.step != "person"]
        assert told == sorted(told) and len(set(told)) == len(told)
    assert Counter(a.body["status"] for a in distinct) == {"created": 1, "updated": WRITERS * ROUNDS - 1}
    for round_number in range(ROUNDS):
        same = [a for a in identical if a.round_number == round_number]
        assert Counter(a.body["status"] for a in same) == {"updated": 1, "unchanged": WRITERS - 1}
        assert len({a.body["version"] for a in same}) == 1  # re-sends answer the version the first one made
    shared_golden = links[SHARED[1]]
    assert {a.body["golden_id"] for a in distinct + identical} == {shared_golden}

    # One golden record per client was ever made, and each is active: no duplicate made and merged away later.
    assert new_goldens == dict.fromkeys([*(g for (g,) in per_round), shared_golden], "active")
    assert chain.intact, chain

    # What a reader of the API sees: the versions in order, and each client's golden record with all its records.
    auditor = requests.Session()
    auditor.headers["Authorization"] = f"Bearer {_token(hub.sessions, 'auditor', None, 'test auditor')}"
    listed = auditor.get(f"{hub.url}/api/v1/records/{SHARED[0]}/{SHARED[1]}/versions", timeout=30).json()
    assert [v["version"] for v in listed] == list(range(1, expected_versions + 1))
    for round_number, (golden,) in enumerate(per_round):
        body = auditor.get(f"{hub.url}/api/v1/golden/{golden}", timeout=30).json()
        assert body["status"] == "active"
        assert sorted(x["source_record_id"] for x in body["xrefs"]) == [
            f"PAR-{round_number}-{w}" for w in range(WRITERS)]
