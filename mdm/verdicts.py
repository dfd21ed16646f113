"""The steward verdicts in force, as every resolution reads them: the latest judgement on each pair of records,
unless a strong identifier of one of the two records changed since the versions the steward judged (a new CIN,
ICE or RC number makes it another record as far as identity goes, so the verdict no longer speaks for it)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from matching.standardise import standardise_record
from matching.uncertain import strong_identifiers
from mdm.db import any_of_parameter, on_postgresql
from mdm.models import Judgement, SourceRecord, SourceRecordVersion

Pair = tuple[int, int]  # record ids, in ascending order


@cache
def _every_judgement() -> Select[int, int, str, int, int]:
    """Every judgement, in id order."""
    return select(Judgement.record_a_id, Judgement.record_b_id, Judgement.verdict, Judgement.version_a,
                  Judgement.version_b).order_by(Judgement.id)


@cache
def _judgements_holding(postgresql: bool) -> Select[int, int, str, int, int]:
    """Those holding one of the records given as ``ids``: built once, as each online write reads them (see
    ``any_of_parameter``)."""
    return _every_judgement().where(any_of_parameter(Judgement.record_a_id, "ids", postgresql)
                                    | any_of_parameter(Judgement.record_b_id, "ids", postgresql))


def judgements_in_force(session: Session, record_ids: Iterable[int] | None = None) -> dict[Pair, str]:
    """The verdict in force on each judged pair that holds one of these records (all pairs when None)."""
    latest: dict[Pair, tuple[str, int, int]] = {}
    ordered = None if record_ids is None else sorted(set(record_ids))
    slices = [(_every_judgement(), {})] if ordered is None else [
        (_judgements_holding(on_postgresql(session)), {"ids": ordered[start:start + 2000]})
        for start in range(0, len(ordered), 2000)]
    for statement, parameters in slices:
        for record_a, record_b, verdict, version_a, version_b in session.execute(statement, parameters):
            latest[(record_a, record_b)] = (verdict, version_a, version_b)  # in id order: the latest wins
    if not latest:
        return {}
    lapsed = _identifier_changed_since(session, {(record, version) for (a, b), (_, version_a, version_b)
                                                 in latest.items() for record, version in ((a, version_a),
                                                                                           (b, version_b))})
    return {(a, b): verdict for (a, b), (verdict, version_a, version_b) in latest.items()
            if (a, version_a) not in lapsed and (b, version_b) not in lapsed}


def _identifier_changed_since(session: Session, judged: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (record, judged version) whose current version no longer carries a strong identifier it had then."""
    records = sorted({record for record, _ in judged})
    current: dict[int, int] = {}
    for start in range(0, len(records), 2000):
        current.update({record: version for record, version in session.execute(
            select(SourceRecord.id, SourceRecord.current_version).where(
                SourceRecord.id.in_(records[start:start + 2000])))})
    stale = {(record, version) for record, version in judged if current.get(record, version) != version}
    if not stale:  # the usual case: nothing was re-sent since it was judged
        return set()
    wanted = stale | {(record, current[record]) for record, _ in stale}
    payloads: dict[tuple[int, int], Any] = {}
    stale_records = sorted({record for record, _ in stale})
    for start in range(0, len(stale_records), 2000):
        for record, version, payload in session.execute(
                select(SourceRecordVersion.record_id, SourceRecordVersion.version, SourceRecordVersion.payload)
                .where(SourceRecordVersion.record_id.in_(stale_records[start:start + 2000]))):
            if (record, version) in wanted:
                payloads[(record, version)] = payload
    changed: set[tuple[int, int]] = set()
    for record, version in stale:
        then, now = payloads.get((record, version)), payloads.get((record, current[record]))
        if then is None or now is None:  # a retraction: the record is out of every resolution anyway
            continue
        before = strong_identifiers(standardise_record(then))
        after = strong_identifiers(standardise_record(now))
        if any(after.get(name) != value for name, value in before.items()):
            changed.add((record, version))
    return changed
