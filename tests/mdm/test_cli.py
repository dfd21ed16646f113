"""The command line: load, demo and point of sale import, against each backend."""

from __future__ import annotations

import csv
import gzip
import hashlib
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config import Config
from mdm.cli import DEMO_FOLDER, cli
from mdm.models import AccessToken, PointOfSale, SourceRecord
from tests.conftest import client_with_token


@pytest.fixture
def hub(database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(Config, "DATABASE_URL", database_url)
    return CliRunner()


def _records(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(SourceRecord)) or 0


def test_cli_load_prints_summary_and_writes_rejects(hub: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [orjson.dumps({"source_system": "WEB", "source_record_id": f"W{i}", "party_type": "person",
                           "full_name": f"CLIENT {i}"}) for i in range(3)]
    path.write_bytes(b"\n".join([*lines, b"oops"]) + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    result = hub.invoke(cli, ["load", str(path), "--no-resolve", "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "read 4" in result.output and "stored 3" in result.output and "rejected 1" in result.output
    (reject,) = [orjson.loads(line) for line in rejects.read_bytes().splitlines()]
    assert reject["line"] == 4 and reject["raw"] == "oops" and reject["errors"][0]["rule"] == "json"


def test_demo_loads_bundled_records_and_points_of_sale_once(hub: CliRunner, sessions: sessionmaker[Session]) -> None:
    with gzip.open(DEMO_FOLDER / "demo.jsonl.gz") as demo:
        expected = sum(1 for line in demo if line.strip())
    first = hub.invoke(cli, ["demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert _records(sessions) == expected
    with sessions() as session:
        cities = set(session.scalars(select(PointOfSale.city)))
    assert "CASABLANCA" in cities and None not in cities
    second = hub.invoke(cli, ["demo", "--if-empty"])
    assert "already holds records" in second.output
    assert _records(sessions) == expected


def test_point_of_sale_import_creates_then_updates(
    hub: CliRunner, sessions: sessionmaker[Session], tmp_path: Path,
) -> None:
    path = tmp_path / "pos.csv"
    path.write_text("code,network,city,name\nAGT0001,AGENT,RABAT,Cabinet Alami\n", encoding="utf-8")
    assert "1 created" in hub.invoke(cli, ["import-points-of-sale", str(path)]).output
    path.write_text("code,network,city,name\nAGT0001,AGENT,SALE,Cabinet Alami\n", encoding="utf-8")
    assert "1 updated" in hub.invoke(cli, ["import-points-of-sale", str(path)]).output
    with sessions() as session:
        point = session.get(PointOfSale, "AGT0001")
        assert point is not None and point.city == "SALE"


def test_load_resolves_then_links_export_and_evaluate(hub: CliRunner, tmp_path: Path) -> None:
    from benchmarks.synthetic import generate

    generated = list(generate(1000, seed=9))
    feed, truth, links = tmp_path / "feed.jsonl", tmp_path / "truth.csv", tmp_path / "links.csv"
    feed.write_bytes(b"".join(orjson.dumps(g.record) + b"\n" for g in generated[:800]))
    truth.write_text("source_system,source_record_id,entity_id\n" + "".join(
        f"{g.record['source_system']},{g.record['source_record_id']},{g.entity_id}\n" for g in generated))
    loaded = hub.invoke(cli, ["load", str(feed), "--rejects", str(tmp_path / "r.jsonl"), "--workers", "1"])
    assert loaded.exit_code == 0, loaded.output
    assert "no match model yet" in loaded.output and "resolved 800 records into" in loaded.output
    # Each step's time, those of the match apart: what an operator reads to see where a run spends it.
    assert "survivorship, the rest" in loaded.output and "read and match: standardise" in loaded.output
    # With a model in place, the next file is resolved as it arrives, chunk by chunk.
    feed.write_bytes(b"".join(orjson.dumps(g.record) + b"\n" for g in generated[800:]))
    loaded = hub.invoke(cli, ["load", str(feed), "--rejects", str(tmp_path / "r.jsonl"), "--chunk-size", "50"])
    assert loaded.exit_code == 0, loaded.output
    online = dict(part.split() for part in loaded.output.split("resolved online: ")[1].splitlines()[0].split("  "))
    assert sum(map(int, online.values())) == 200 and int(online["linked"]) > 0
    exported = hub.invoke(cli, ["export", "links", "--out", str(links)])
    assert exported.exit_code == 0, exported.output
    rows = links.read_text().splitlines()
    assert rows[0] == "source_system,source_record_id,golden_id" and len(rows) == 1001
    assert len({row.rsplit(",", 1)[1] for row in rows[1:]}) < 1000
    evaluated = hub.invoke(cli, ["evaluate", "--truth", str(truth)])
    assert evaluated.exit_code == 0, evaluated.output
    f1 = float(evaluated.output.split("F1 ")[1].split()[0])
    assert f1 > 0.9


def test_resolving_an_empty_hub_says_so(hub: CliRunner) -> None:
    result = hub.invoke(cli, ["resolve"])
    assert result.exit_code == 0 and "no live record" in result.output


def test_export_movements_writes_one_row_per_stint(
    hub: CliRunner, sessions: sessionmaker[Session], tmp_path: Path,
) -> None:
    from tests.movement_clients import TRANSFERRED, TWO_NETWORKS, load_moving_clients

    golden = load_moving_clients(sessions)
    out = tmp_path / "movements.csv"
    result = hub.invoke(cli, ["export", "movements", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    assert f"{len(rows):,} stints written" in result.output
    assert list(rows[0]) == ["golden_id", "network", "point_of_sale", "start_date", "end_date", "reason",
                             "source_system", "source_record_id"]
    name = TRANSFERRED[2]
    assert [row for row in rows if row["golden_id"] == golden[name]] == [
        {"golden_id": golden[name], "network": "AGENT", "point_of_sale": "ZAGT1", "start_date": "2021-01-12",
         "end_date": "2022-03-03", "reason": "initial", "source_system": "AGENT", "source_record_id": f"ZA-{name}-1"},
        {"golden_id": golden[name], "network": "AGENT", "point_of_sale": "ZAGT2", "start_date": "2022-03-03",
         "end_date": "", "reason": "portfolio_transfer", "source_system": "AGENT",
         "source_record_id": f"ZA-{name}-2"},
    ]
    concurrent = [row for row in rows if row["golden_id"] == golden[TWO_NETWORKS]]
    assert [(row["network"], row["end_date"], row["reason"]) for row in concurrent] == [
        ("AGENT", "", "initial"), ("BANCASSURANCE", "", "initial")]
    assert all(row["reason"] in {"initial", "agent_change", "channel_switch", "relocation", "portfolio_transfer"}
               for row in rows)


def test_token_create_prints_the_token_alone_on_its_last_line_and_revoke_ends_it(
        hub: CliRunner, app: Flask, sessions: sessionmaker[Session]) -> None:
    created = hub.invoke(cli, ["token", "create", "--role", "source", "--source-system", "web", "--name", "web shop",
                               "--expires-in", "12h"])
    assert created.exit_code == 0, created.output
    secret = created.output.splitlines()[-1]
    assert secret.startswith("mdm_") and " " not in secret
    with sessions() as session:
        stored = session.scalars(select(AccessToken)).one()
    assert (stored.name, stored.role, stored.source_system) == ("web shop", "source", "WEB")
    assert secret not in (stored.token_hash, stored.prefix) and stored.token_hash == hashlib.sha256(
        secret.encode()).hexdigest()
    web = client_with_token(app, secret)
    assert web.get("/api/v1/records/WEB/W1").status_code == 404  # let in: the record just does not exist
    listed = hub.invoke(cli, ["token", "list"])
    assert "web shop" in listed.output and "active" in listed.output and secret not in listed.output
    revoked = hub.invoke(cli, ["token", "revoke", str(stored.id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert web.get("/api/v1/records/WEB/W1").status_code == 401
    assert "revoked" in hub.invoke(cli, ["token", "list"]).output


def test_token_create_refuses_a_source_token_without_its_network(hub: CliRunner) -> None:
    refused = hub.invoke(cli, ["token", "create", "--role", "source"])
    assert refused.exit_code == 1
    assert "a source token names the network it speaks for" in refused.output
    assert hub.invoke(cli, ["token", "revoke", "12345"]).exit_code == 1


def test_token_demo_gives_one_working_token_per_role_and_revokes_the_previous_ones(hub: CliRunner, app: Flask) -> None:
    first = hub.invoke(cli, ["token", "demo"])
    assert first.exit_code == 0, first.output
    tokens = {line.split()[0]: line.split()[-1] for line in first.output.splitlines()}
    assert set(tokens) == {"source", "steward", "auditor", "admin"}
    assert client_with_token(app, tokens["auditor"]).get("/api/v1/events").status_code == 200
    assert hub.invoke(cli, ["token", "demo"]).exit_code == 0
    assert client_with_token(app, tokens["auditor"]).get("/api/v1/events").status_code == 401


def test_cli_load_rejects_lines_by_the_api_rules_and_names_them(
    hub: CliRunner, sessions: sessionmaker[Session], tmp_path: Path,
) -> None:
    good = {"source_system": "WEB", "source_record_id": "W1", "party_type": "person", "full_name": "AICHA ALAMI"}
    lines = [
        orjson.dumps(good),
        orjson.dumps({**good, "source_record_id": "W2", "full_name": "AICHA\x00ALAMI"}),
        orjson.dumps({**good, "source_record_id": "W3", "full_name": "A" * 301}),
        orjson.dumps({**good, "source_record_id": "W4", "phone": 661234567}),
        b'{"source_system": "WEB", "source_record_id": "W5", "source_record_id": "W6", "party_type": "person", '
        b'"full_name": "X"}',
        b'{"source_system": "WEB", "source_record_id": "W7", "party_type": "person", "full_name": "X", "n": NaN}',
    ]
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    result = hub.invoke(cli, ["load", str(path), "--no-resolve", "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "stored 1" in result.output and "rejected 5" in result.output
    reported = {reject["line"]: (reject["errors"][0]["field"], reject["errors"][0]["rule"])
                for reject in map(orjson.loads, rejects.read_bytes().splitlines())}
    assert reported == {2: ("full_name", "control_character"), 3: ("full_name", "max_length"), 4: ("phone", "type"),
                        5: ("$.source_record_id", "duplicate_key"), 6: ("$", "non_finite_number")}
    assert "full_name: control_character" in result.output
    assert _records(sessions) == 1
