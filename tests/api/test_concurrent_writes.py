"""Concurrent batches that create and change the same records all succeed, and every version is kept once."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask


def _batch(round_number: int, writer: int) -> list[dict[str, Any]]:
    # Both writers send the same 40 records; the phone changes every round, so each round makes new versions.
    return [{"source_system": "AGENT", "source_record_id": f"AG{i}", "party_type": "person",
             "last_name": f"CLIENT {i}", "phone": f"06610000{round_number:02d}", "point_of_sale": f"AGT{i % 7}",
             "agent_comment": f"writer {writer}" if i == 0 else None}
            for i in range(40)]


def test_overlapping_batches_from_two_writers(app: Flask) -> None:
    rounds = 6
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def write(writer: int) -> None:
        client = app.test_client()
        try:
            for round_number in range(rounds):
                barrier.wait(timeout=30)
                response = client.post("/api/v1/records/batch", json=_batch(round_number, writer))
                with lock:
                    statuses.append(response.status_code)
        except BaseException as error:  # reported below, so a failing writer cannot hang the other one
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(writer,)) for writer in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert statuses == [200] * (2 * rounds)
    client = app.test_client()
    versions = client.get("/api/v1/records/AGENT/AG5/versions").get_json()
    # one version per round: the second writer's identical content is "unchanged", never a duplicate
    assert [v["version"] for v in versions] == list(range(1, rounds + 1))
    assert [v["payload"]["phone"] for v in versions] == [f"06610000{r:02d}" for r in range(rounds)]
