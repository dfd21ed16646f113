"""Recovery: rebuild golden records, links, movements and indexes from the durable facts, in one transaction.

The durable facts are the source record versions, the stored match models and the audit trail. Golden ids are
random, so they cannot be recomputed: the rebuild replays the membership history the trail holds (each golden
record's creation, the records that joined and left it, its merge, restoring or retirement) into golden records and
effective-dated links, then derives what is a function of those links and the versions: attributes
(survivorship) and portfolios, point-of-sale stints, blocking keys and search terms. A trail that does not hold
together (a broken chain, a record leaving a golden record it never joined, a merged golden record that keeps records, a
model version that is not stored, a record linked after its retraction) stops the rebuild before anything is
written.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Table, Text, bindparam, func, select, text, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, sessionmaker

from config import Config
from matching.features import build_features
from matching.pipeline import standardise_columns
from mdm.audit import verify_chain
from mdm.clock import as_utc, utc_now
from mdm.db import bulk_insert, on_postgresql, refresh_statistics, transaction
from mdm.errors import MdmError
from mdm.events import (
    GOLDEN_CREATED,
    GOLDEN_MERGED,
    GOLDEN_RESTORED,
    GOLDEN_RETIRED,
    GOLDEN_SPLIT,
    GOLDEN_UPDATED,
)
from mdm.golden_history import LINK_PROBABILITY
from mdm.golden_search import rebuild_search_index
from mdm.match_settings import configured_match_settings
from mdm.models import (
    AuditEvent,
    BlockingKey,
    GoldenPortfolio,
    GoldenRecord,
    GoldenRelationship,
    MatchModelVersion,
    PlaceholderValueUse,
    PointOfSaleStint,
    RecordFinding,
    RecordLink,
    ResolutionRun,
    SearchNameVariant,
    SearchTerm,
    SourceRecord,
    SourceRecordVersion,
)
from mdm.movements import refresh_movements
from mdm.record_findings import read_scopes, rebuild_record_findings
from mdm.resolution import ACTIVE, MERGED, RETIRED, GoldenChanges, latest_model, rebuild_blocking_index
from mdm.survivorship import SourceVersion, configured_rules, refresh_golden_attributes, survive

# Children first: emptied in this order on SQLite (PostgreSQL truncates them in one statement).
DERIVED_MODELS = (RecordLink, GoldenRecord, PointOfSaleStint, BlockingKey, SearchTerm, SearchNameVariant,
                  GoldenPortfolio, GoldenRelationship, RecordFinding, PlaceholderValueUse)
# Events after which attributes were written.
_REFRESHING = frozenset({GOLDEN_CREATED, GOLDEN_RESTORED, GOLDEN_SPLIT, GOLDEN_UPDATED})
_CHUNK = 5000


class InconsistentTrail(MdmError):
    """The durable facts contradict each other: rebuilding from them would not give back the hub."""

    status = 409
    title = "Inconsistent durable facts"


@dataclass(frozen=True, slots=True)
class RebuildSummary:
    events: int
    golden_records: int
    active: int
    merged: int
    retired: int
    links: int  # every link row, closed ones included
    current_links: int
    links_without_probability: int  # links the trail joined before it kept their probability
    stints: int
    blocking_keys: int
    search_terms: int
    seconds: float


@dataclass(slots=True)
class _Golden:
    first_record: int  # the lowest record id it was created with: its party type is the golden record's
    created_at: datetime
    updated_at: datetime
    status: str = ACTIVE
    merged_into: str | None = None
    merged_at: int = 0  # sequence of the merge event (a survivor is always merged later, if ever)
    refreshed_at: datetime | None = None  # when its attributes were last written


@dataclass(slots=True)
class _Link:
    record_id: int
    golden_id: str
    model_version: str | None
    probability: float | None
    cause: str
    valid_from: datetime
    valid_to: datetime | None = None


@dataclass(slots=True)
class _Replay:
    """The golden records and links the audit trail describes, replayed event by event."""

    golden: dict[str, _Golden] = field(default_factory=dict)
    links: list[_Link] = field(default_factory=list)
    open: dict[int, _Link] = field(default_factory=dict)  # record id -> its current link
    members: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    # Records that joined another golden record in this transaction before the event saying they left this one.
    pending_leaves: dict[tuple[int, str], int] = field(default_factory=dict)
    events: int = 0
    unscored: int = 0


def rebuild_derived_state(sessions: sessionmaker[Session], workers: int = 1) -> RebuildSummary:
    """Replace every derived table by what the durable facts give, in one transaction; ``InconsistentTrail`` (and
    nothing written) when they do not hold together."""
    started = time.perf_counter()
    with transaction(sessions) as session:
        verdict = verify_chain(session)
        if not verdict.intact:
            raise InconsistentTrail(f"the audit trail is broken at event {verdict.first_broken}: {verdict.problem}")
        replay = replay_trail(session)
        _check_against_records(session, replay)
        _empty_derived_tables(session)
        party_types = _party_types_at_creation(session, replay)
        _write_golden_records(session, replay, party_types)
        bulk_insert(session, cast(Table, RecordLink.__table__), [
            {"record_id": link.record_id, "golden_id": link.golden_id, "model_version": link.model_version,
             "probability": link.probability, "cause": link.cause, "valid_from": link.valid_from,
             "valid_to": link.valid_to} for link in replay.links])
        active = sorted(golden_id for golden_id, golden in replay.golden.items() if golden.status == ACTIVE)
        refresh_golden_attributes(session, active)
        _write_past_attributes(session, replay, party_types)
        # Moves found here were announced when they happened: no client.moved event is emitted again.
        refresh_movements(session, GoldenChanges("rebuild", None, utc_now(), frozenset(), {}, frozenset(),
                                                 frozenset(), (), frozenset(active)), configured_match_settings())
        keys, terms = _rebuild_indexes(session, sorted(replay.open), workers)
        refresh_statistics(session, [cast(Table, model.__table__) for model in DERIVED_MODELS])
        statuses = [golden.status for golden in replay.golden.values()]
        stints = session.scalar(select(func.count()).select_from(PointOfSaleStint)) or 0
        return RebuildSummary(replay.events, len(statuses), statuses.count(ACTIVE), statuses.count(MERGED),
                              statuses.count(RETIRED), len(replay.links), len(replay.open), replay.unscored, stints,
                              keys, terms, time.perf_counter() - started)


def replay_trail(session: Session) -> _Replay:
    """Golden records and links as the audit trail tells their history (nothing is written)."""
    names = {record_id: f"{system}:{source_record_id}" for record_id, system, source_record_id in session.execute(
        select(SourceRecord.id, SourceRecord.source_system, SourceRecord.source_record_id))}
    record_ids = {name: record_id for record_id, name in names.items()}
    models = set(session.scalars(select(MatchModelVersion.version)))
    replay = _Replay()
    moment: datetime | None = None
    rows = session.execute(
        select(AuditEvent.sequence, AuditEvent.occurred_at, AuditEvent.kind, AuditEvent.golden_id,
               AuditEvent.cause, AuditEvent.model_version, AuditEvent.details)
        .order_by(AuditEvent.sequence).execution_options(yield_per=10_000))
    for sequence, occurred_at, kind, golden_id, cause, model_version, details in rows:
        at = as_utc(occurred_at)
        if at != moment:  # one resolution writes its events with one timestamp: a new one ends the last
            _end_transaction(replay)
            moment = at
        if model_version is not None and model_version not in models:
            raise InconsistentTrail(f"event {sequence} names model version {model_version}, which is not stored")
        if golden_id is None:
            continue  # not about a golden record's membership
        replay.events += 1
        _apply_event(replay, sequence, at, kind, golden_id, cause, model_version, details, record_ids, names)
    _end_transaction(replay)
    for golden_id, golden in replay.golden.items():
        if golden.status == ACTIVE and not replay.members[golden_id]:
            raise InconsistentTrail(f"golden record {golden_id} is active but the trail leaves it without records")
    return replay


def _apply_event(replay: _Replay, sequence: int, at: datetime, kind: str, golden_id: str, cause: Mapping[str, Any],
                 model_version: str | None, details: Mapping[str, Any], record_ids: Mapping[str, int],
                 names: Mapping[int, str]) -> None:
    def record(name: str) -> int:
        if name not in record_ids:
            raise InconsistentTrail(f"event {sequence} names record {name}, which is not stored")
        return record_ids[name]

    joined = [record(name) for name in details.get("joined", [])]
    golden = replay.golden.get(golden_id)
    if kind == GOLDEN_CREATED:
        if golden is not None:
            raise InconsistentTrail(f"event {sequence} creates golden record {golden_id} a second time")
        if not joined:
            raise InconsistentTrail(f"event {sequence} creates golden record {golden_id} without records")
        golden = replay.golden[golden_id] = _Golden(min(joined), at, at)
    elif golden is None:
        raise InconsistentTrail(f"event {sequence} ({kind}) is about golden record {golden_id}, never created")
    elif kind == GOLDEN_RESTORED:  # a steward's unmerge gives a merged id back, with the records it names
        if golden.status != MERGED:
            raise InconsistentTrail(f"event {sequence} restores golden record {golden_id}, which is {golden.status}")
        golden.status, golden.merged_into, golden.merged_at = ACTIVE, None, 0
    elif golden.status != ACTIVE:
        raise InconsistentTrail(f"event {sequence} ({kind}) changes golden record {golden_id}, already {golden.status}")
    golden.updated_at = at
    for record_id in (record(name) for name in details.get("left", [])):
        current = replay.open.get(record_id)
        if current is not None and current.golden_id == golden_id:
            current.valid_to = at
            del replay.open[record_id]
            replay.members[golden_id].discard(record_id)
        elif replay.pending_leaves.pop((record_id, golden_id), None) is None:
            raise InconsistentTrail(f"event {sequence}: a record left golden record {golden_id} without being "
                                    f"linked to it ({names[record_id]})")
    probabilities = details.get(LINK_PROBABILITY)
    for record_id in joined:
        current = replay.open.get(record_id)
        if current is not None:
            if current.golden_id == golden_id:
                raise InconsistentTrail(f"event {sequence}: {names[record_id]} joins golden record "
                                        f"{golden_id}, which it already belongs to")
            current.valid_to = at  # its leaving is told by the other golden record's event, in this transaction
            replay.members[current.golden_id].discard(record_id)
            replay.pending_leaves[(record_id, current.golden_id)] = sequence
        if probabilities is None:
            replay.unscored += 1
        link = _Link(record_id, golden_id, model_version,
                     None if probabilities is None else probabilities.get(names[record_id]),
                     str(cause.get("kind", "")), at)
        replay.links.append(link)
        replay.open[record_id] = link
        replay.members[golden_id].add(record_id)
    if kind in _REFRESHING:
        golden.refreshed_at = at
    elif kind in (GOLDEN_MERGED, GOLDEN_RETIRED):
        if replay.members[golden_id]:
            raise InconsistentTrail(f"event {sequence} ({kind}) leaves golden record {golden_id} with "
                                    f"{len(replay.members[golden_id])} records still linked to it")
        golden.status = MERGED if kind == GOLDEN_MERGED else RETIRED
        if kind == GOLDEN_MERGED:
            survivor = details.get("survivor")
            if survivor not in replay.golden or replay.golden[survivor].status != ACTIVE:
                raise InconsistentTrail(f"event {sequence} merges golden record {golden_id} into {survivor!r}, "
                                        "which is not an active golden record")
            golden.merged_into, golden.merged_at = survivor, sequence


def _end_transaction(replay: _Replay) -> None:
    if replay.pending_leaves:
        (record_id, golden_id), sequence = next(iter(replay.pending_leaves.items()))
        raise InconsistentTrail(f"event {sequence} moves record id {record_id} away from golden record {golden_id}, "
                                "but no event of that golden record says it left")


def _check_against_records(session: Session, replay: _Replay) -> None:
    """The replayed links must agree with the records: none to a retracted record, and every live record stored
    before the last consolidation began linked."""
    deleted = set(session.scalars(select(SourceRecord.id).where(SourceRecord.is_deleted.is_(True))))
    linked_deleted = sorted(deleted & set(replay.open))
    if linked_deleted:
        raise InconsistentTrail(f"{len(linked_deleted)} retracted records are still linked by the trail "
                                f"(record ids {linked_deleted[:5]})")
    last_run = session.scalar(select(func.max(ResolutionRun.started_at)))
    if last_run is None:
        return
    stored_before = session.scalars(
        select(SourceRecord.id).where(SourceRecord.is_deleted.is_(False))
        .join(SourceRecordVersion, (SourceRecordVersion.record_id == SourceRecord.id)
              & (SourceRecordVersion.version == 1))
        .where(SourceRecordVersion.recorded_at < last_run))
    missing = [record_id for record_id in stored_before if record_id not in replay.open]
    if missing:
        raise InconsistentTrail(f"{len(missing)} live records stored before the last consolidation are not linked "
                                f"by the trail (record ids {missing[:5]}): events are missing")


def _empty_derived_tables(session: Session) -> None:
    if on_postgresql(session):
        # One statement, because the links reference the golden records; no dead rows are left to vacuum.
        session.execute(text("TRUNCATE " + ", ".join(model.__tablename__ for model in DERIVED_MODELS)))
        return
    for model in DERIVED_MODELS:
        session.execute(cast(Table, model.__table__).delete())


def _write_golden_records(session: Session, replay: _Replay, party_types: Mapping[str, str]) -> None:
    # A survivor is inserted before what redirects to it: it is active, or merged later than what it absorbed.
    ordered = sorted(replay.golden.items(), key=lambda item: (item[1].status == MERGED, -item[1].merged_at))
    bulk_insert(session, cast(Table, GoldenRecord.__table__), [
        {"id": golden_id, "party_type": party_types[golden_id], "status": golden.status,
         "merged_into": golden.merged_into, "attributes": None, "created_at": golden.created_at,
         "updated_at": golden.updated_at} for golden_id, golden in ordered])


def _party_types_at_creation(session: Session, replay: _Replay) -> dict[str, str]:
    """The party type of each golden record: its first record's, in the version current when it was created."""
    firsts = {golden.first_record for golden in replay.golden.values()}
    versions = _versions(session, firsts)
    found = {}
    for golden_id, golden in replay.golden.items():
        version = _as_of(versions[golden.first_record], golden.created_at)
        found[golden_id] = (version or versions[golden.first_record][0])[2]
    return found


_VersionRow = tuple[datetime, int, str, str, str | None, datetime]
"""(recorded_at, version, party type, source system:id, payload as JSON text, received_at)."""


def _versions(session: Session, record_ids: set[int]) -> dict[int, list[_VersionRow]]:
    """Every version of these records, oldest first."""
    found: dict[int, list[_VersionRow]] = defaultdict(list)
    ordered = sorted(record_ids)
    for start in range(0, len(ordered), _CHUNK):
        rows = session.execute(
            select(SourceRecordVersion.record_id, SourceRecordVersion.recorded_at, SourceRecordVersion.version,
                   SourceRecordVersion.party_type, SourceRecord.source_system, SourceRecord.source_record_id,
                   sql_cast(SourceRecordVersion.payload, Text), SourceRecordVersion.received_at)
            .join(SourceRecord, SourceRecord.id == SourceRecordVersion.record_id)
            .where(SourceRecordVersion.record_id.in_(ordered[start:start + _CHUNK]))
            .order_by(SourceRecordVersion.record_id, SourceRecordVersion.version))
        for record_id, recorded_at, version, party_type, system, source_id, payload, received_at in rows:
            found[record_id].append((as_utc(recorded_at), version, party_type, f"{system}:{source_id}", payload,
                                     as_utc(received_at)))
    return found


def _as_of(versions: list[_VersionRow], moment: datetime) -> _VersionRow | None:
    """The latest version recorded at or before ``moment``."""
    chosen = None
    for row in versions:
        if row[0] > moment:
            break
        chosen = row
    return chosen


def _write_past_attributes(session: Session, replay: _Replay, party_types: Mapping[str, str]) -> None:
    """Merged and retired golden records keep the attributes of their last refresh: survivorship over the records
    linked then, in the versions current then."""
    gone = {golden_id: golden.refreshed_at for golden_id, golden in replay.golden.items()
            if golden.status != ACTIVE and golden.refreshed_at is not None}
    if not gone:
        return
    linked_then: dict[str, list[int]] = defaultdict(list)
    for link in replay.links:
        moment = gone.get(link.golden_id)
        if moment is not None and link.valid_from <= moment and (link.valid_to is None or link.valid_to > moment):
            linked_then[link.golden_id].append(link.record_id)
    versions = _versions(session, {record_id for ids in linked_then.values() for record_id in ids})
    rules = configured_rules()
    rows = []
    for golden_id, record_ids in linked_then.items():
        sources = []
        for record_id in record_ids:
            row = _as_of(versions[record_id], gone[golden_id])
            if row is not None and row[4] is not None:
                system, source_id = row[3].split(":", 1)
                sources.append(SourceVersion(system, source_id, row[1], row[5], orjson.loads(row[4])))
        rows.append({"golden_id": golden_id,
                     "attributes": survive(sources, party_types[golden_id], rules).stored()})
    table = cast(Table, GoldenRecord.__table__)
    session.connection().execute(update(table).where(table.c.id == bindparam("golden_id"))
                                 .values(attributes=bindparam("attributes")), rows)


def _rebuild_indexes(session: Session, record_ids: list[int], workers: int) -> tuple[int, int]:
    """Blocking keys, search terms and data-quality findings of every linked record's current version, under the
    latest model (what resolution indexes); a hub without a model has none. Answers (keys, terms) written."""
    model = latest_model(session)
    if model is None or not record_ids:
        return 0, 0
    columns = standardise_columns(_payloads(session, record_ids), workers, Config.BIRTH_DATE_WINDOW,
                                  model.settings.extra_fields)
    features = build_features(columns, overused=model.overused)
    rebuild_blocking_index(session, features, record_ids, model.settings.blocking_rules)
    rebuild_search_index(session, features, record_ids)
    scopes = read_scopes(session, record_ids)
    rebuild_record_findings(session, features, record_ids, [scopes.get(record_id) for record_id in record_ids])
    return (session.scalar(select(func.count()).select_from(BlockingKey)) or 0,
            session.scalar(select(func.count()).select_from(SearchTerm)) or 0)


def _payloads(session: Session, record_ids: list[int]) -> Iterator[str]:
    """The current payload of each of these records, as JSON text, in their order."""
    for start in range(0, len(record_ids), _CHUNK):
        chunk = record_ids[start:start + _CHUNK]
        rows = {record_id: payload for record_id, payload in session.execute(
            select(SourceRecord.id, sql_cast(SourceRecordVersion.payload, Text))
            .join(SourceRecordVersion, (SourceRecordVersion.record_id == SourceRecord.id)
                  & (SourceRecordVersion.version == SourceRecord.current_version))
            .where(SourceRecord.id.in_(chunk)))}
        for record_id in chunk:
            yield rows[record_id]
