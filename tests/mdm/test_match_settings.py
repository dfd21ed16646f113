"""The hub's match settings: a broken file stops it at start; settings a user changes (a comparison on the employer
kept in the payload) retrain the model, reach the blocking index and are shown by the explanation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import Config
from hub import create_app
from matching.settings import SHIPPED_SETTINGS, SettingsError
from mdm.cli import cli
from mdm.models import BlockingKey, MatchModelVersion
from mdm.resolution import latest_model, resolve_all


@pytest.fixture
def broken_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "bad-settings.json"
    document = json.loads(SHIPPED_SETTINGS.read_text())
    document["comparisons"]["person"][0]["kind"] = "soundex"
    path.write_text(json.dumps(document))
    monkeypatch.setattr(Config, "MATCH_SETTINGS", str(path))
    return path


def test_the_hub_does_not_start_with_broken_match_settings(broken_settings: Path, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="unknown kind \"soundex\"") as refused:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}", "TESTING": True})
    assert str(broken_settings) in str(refused.value)
    assert not (tmp_path / "never.sqlite3").exists()


def test_the_command_line_does_not_start_with_broken_match_settings(broken_settings: Path) -> None:
    result = CliRunner().invoke(cli, ["migrate"])
    assert result.exit_code != 0
    assert str(broken_settings) in result.output and "unknown kind" in result.output


def _with_employer(tmp_path: Path) -> Path:
    document: dict[str, Any] = json.loads(SHIPPED_SETTINGS.read_text())
    document["extra_fields"] = [*document["extra_fields"], "employer"]
    document["comparisons"]["person"].append({"name": "employer", "kind": "similar_text", "field": "employer",
                                              "scorer": "token_set_ratio", "thresholds": [85]})
    document["blocking_rules"]["person"].append({"name": "family_employer", "on": ["family_name", "employer"],
                                                 "cap": 20})
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(document))
    return path


def test_changed_settings_retrain_the_model_and_are_explained(
    client: FlaskClient, sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    generated = list(generate(400, seed=4))
    employers = ("Boulangerie Paul", "Etude Roux", "Clinique Atlas", "Cabinet Alami")
    records = [{**g.record, "employer": employers[i % 4]} if g.record["party_type"] == "person" else g.record
               for i, g in enumerate(generated)]
    assert client.post("/api/v1/records/batch", json=records).status_code == 200
    first = resolve_all(sessions)
    with sessions() as session:
        assert latest_model(session) is not None
    monkeypatch.setattr(Config, "MATCH_SETTINGS", str(_with_employer(tmp_path)))
    with sessions() as session:
        assert latest_model(session) is None  # trained with other settings: not used, online writes wait
    second = resolve_all(sessions)
    assert second.model_version != first.model_version
    with sessions() as session:
        stored = session.scalar(select(MatchModelVersion.parameters)
                                .where(MatchModelVersion.version == second.model_version))
        assert stored["settings"]["extra_fields"] == ["birth_place", "occupation", "employer"]
        assert session.scalar(select(BlockingKey.key).where(BlockingKey.key.like("family_employer:%")).limit(1))
    person = next(r for r in records if r.get("employer") == "Boulangerie Paul")
    a = f"{person['source_system']}:{person['source_record_id']}"
    twin = {**person, "source_system": "WEB", "source_record_id": "W-EMPLOYER", "employer": "boulangerie  paul "}
    assert client.post("/api/v1/records", json=twin).get_json()["decision"] == "linked"
    body = client.get(f"/api/v1/match/explain?a={a}&b=WEB:W-EMPLOYER").get_json()
    employer = next(item for item in body["evidence"] if item["comparison"] == "employer")
    assert employer["level"] == "exact" and employer["left"] == employer["right"] == ["BOULANGERIE PAUL"]
    assert body["settings"]["comparisons"]["person"][-1]["name"] == "employer"
    assert body["model_version"] == second.model_version
