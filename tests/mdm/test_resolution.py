"""Consolidation into golden records: duplicates linked, ids stable across runs, merges and splits, retractions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import DEFAULT_SOURCE_SYSTEMS
from matching.evaluate import evaluate_clusters
from mdm.db import transaction
from mdm.models import GoldenRecord, RecordLink
from mdm.resolution import _reconcile, current_links, resolve_all
from mdm.source_records import ingest_records, retract_record


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
    assignment, created, merged_count, split_count = _reconcile(clusters, record_ids, current)
    for golden_id, members in kept.items():
        assert assignment[golden_id] == members
    assert len(created) == len(assignment) - len(kept)
    assert (merged_count, split_count) == (merged, split)
