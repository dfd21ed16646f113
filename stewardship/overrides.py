"""Steward overrides of golden records: merge, split, unmerge, and the undo of each, made durable by judgements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mdm.audit import AuditEntry, append_events
from mdm.db import lock_space
from mdm.errors import Conflict, FieldError, InvalidInput, NotFound
from mdm.golden_records import survivor_of
from mdm.models import NOT_SAME, SAME, GoldenOverride, GoldenRecord, Judgement, RecordLink, SourceRecord
from mdm.resolution import (
    ACTIVE,
    MERGED,
    OVERRIDE,
    RESOLUTION_LOCKS,
    Claims,
    golden_ids_of,
    new_golden_id,
    resolve_claimed,
)
from mdm.verdicts import judgements_in_force

MERGE, SPLIT, UNMERGE = "merge", "split", "unmerge"
OVERRIDE_RECORDED = "override.recorded"
RecordKey = tuple[str, str]
Partition = dict[str, list[int]]  # golden id -> record ids


@dataclass(frozen=True, slots=True)
class GoldenState:
    """A golden record as an override left it: status, redirect and the records it holds."""

    id: str
    party_type: str
    status: str
    merged_into: str | None
    records: tuple[RecordKey, ...]


@dataclass(frozen=True, slots=True)
class OverrideResult:
    """The stored override and the golden records it touched, as they stand once it is applied."""

    id: int
    kind: str
    golden_id: str
    undoes: int | None
    actor: str
    reason: str
    decided_at: datetime
    judgements: tuple[int, ...]
    golden_records: tuple[GoldenState, ...]


@dataclass(frozen=True, slots=True)
class _Steward:
    """Who decides, why and when: the same for every judgement and event one override writes."""

    actor: str
    reason: str
    now: datetime
    undoes: int | None = None


def merge_golden_records(session: Session, golden_ids: Sequence[str], survivor: str | None, actor: str,
                         reason: str, now: datetime, undoes: int | None = None) -> OverrideResult:
    """Merge active golden records of one party type into ``survivor`` (default: the oldest); the others become
    redirects to it. ``same`` judgements tie all their records together for every later resolution."""
    _go_alone(session)
    steward = _Steward(actor, _required_reason(reason), now, undoes)
    ids = list(dict.fromkeys(golden_ids))
    if len(ids) < 2:
        raise InvalidInput("a golden record cannot be merged with itself", (
            FieldError("golden_ids", "distinct", "name at least two different golden records"),))
    goldens = [_golden(session, "golden_ids", golden_id) for golden_id in ids]
    _require_active(goldens, "golden_ids")
    if len({golden.party_type for golden in goldens}) > 1:
        raise InvalidInput("a person and an organisation are different clients", (
            FieldError("golden_ids", "party_type", "merge golden records of one party type: "
                       + ", ".join(f"{golden.id} is a {golden.party_type}" for golden in goldens)),))
    if survivor is None:
        survivor = min(goldens, key=lambda golden: (golden.created_at, golden.id)).id
    elif survivor not in ids:
        raise InvalidInput("the survivor must be one of the golden records merged", (
            FieldError("survivor", "one_of", f"{survivor!r} is not among golden_ids"),))
    before = _members(session, ids)
    after = {survivor: sorted(record for records in before.values() for record in records)}
    return _apply(session, MERGE, survivor, before, after, steward)


def split_golden_record(session: Session, golden_id: str, records: Sequence[RecordKey], each_alone: bool,
                        actor: str, reason: str, now: datetime, undoes: int | None = None) -> OverrideResult:
    """Take these records out of an active golden record: together into a new golden record (or each alone), kept
    apart from the rest by ``not_same`` judgements. The id stays with the part that keeps most records (the
    remaining part on a tie)."""
    _go_alone(session)
    steward = _Steward(actor, _required_reason(reason), now, undoes)
    golden = _golden(session, "golden_id", golden_id)
    _require_active([golden], "golden_id")
    if not records:
        raise InvalidInput("name the records to split out", (
            FieldError("records", "required", "list at least one record of the golden record"),))
    members = _members(session, [golden_id])[golden_id]
    by_key = {key: record_id for record_id, key in _keys(session, members).items()}
    wanted = [(system.upper(), record_id) for system, record_id in records]
    missing = tuple(FieldError(f"records.{index}", "member", f"{key[0]}:{key[1]} is not a record of {golden_id}")
                    for index, key in enumerate(wanted) if key not in by_key)
    if missing:
        raise InvalidInput(f"only records of {golden_id} can be split out of it", missing)
    out = sorted({by_key[key] for key in wanted})
    rest = sorted(set(members) - set(out))
    if not rest:
        raise InvalidInput("splitting out every record leaves nothing to split from", (
            FieldError("records", "remainder", f"at least one record must stay in {golden_id}"),))
    parts = [rest, *([[record] for record in out] if each_alone else [out])]
    largest = max(range(len(parts)), key=lambda index: len(parts[index]))  # the first on a tie: the rest
    after = {golden_id if index == largest else new_golden_id(): part for index, part in enumerate(parts)}
    return _apply(session, SPLIT, golden_id, {golden_id: sorted(members)}, after, steward)


def unmerge_golden_record(session: Session, golden_id: str, actor: str, reason: str, now: datetime,
                          undoes: int | None = None) -> OverrideResult:
    """Give a merged id back: the golden record becomes active again with the records it held just before its
    merge (whoever made it: a steward or the model), and its survivor keeps the rest."""
    _go_alone(session)
    steward = _Steward(actor, _required_reason(reason), now, undoes)
    return _unmerge(session, [_golden(session, "golden_id", golden_id)], steward)


def undo_override(session: Session, override_id: int, actor: str, reason: str, now: datetime) -> OverrideResult:
    """Undo an override with another one: a merge is unmerged, a split merged back under the same ids, an unmerge
    merged again. ``Conflict`` when the golden records moved on so that the undo no longer applies."""
    override = session.get(GoldenOverride, override_id)
    if override is None:
        raise NotFound(f"no override {override_id}")
    try:
        if override.kind == MERGE:
            absorbed = sorted(set(override.before) - {override.golden_id})
            _go_alone(session)
            steward = _Steward(actor, _required_reason(reason), now, override.id)
            return _unmerge(session, [_golden(session, "golden_ids", golden_id) for golden_id in absorbed], steward,
                            survivor=override.golden_id)
        if override.kind == SPLIT:
            parts = [override.golden_id, *sorted(set(override.after) - {override.golden_id})]
            return merge_golden_records(session, parts, override.golden_id, actor, reason, now, override.id)
        (survivor,) = override.before
        return merge_golden_records(session, [survivor, *sorted(set(override.after) - {survivor})], survivor, actor,
                                    reason, now, override.id)
    except (InvalidInput, NotFound) as stale:
        if stale.errors and stale.errors[0].field == "reason":
            raise
        raise Conflict(f"override {override_id} ({override.kind} of {override.golden_id}) no longer applies: "
                       f"{stale.detail}") from stale


def _unmerge(session: Session, goldens: list[GoldenRecord], steward: _Steward, survivor: str | None = None,
             ) -> OverrideResult:
    """Restore these merged golden records, all merged into one active golden record, with their former records."""
    for golden in goldens:
        if golden.status != MERGED:
            raise InvalidInput("only a merged golden record can be unmerged", (
                FieldError("golden_id", "merged", f"{golden.id} is {golden.status}, not merged"),))
    holders = {_active_survivor(session, golden) for golden in goldens}
    if len(holders) > 1 or (survivor is not None and holders != {survivor}):
        raise Conflict(f"the golden records to give back were merged into {', '.join(sorted(holders))} since")
    (holder,) = holders
    current = _members(session, [holder])[holder]
    after: Partition = {}
    for golden in goldens:
        former = _linked_before_merge(session, golden.id)
        links = golden_ids_of(session, former)  # retracted records have none: they are not given back
        elsewhere = sorted({golden_id for golden_id in links.values() if golden_id != holder})
        if elsewhere:
            raise Conflict(f"records {golden.id} held before its merge have moved on to {', '.join(elsewhere)}")
        if not links:
            raise Conflict(f"none of the records {golden.id} held before its merge is live any more")
        after[golden.id] = sorted(links)
    given_back = {record for records in after.values() for record in records}
    rest = sorted(set(current) - given_back)
    if not rest:
        raise Conflict(f"giving back {', '.join(after)} would leave {holder} without records")
    after[holder] = rest
    return _apply(session, UNMERGE, goldens[0].id, {holder: sorted(current)}, after, steward)


def _apply(session: Session, kind: str, golden_id: str, before: Partition, after: Partition, steward: _Steward,
           ) -> OverrideResult:
    """Write the judgements that make ``after`` durable, the override and its audit entry, then resolve the records
    that change golden record with each record's golden id claimed: the publishing step of resolution writes
    links, survivorship, movements, audit entries and events. ``Conflict`` if the result is not ``after``."""
    names = _keys(session, {record for records in (*before.values(), *after.values()) for record in records})
    judgements = _pin(session, list(after.values()), steward)
    named = {side: {golden: [f"{names[r][0]}:{names[r][1]}" for r in records] for golden, records in part.items()}
             for side, part in (("before", before), ("after", after))}
    override = GoldenOverride(kind=kind, golden_id=golden_id, before=named["before"], after=named["after"],
                              judgement_ids=[judgement.id for judgement in judgements], actor=steward.actor,
                              reason=steward.reason, decided_at=steward.now, undoes=steward.undoes)
    session.add(override)
    session.flush()
    append_events(session, [AuditEntry(OVERRIDE_RECORDED, None, steward.actor, {"kind": OVERRIDE}, None, {
        "override": override.id, "override_kind": kind, "golden_id": golden_id, "reason": steward.reason,
        "undoes": steward.undoes, **named, "judgements": [
            {"judgement": judgement.id, "verdict": judgement.verdict,
             "records": [":".join(names[judgement.record_a_id]), ":".join(names[judgement.record_b_id])]}
            for judgement in judgements],
    })], steward.now)
    claimed = {record: golden for golden, records in after.items() for record in records}
    was = {record: golden for golden, records in before.items() for record in records}
    moved = {record for record, golden in claimed.items() if was.get(record) != golden}
    if not resolve_claimed(session, moved, Claims(claimed, {OVERRIDE: override.id}), steward.now, steward.actor):
        raise Conflict("the hub has no usable match model: run `python -m mdm resolve` first")
    landed = golden_ids_of(session, claimed)
    strays = sorted(f"{names[record][0]}:{names[record][1]}" for record, golden in claimed.items()
                    if landed.get(record) != golden)
    if strays:  # a judgement in force elsewhere, or a constraint the clustering cannot honour: nothing is kept
        raise Conflict(f"the {kind} cannot hold: {', '.join(strays[:5])} would not end where it says")
    return OverrideResult(override.id, kind, golden_id, steward.undoes, steward.actor, steward.reason, steward.now,
                          tuple(override.judgement_ids), _states(session, [*before, *after]))


def _pin(session: Session, parts: list[list[int]], steward: _Steward) -> list[Judgement]:
    """Append the verdicts that keep each part together (``same`` from its lowest record to each other one, and on
    any pair of it judged ``not_same``) and the parts apart (``not_same`` on every pair across two parts); a pair
    whose verdict in force already says so is left alone."""
    in_force = judgements_in_force(session, [record for part in parts for record in part])
    wanted: dict[tuple[int, int], str] = {}
    for part in parts:
        anchor = min(part)
        wanted.update({(anchor, record): SAME for record in part if record != anchor})
        members = set(part)
        wanted.update({pair: SAME for pair, verdict in in_force.items()
                       if verdict == NOT_SAME and pair[0] in members and pair[1] in members})
    for left, right in combinations(parts, 2):
        wanted.update({(min(a, b), max(a, b)): NOT_SAME for a in left for b in right})
    versions = {record_id: version for record_id, version in session.execute(
        select(SourceRecord.id, SourceRecord.current_version).where(
            SourceRecord.id.in_({record for pair in wanted for record in pair})))}
    judgements = [Judgement(record_a_id=a, record_b_id=b, version_a=versions[a], version_b=versions[b],
                            verdict=verdict, actor=steward.actor, reason=steward.reason, decided_at=steward.now)
                  for (a, b), verdict in sorted(wanted.items()) if in_force.get((a, b)) != verdict]
    session.add_all(judgements)
    session.flush()
    return judgements


def _go_alone(session: Session) -> None:
    # An override reads golden records, then resolves them: no online resolution may change them in between.
    lock_space(session, RESOLUTION_LOCKS, exclusive=True)


def _required_reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput("every override needs a reason", (
            FieldError("reason", "required", "say why, for the audit trail"),))
    return reason


def _golden(session: Session, field: str, golden_id: str) -> GoldenRecord:
    golden = session.get(GoldenRecord, golden_id)
    if golden is None:
        raise NotFound(f"{field}: no golden record {golden_id!r}")
    return golden


def _require_active(goldens: Collection[GoldenRecord], field: str) -> None:
    inactive = tuple(FieldError(field, "active", f"{golden.id} is {golden.status}"
                                + (f" into {golden.merged_into}" if golden.merged_into else ""))
                     for golden in goldens if golden.status != ACTIVE)
    if inactive:
        raise InvalidInput("only active golden records can be overridden", inactive)


def _active_survivor(session: Session, golden: GoldenRecord) -> str:
    """The active golden record a merged one redirects to, at the end of its chain of merges."""
    survivor = session.get(GoldenRecord, survivor_of(session, golden))
    if survivor is None or survivor.status != ACTIVE:
        raise Conflict(f"golden record {golden.id} redirects to a golden record that is not active")
    return survivor.id


def _linked_before_merge(session: Session, golden_id: str) -> list[int]:
    """The records a merged golden record held just before its (latest) merge: the links that merge closed."""
    merged_at = select(func.max(RecordLink.valid_to)).where(RecordLink.golden_id == golden_id).scalar_subquery()
    return list(session.scalars(select(RecordLink.record_id).where(
        RecordLink.golden_id == golden_id, RecordLink.valid_to == merged_at).order_by(RecordLink.record_id)))


def _members(session: Session, golden_ids: Sequence[str]) -> Partition:
    found: Partition = {golden_id: [] for golden_id in golden_ids}
    for record_id, golden_id in session.execute(
            select(RecordLink.record_id, RecordLink.golden_id).where(
                RecordLink.golden_id.in_(golden_ids), RecordLink.valid_to.is_(None)).order_by(RecordLink.record_id)):
        found[golden_id].append(record_id)
    return found


def _keys(session: Session, record_ids: Collection[int]) -> dict[int, RecordKey]:
    return {record_id: (system, source_record_id) for record_id, system, source_record_id in session.execute(
        select(SourceRecord.id, SourceRecord.source_system, SourceRecord.source_record_id)
        .where(SourceRecord.id.in_(record_ids)))}


def _states(session: Session, golden_ids: Sequence[str]) -> tuple[GoldenState, ...]:
    ordered = list(dict.fromkeys(golden_ids))
    records: dict[str, list[RecordKey]] = defaultdict(list)
    for golden_id, system, source_record_id in session.execute(
            select(RecordLink.golden_id, SourceRecord.source_system, SourceRecord.source_record_id)
            .join(SourceRecord, SourceRecord.id == RecordLink.record_id)
            .where(RecordLink.golden_id.in_(ordered), RecordLink.valid_to.is_(None))
            .order_by(SourceRecord.source_system, SourceRecord.source_record_id)):
        records[golden_id].append((system, source_record_id))
    goldens: Mapping[str, GoldenRecord] = {golden.id: golden for golden in session.scalars(
        select(GoldenRecord).where(GoldenRecord.id.in_(ordered)).execution_options(populate_existing=True))}
    return tuple(GoldenState(golden_id, goldens[golden_id].party_type, goldens[golden_id].status,
                             goldens[golden_id].merged_into, tuple(records[golden_id])) for golden_id in ordered)

