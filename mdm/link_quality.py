"""Quality of the current links against labelled truth, for every record and per party type."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from matching.evaluate import Evaluation, evaluate_clusters
from mdm.models import SourceRecord
from mdm.resolution import current_links

RecordKey = tuple[str, str]
# What `evaluate` reports: every record, then each party type on its own.
PARTY_GROUPS = (("all", None), ("persons", "person"), ("organisations", "organization"))


def read_truth(path: Path) -> dict[RecordKey, str]:
    """``source_system,source_record_id,entity_id`` as ``(SOURCE_SYSTEM, source_record_id) -> entity_id``."""
    with path.open(newline="", encoding="utf-8") as source:
        return {(row["source_system"].upper(), row["source_record_id"]): row["entity_id"]
                for row in csv.DictReader(source)}


def evaluate_links(session: Session, truth: dict[RecordKey, str]) -> dict[str, Evaluation]:
    """Pairwise and B-cubed scores of the current links, by group of ``PARTY_GROUPS`` (groups without a labelled
    record are left out)."""
    links = {(system, record_id): golden_id for system, record_id, golden_id in current_links(session)}
    parties = {(system, record_id): party for system, record_id, party in session.execute(
        select(SourceRecord.source_system, SourceRecord.source_record_id, SourceRecord.party_type))}
    results: dict[str, Evaluation] = {}
    for label, party in PARTY_GROUPS:
        predicted = {key: golden for key, golden in links.items() if party is None or parties.get(key) == party}
        result = evaluate_clusters(predicted, truth)
        if result.records:
            results[label] = result
    return results


def describe(label: str, result: Evaluation) -> str:
    pairwise, bcubed = result.pairwise, result.bcubed
    return (f"{label:<14} {result.records:>9,} records  pairwise P {pairwise.precision:.4f} R {pairwise.recall:.4f} "
            f"F1 {pairwise.f1:.4f}   B-cubed P {bcubed.precision:.4f} R {bcubed.recall:.4f} F1 {bcubed.f1:.4f}")
