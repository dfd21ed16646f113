"""Consolidation into golden records: duplicates linked, ids stable across runs, merges and splits, retractions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import DEFAULT_SOURCE_SYSTEMS
from matching.evaluate import evaluate_clusters
from mdm import golden_search, resolution
from mdm.bulk_load import load_file
from mdm.clock import utc_now
from mdm.db import transaction
from mdm.intake import take_in
from mdm.models import (
    BlockingKey,
    GoldenRecord,
    PlaceholderValueUse,
    RecordFinding,
    RecordLink,
    SearchTerm,
    SourceRecord,
    metadata,
)
from mdm.resolution import _reconcile, current_links, resolve_all
from mdm.source_records import ingest_records, retract_record
from mdm.survivorship import recompute


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> dict[tuple[str, str], str]:
    """1,500 generated records stored; answers their truth."""
    generated = list(generate(1500, seed=21))
    with transaction(sessions) as session:
        ingest_records(session, [g.record for g in generated], DEFAULT_SOURCE_SYSTEMS)
    return {(str(g.record["source_system"]), str(g.record["source_record_id"])): g.entity_id for g in generated}


def _links(sessions: sessionmaker[Session]) -> dict[tuple[str, str], str]:
    with sessions() as session:
        return {(system, record_id): golden for system, record_id, golden in current_links(session)}


def test_resolution_links_duplicates_and_keeps_ids_on_rerun(
    sessions: sessionmaker[Session], loaded: dict[tuple[str, str], str],
) -> None:
    first = resolve_all(sessions)
    links = _links(sessions)
    assert first.records == len(loaded) == len(links)
    assert first.created == first.golden_records < first.records
    assert all(golden.startswith("GC-") for golden in links.values())
    assert evaluate_clusters(links, loaded).pairwise.f1 > 0.95
    again = resolve_all(sessions)
    assert (again.links_changed, again.created, again.merged, again.split) == (0, 0, 0, 0)
    assert _links(sessions) == links
    assert again.model_version == first.model_version


def _link_schema(session: Session) -> tuple[list[object], list[object]]:
    inspector = inspect(session.connection())
    return (sorted((index["name"], index["column_names"]) for index in inspector.get_indexes("record_link")),
            sorted((fk["name"], fk["constrained_columns"], fk["referred_table"])
                   for fk in inspector.get_foreign_keys("record_link")))


def test_a_first_consolidation_writes_its_links_with_their_constraints_set_aside_then_restored(
    sessions: sessionmaker[Session], loaded: dict[tuple[str, str], str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(resolution, "FIRST_LINKS_SET_ASIDE_FROM", 100)  # as a first run of a large hub does
    with sessions() as session:
        schema = _link_schema(session)
        assert len(schema[0]) == 2 and len(schema[1]) == 3
    first = resolve_all(sessions)
    links = _links(sessions)
    assert first.records == len(links) == len(loaded)
    assert evaluate_clusters(links, loaded).pairwise.f1 > 0.95
    with sessions() as session:
        assert _link_schema(session) == schema
        record_id = session.scalar(select(RecordLink.record_id).limit(1))
        # On PostgreSQL each golden record was inserted with its attributes: the same as computed from scratch.
        goldens = session.execute(select(GoldenRecord.id, GoldenRecord.party_type, GoldenRecord.status,
                                         GoldenRecord.created_at, GoldenRecord.updated_at,
                                         GoldenRecord.attributes)).all()
        assert len(goldens) == first.golden_records == len(set(links.values()))
        assert all(status == "active" and created == updated for _, _, status, created, updated, _ in goldens)
        assert {golden_id: attributes for golden_id, *_, attributes in goldens} == recompute(
            session, [golden_id for golden_id, *_ in goldens])
        party_of_record = dict(session.execute(select(SourceRecord.id, SourceRecord.party_type)).all())
        party_of_golden = {golden_id: party_type for golden_id, party_type, *_ in goldens}
        assert all(party_of_golden[golden_id] == party_of_record[record]
                   for record, golden_id in session.execute(select(RecordLink.record_id, RecordLink.golden_id)))
    # The references are checked again: a link to a golden record that does not exist is refused.
    with pytest.raises(IntegrityError), transaction(sessions) as session:
        session.add(RecordLink(record_id=record_id, golden_id="GC-NOBODY", cause="resolution", valid_from=utc_now()))
    again = resolve_all(sessions)  # a later run has links already: written in place, and changes nothing
    assert (again.links_changed, again.created) == (0, 0) and _links(sessions) == links


def test_a_full_run_whose_index_rebuild_fails_writes_nothing(
    sessions: sessionmaker[Session], loaded: dict[tuple[str, str], str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The indexes are rebuilt beside the match (a thread on PostgreSQL): its failure is the run's, and the run's
    transaction holds none of its work."""
    def failing(*_: object) -> None:
        raise RuntimeError("disk full while writing the search index")

    monkeypatch.setattr(resolution, "rebuild_search_index", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        resolve_all(sessions)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(GoldenRecord)) == 0
        assert session.scalar(select(func.count()).select_from(BlockingKey)) == 0
    monkeypatch.undo()
    assert resolve_all(sessions).records == len(loaded)  # nothing left locked or half-open behind it


def test_a_full_run_whose_index_rows_cannot_be_made_writes_nothing(
    sessions: sessionmaker[Session], loaded: dict[tuple[str, str], str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL the indexes' rows are made by a forked process: one that dies fails the run, which waits for
    nothing more from it."""
    def failing(*_: object) -> Iterator[list[list[object]]]:
        raise ValueError("no memory left to make the search terms")
        yield []

    monkeypatch.setattr(resolution, "search_term_blocks", failing)  # the forked process's (PostgreSQL)
    monkeypatch.setattr(golden_search, "search_term_blocks", failing)  # made where they are written (SQLite)
    with pytest.raises((RuntimeError, ValueError), match=r"rendering rows ended early|no memory left"):
        resolve_all(sessions)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(GoldenRecord)) == 0
        assert session.scalar(select(func.count()).select_from(SearchTerm)) == 0
    monkeypatch.undo()
    assert resolve_all(sessions).records == len(loaded)


def test_a_retracted_record_leaves_its_golden_record(
    sessions: sessionmaker[Session], loaded: dict[tuple[str, str], str],
) -> None:
    resolve_all(sessions)
    before = _links(sessions)
    key = next(iter(before))
    with transaction(sessions) as session:
        retract_record(session, *key)
    resolve_all(sessions)
    after = _links(sessions)
    assert key not in after and len(after) == len(before) - 1
    with sessions() as session:
        closed = session.scalar(select(func.count()).select_from(RecordLink).where(RecordLink.valid_to.is_not(None)))
        assert closed == 1
        if before[key] not in after.values():
            golden = session.get(GoldenRecord, before[key])
            assert golden is not None and golden.status == "retired"


@pytest.mark.parametrize(("clusters", "current", "kept", "merged", "split"), [
    # two golden records joined: the one holding more of the cluster keeps its id, the other is merged away
    ({0: [0, 1, 2]}, {10: "GC-A", 11: "GC-A", 12: "GC-B"}, {"GC-A": [0, 1, 2]}, 1, 0),
    # one golden record split: the larger part keeps the id, the smaller gets a new one
    ({0: [0, 1], 2: [2]}, {10: "GC-A", 11: "GC-A", 12: "GC-A"}, {"GC-A": [0, 1]}, 0, 1),
    # nothing changed
    ({0: [0], 1: [1]}, {10: "GC-A", 11: "GC-B"}, {"GC-A": [0], "GC-B": [1]}, 0, 0),
])
def test_reconcile_keeps_ids_by_overlap(
    clusters: dict[int, list[int]], current: dict[int, str], kept: dict[str, list[int]], merged: int, split: int,
) -> None:
    record_ids = [10, 11, 12][: sum(map(len, clusters.values()))]
    assignment, created, merged_count, split_ids = _reconcile(clusters, record_ids, current)
    for golden_id, members in kept.items():
        assert assignment[golden_id] == members
    assert len(created) == len(assignment) - len(kept)
    assert (merged_count, len(split_ids)) == (merged, split)


def _record_id(sessions: sessionmaker[Session], system: str, source_record_id: str) -> int:
    from mdm.models import SourceRecord

    with sessions() as session:
        found = session.scalar(select(SourceRecord.id).where(SourceRecord.source_system == system,
                                                             SourceRecord.source_record_id == source_record_id))
        assert found is not None
        return found


def test_online_resolution_links_a_new_duplicate_and_creates_a_new_client(
    sessions: sessionmaker[Session], loaded: dict[tuple[str, str], str],
) -> None:
    from mdm.resolution import resolve_changed

    resolve_all(sessions)
    links = _links(sessions)
    sizes: dict[str, int] = {}
    for golden in links.values():
        sizes[golden] = sizes.get(golden, 0) + 1
    original = next(key for key, golden in links.items() if sizes[golden] >= 2)
    with sessions() as session:
        from mdm.source_records import get_record

        payload = dict(get_record(session, *original).current.payload or {})
    duplicate = {**payload, "source_system": "WEB", "source_record_id": "W-NEW-1"}
    stranger = {"source_system": "WEB", "source_record_id": "W-NEW-2", "party_type": "person",
                "first_name": "Zineb", "last_name": "Ouazzani Chahdi", "birth_date": "1999-09-09",
                "id_type": "CIN", "national_id": "ZT918273", "phone": "0698172635"}
    with transaction(sessions) as session:
        ingest_records(session, [duplicate, stranger], DEFAULT_SOURCE_SYSTEMS)
    new_ids = {_record_id(sessions, "WEB", "W-NEW-1"), _record_id(sessions, "WEB", "W-NEW-2")}
    with transaction(sessions) as session:
        outcome = resolve_changed(session, new_ids)
    duplicate_id = _record_id(sessions, "WEB", "W-NEW-1")
    stranger_id = _record_id(sessions, "WEB", "W-NEW-2")
    assert (outcome[duplicate_id].decision, outcome[duplicate_id].golden_id) == ("linked", links[original])
    assert outcome[stranger_id].decision == "new"
    assert outcome[stranger_id].golden_id not in set(links.values())
    after = _links(sessions)
    assert {k: v for k, v in after.items() if k[0] != "WEB" or not k[1].startswith("W-NEW")} == links
    with transaction(sessions) as session:
        retract_record(session, "WEB", "W-NEW-2")
    with transaction(sessions) as session:
        assert resolve_changed(session, {stranger_id})[stranger_id].decision == "retracted"
    assert ("WEB", "W-NEW-2") not in _links(sessions)


def test_online_and_batch_resolution_agree(sessions: sessionmaker[Session], loaded: dict[tuple[str, str], str]) -> None:
    """The last tenth of the records arrives online after a consolidation of the rest; a full consolidation of
    everything must give (almost) the same pairs."""
    from mdm.models import SourceRecord
    from mdm.resolution import resolve_changed

    keys = sorted(loaded)
    late = set(keys[-150:])
    with transaction(sessions) as session:
        late_ids = {record_id for record_id, system, source_id in session.execute(
            select(SourceRecord.id, SourceRecord.source_system, SourceRecord.source_record_id))
            if (system, source_id) in late}
        for record_id in late_ids:
            session.get(SourceRecord, record_id).is_deleted = True  # type: ignore[union-attr]
    resolve_all(sessions)
    with transaction(sessions) as session:
        for record_id in late_ids:
            session.get(SourceRecord, record_id).is_deleted = False  # type: ignore[union-attr]
    for record_id in sorted(late_ids):
        with transaction(sessions) as session:
            resolve_changed(session, {record_id})
    online = _links(sessions)
    resolve_all(sessions)
    batch = _links(sessions)
    agreement = evaluate_clusters(online, {key: golden for key, golden in batch.items()})
    assert agreement.pairwise.f1 >= 0.99


def test_daily_run_resolves_only_what_changed_since_the_last_run(sessions: sessionmaker[Session]) -> None:
    from mdm.resolution import resolve_since_last_run

    assert resolve_since_last_run(sessions) is None  # no model and no run yet: a full run is needed
    generated = list(generate(1200, seed=33))
    with transaction(sessions) as session:
        ingest_records(session, [g.record for g in generated[:1000]], DEFAULT_SOURCE_SYSTEMS)
    resolve_all(sessions)
    with transaction(sessions) as session:
        ingest_records(session, [g.record for g in generated[1000:]], DEFAULT_SOURCE_SYSTEMS)
    daily = resolve_since_last_run(sessions)
    assert daily is not None and daily.records == 200
    links = _links(sessions)
    assert len(links) == 1200
    truth = {(str(g.record["source_system"]), str(g.record["source_record_id"])): g.entity_id for g in generated}
    assert evaluate_clusters(links, truth).pairwise.f1 > 0.95
    quiet = resolve_since_last_run(sessions)
    assert quiet is not None and (quiet.records, quiet.links_changed) == (0, 0)


def test_a_file_loaded_online_agrees_with_the_same_file_stored_then_resolved(
    sessions: sessionmaker[Session], tmp_path: Path,
) -> None:
    """The same file, the same model: chunk-by-chunk online resolution and one batch consolidation give the same
    clients (the flows of DESIGN §4 must agree)."""
    generated = list(generate(1500, seed=44))
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"".join(orjson.dumps(g.record) + b"\n" for g in generated))
    truth = {(str(g.record["source_system"]), str(g.record["source_record_id"])): g.entity_id for g in generated}

    stored = load_file(sessions, feed, DEFAULT_SOURCE_SYSTEMS, _no_rejects)
    assert stored.decisions == Counter()  # stored only: nothing resolved yet
    resolve_all(sessions)
    batch = _links(sessions)
    with transaction(sessions) as session:  # a fresh hub that already holds the trained model
        for table in reversed(metadata.sorted_tables):
            if table.name != "match_model":
                session.execute(table.delete())

    online = load_file(sessions, feed, DEFAULT_SOURCE_SYSTEMS, _no_rejects, chunk_size=200, online=True)
    assert sum(online.decisions.values()) == 1500 and online.decisions["linked"] > 0
    links = _links(sessions)
    assert set(links) == set(batch)
    agreement = evaluate_clusters(links, batch)
    assert agreement.pairwise.precision >= 0.995 and agreement.pairwise.recall >= 0.995
    assert evaluate_clusters(links, truth).pairwise.f1 >= 0.95


def _no_rejects(number: int, text: bytes, errors: object) -> None:
    raise AssertionError(f"line {number} rejected: {errors}")


def test_a_stored_model_from_older_comparisons_is_retrained_not_used(
    sessions: sessionmaker[Session], loaded: dict[tuple[str, str], str],
) -> None:
    from mdm.models import MatchModelVersion
    from mdm.resolution import latest_model

    first = resolve_all(sessions)
    with transaction(sessions) as session:
        stored = session.get(MatchModelVersion, first.model_version)
        assert stored is not None and latest_model(session) is not None
        parameters = orjson.loads(orjson.dumps(stored.parameters))
        for party in parameters["parties"].values():  # as if trained when city had one level less
            city = party["comparisons"].index("city")
            party["m"][city], party["u"][city] = party["m"][city][:-1], party["u"][city][:-1]
        for comparisons in parameters["settings"]["comparisons"].values():
            comparisons[:] = [{"name": "city", "kind": "exact", "field": "city"} if comparison["name"] == "city"
                              else comparison for comparison in comparisons]
        session.add(MatchModelVersion(version="fs-older", trained_at=stored.trained_at + timedelta(seconds=1),
                                      trained_on_records=1, parameters=parameters))
    with sessions() as session:
        assert latest_model(session) is None
    again = resolve_all(sessions)  # trains again: the same records give the same version, the latest once more
    assert (again.model_version, again.links_changed) == (first.model_version, 0)
    with sessions() as session:
        model = latest_model(session)
        assert model is not None and model.version == first.model_version


def _index_rows(sessions: sessionmaker[Session]) -> dict[str, Counter[tuple[object, ...]]]:
    """Every row of the per-record indexes, without its row id."""
    with sessions() as session:
        return {table.name: Counter(tuple(row) for row in session.execute(
            select(*(column for column in table.columns if column.name != "id"))))
            for table in (BlockingKey.__table__, SearchTerm.__table__, RecordFinding.__table__,
                          PlaceholderValueUse.__table__)}


def test_records_created_and_changed_online_hold_the_index_rows_a_full_run_gives_them(
    sessions: sessionmaker[Session], loaded: dict[tuple[str, str], str],
) -> None:
    resolve_all(sessions)
    newcomer = {"source_system": "WEB", "source_record_id": "W-IDX-1", "party_type": "person",
                "first_name": "Zineb", "last_name": "Ouazzani Chahdi", "birth_date": "1999-09-09",
                "national_id": "ZT918273", "phone": "0600000000"}  # a placeholder phone: a finding
    with sessions() as session:
        from mdm.source_records import get_record

        known = {**(get_record(session, *min(loaded)).current.payload or {}), "first_name": "Hamza"}
    with transaction(sessions) as session:
        created = take_in(session, [newcomer, {**newcomer, "source_record_id": "W-IDX-2", "phone": "0698172635"}],
                          DEFAULT_SOURCE_SYSTEMS)
    assert [result.status for result in created] == ["created", "created"]
    with transaction(sessions) as session:  # a new version of a created record and of one a full run indexed
        take_in(session, [{**newcomer, "last_name": "Ouazzani", "phone": "0698172636"}, known],
                DEFAULT_SOURCE_SYSTEMS)
    online = _index_rows(sessions)
    assert online["blocking_key"] and online["search_term"] and online["record_finding"]
    resolve_all(sessions)
    assert _index_rows(sessions) == online
