"""The queue through the hub: a father and a son share a name and a home, and the son's record captured without a
birth date is a possible match for the father. The son's other record carries his own identity card, which a steward
would see at once: the hub settles the two golden records apart and asks nobody. Without that card, it asks."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matching.model import MatchModel, PartyModel
from matching.settings import shipped_settings
from matching.uncertain import POSSIBLE_MATCH
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.models import OPEN, MatchModelVersion, SourceRecord, StewardshipTask
from tests.matching.person_parameters import PERSON_COMPARISON_NAMES, PERSON_M, PERSON_U

HOME = {"party_type": "person", "first_name": "Ahmed", "last_name": "Tazi", "address_line": "12 rue des Fleurs",
        "city": "Casablanca"}
FATHER = {**HOME, "birth_date": "1950-03-02", "id_type": "CIN", "national_id": "BE734519", "phone": "0661785432"}
SON = {**HOME, "birth_date": "1982-07-19", "phone": "0677123456", "email": "ahmed.tazi82@gmail.com"}
SON_WITHOUT_DATE = {**HOME, "email": "ahmed.tazi82@gmail.com"}


def _store_hand_set_model(app: Flask) -> None:
    # One client in 100,000 pairs, and a name as common as MOHAMED ALAMI: a shared name and home alone is possible.
    person = PartyModel(0, PERSON_COMPARISON_NAMES, PERSON_M, PERSON_U, 1e-5, 100_000,
                        {"name": {"AHMAD TAZI": 0.02}}, 1)
    model = MatchModel("fs-hand-set", {0: person}, shipped_settings())
    with transaction(app.extensions["mdm.sessions"]) as session:
        session.add(MatchModelVersion(version=model.version, trained_at=utc_now(), trained_on_records=100_000,
                                      parameters=orjson.loads(model.to_json())))


def _post(client: FlaskClient, source_record_id: str, record: dict[str, Any]) -> None:
    answer = client.post("/api/v1/records", json={"source_system": "AGENT", "source_record_id": source_record_id,
                                                  **record})
    assert answer.status_code in (200, 201), answer.get_json()


@pytest.mark.parametrize(("son_card", "asked"), [("BK482913", False), (None, True)])
def test_a_son_whose_own_card_says_two_clients_is_not_asked(app: Flask, client: FlaskClient, son_card: str | None,
                                                            asked: bool) -> None:
    _store_hand_set_model(app)
    _post(client, "F-1", FATHER)
    _post(client, "F-2", FATHER)
    _post(client, "S-1", {**SON, "id_type": "CIN", "national_id": son_card} if son_card else SON)
    _post(client, "S-0", SON_WITHOUT_DATE)
    with app.extensions["mdm.sessions"]() as session:
        tasks = session.scalars(select(StewardshipTask).where(StewardshipTask.status == OPEN)).all()
        asked_about = [(task.kind, sorted(session.scalars(select(SourceRecord.source_record_id).where(
            SourceRecord.id.in_((task.record_a_id, task.record_b_id)))).all())) for task in tasks]
        models = session.execute(select(MatchModelVersion.version)).scalars().all()
    assert models == ["fs-hand-set"]  # the hub scored with the stored model, never trained another
    # The question, when there is one, is the father against the son's record without a birth date.
    assert [(kind, records[1]) for kind, records in asked_about] == ([(POSSIBLE_MATCH, "S-0")] if asked else [])
    assert all(records[0].startswith("F-") for _, records in asked_about)
