"""Consolidation: resolve every current source record into golden records, keeping golden ids stable.

Each new cluster keeps the id of the golden record it overlaps most (a golden record can be kept by one cluster
only); the other golden records it absorbs become redirects (merged), and a golden record whose records went
to several clusters is split, its id staying with the part that holds most of them. Links are effective-dated:
a record that changes golden record gets its old link closed and a new one opened, so the past stays readable.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from multiprocessing.pool import Pool
from typing import Any, cast

import numpy as np
import orjson
from sqlalchemy import Select, Table, Text, delete, func, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, sessionmaker

from config import Config
from matching.blocking import BlockingRule, key_texts
from matching.distinct import distinct
from matching.features import FeatureTable, build_features
from matching.model import MATCH, POSSIBLE, MatchModel
from matching.pipeline import BatchResolution, Constraints, resolve_batch, standardise_columns
from matching.settings import MatchSettings
from mdm.audit import SYSTEM_ACTOR
from mdm.capture_journal import fold_capture_journal, journal_folded_beside
from mdm.client_portfolio import forget_portfolios
from mdm.clock import utc_now
from mdm.db import (
    any_of_parameter,
    bulk_insert,
    bulk_insert_blocks,
    bulk_insert_columns,
    empty_table,
    foreign_keys_set_aside,
    indexes_set_aside,
    lock_names,
    lock_space,
    on_postgresql,
    refresh_statistics,
    transaction,
)
from mdm.errors import MdmError
from mdm.golden_history import record_golden_changes
from mdm.golden_search import rebuild_search_index, replace_search_terms, search_term_blocks
from mdm.heap import batch_collection_pace, release_freed_memory
from mdm.match_settings import configured_match_settings
from mdm.models import (
    NOT_SAME,
    SAME,
    AuditEvent,
    BlockingKey,
    GoldenPortfolio,
    GoldenRecord,
    GoldenRelationship,
    Judgement,
    MatchModelVersion,
    OutboxEvent,
    PlaceholderValueUse,
    PointOfSale,
    PointOfSaleStint,
    RecordFinding,
    RecordLink,
    ResolutionRun,
    SearchNameVariant,
    SearchTerm,
    SourceRecord,
    SourceRecordVersion,
    StewardshipTask,
)
from mdm.movements import announce_moves, refresh_movements
from mdm.record_findings import RecordScope, rebuild_record_findings, replace_record_findings
from mdm.rendered_rows import RenderedRows
from mdm.resolved_records import ResolvedRecords
from mdm.review_queue import RETRACTED, TaskChanges, close_tasks_of, refresh_tasks
from mdm.survivorship import (
    HeldBack,
    SpooledMembers,
    attributes_under_way,
    insert_golden_records,
    survivorship_workers,
)
from mdm.verdicts import Pair, judgements_in_force
from mdm.version_spool import VersionSpool

ACTIVE, MERGED, RETIRED = "active", "merged", "retired"
OVERRIDE = "override"  # the cause of links and golden record changes a steward's override made
GOLDEN_PREFIX = "GC-"
_link_table = cast(Table, RecordLink.__table__)
_golden_table = cast(Table, GoldenRecord.__table__)
_golden_reference = next(reference for reference in _link_table.foreign_key_constraints
                         if reference.referred_table is _golden_table)
_key_table = cast(Table, BlockingKey.__table__)
# Lock spaces of online resolution (PostgreSQL advisory locks): the space as a whole, its blocking keys, its
# golden records. Above _MOST_KEY_LOCKS keys (a large batch), a resolution locks the whole space instead.
RESOLUTION_LOCKS, KEY_LOCKS, GOLDEN_LOCKS = 7_100, 7_101, 7_102
_MOST_KEY_LOCKS = 256


class NothingToResolve(MdmError):
    status = 409
    title = "Nothing to resolve"


@dataclass(frozen=True, slots=True)
class ResolutionSummary:
    run_id: int
    model_version: str
    records: int
    golden_records: int
    created: int
    merged: int
    split: int
    links_changed: int
    possible_pairs: int
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    tasks: TaskChanges = field(default_factory=TaskChanges)
    # The steps of the phase "read and match", in order: they end when it ends.
    match_phases: dict[str, float] = field(default_factory=dict)


def new_golden_id() -> str:
    """Opaque and never reused: 60 random bits, so ids carry no meaning and cannot collide in practice."""
    return f"{GOLDEN_PREFIX}{uuid.uuid4().hex[:15].upper()}"


_MODELS: dict[str, MatchModel] = {}


def _latest_version(session: Session) -> str | None:
    return session.scalar(select(MatchModelVersion.version).order_by(MatchModelVersion.trained_at.desc()).limit(1))


def latest_model(session: Session) -> MatchModel | None:
    """The most recently trained model; parsed once per process and version (models are immutable). A model
    trained with other match settings than the configured ones counts as none: the next consolidation trains a new
    version with them."""
    version = _latest_version(session)
    if version is None:
        return None
    settings = configured_match_settings()
    if version not in _MODELS:
        parameters = session.scalar(select(MatchModelVersion.parameters).where(MatchModelVersion.version == version))
        if (parameters or {}).get("settings") != settings.document:  # unparsed: it may name what the hub lost
            return None
        try:
            _MODELS[version] = MatchModel.from_json(orjson.dumps(parameters))
        except ValueError:  # trained before a comparison of these settings gained a level
            return None
    model = _MODELS[version]
    return model if model.trained_with(settings) else None


def _current_payloads(session: Session, record_ids: list[int], party_types: list[str], versions: list[int],
                      scopes: list[RecordScope], spool: VersionSpool) -> Iterator[str]:
    """The current version of every live record, as JSON text, streamed in record id order; each is also kept in
    the spool, with its provenance, for survivorship."""
    rows = session.execute(
        select(SourceRecord.id, SourceRecord.party_type, SourceRecord.current_version,
               sql_cast(SourceRecordVersion.payload, Text), SourceRecord.source_system,
               SourceRecord.point_of_sale_code, SourceRecord.last_received_at, SourceRecord.source_record_id,
               SourceRecordVersion.received_at, func.coalesce(PointOfSale.network, SourceRecord.source_system),
               SourceRecord.first_received_at)
        .join(SourceRecordVersion, (SourceRecordVersion.record_id == SourceRecord.id)
              & (SourceRecordVersion.version == SourceRecord.current_version))
        .outerjoin(PointOfSale, PointOfSale.code == SourceRecord.point_of_sale_code)
        .where(SourceRecord.is_deleted.is_(False))
        .order_by(SourceRecord.id)
        .execution_options(yield_per=10_000)
    )
    # A million records name a few hundred sources, points of sale and party types: one string each, not a million.
    names: dict[str, str] = {}
    for (record_id, party_type, version, payload, source_system, point_of_sale, last_received_at, source_record_id,
         received_at, network, first_received_at) in rows:
        party_type = names.setdefault(party_type, party_type)
        record_ids.append(record_id)
        party_types.append(party_type)
        versions.append(version)
        scopes.append(RecordScope(version, names.setdefault(source_system, source_system),
                                  names.setdefault(point_of_sale, point_of_sale) if point_of_sale else None,
                                  party_type, last_received_at))
        spool.append(source_system, source_record_id, version, received_at, network, point_of_sale,
                     first_received_at, last_received_at, payload)
        yield payload


def _stored_since_read(session: Session, record_ids: list[int], versions: list[int]) -> set[int]:
    """Records whose current state is not the one a full run read: stored, changed or retracted by a writer that
    committed while the run was matching (the run reads live records in several statements, not one snapshot)."""
    read = dict(zip(record_ids, versions, strict=True))
    live = {record_id: version for record_id, version in session.execute(
        select(SourceRecord.id, SourceRecord.current_version).where(SourceRecord.is_deleted.is_(False)))}
    return {record_id for record_id, version in live.items() if read.get(record_id) != version} | (
        set(read) - set(live))


def _judged_since_read(session: Session, judgements_read: set[int]) -> set[int]:
    """The records of the judgements committed after a full run read the verdicts in force."""
    return {record for judgement, record_a, record_b in session.execute(
        select(Judgement.id, Judgement.record_a_id, Judgement.record_b_id))
        if judgement not in judgements_read for record in (record_a, record_b)}


def _store_model(session: Session, model: MatchModel, records: int, now: datetime) -> None:
    """Keep the model just used; one trained again with the same result becomes the latest once more."""
    stored = session.get(MatchModelVersion, model.version)
    if stored is None:
        session.add(MatchModelVersion(version=model.version, trained_at=now, trained_on_records=records,
                                      parameters=orjson.loads(model.to_json())))
    elif model.version != _latest_version(session):
        stored.trained_at = now
    session.flush()


@dataclass(frozen=True, slots=True)
class GoldenChanges:
    """What one resolution did to golden records: what the derived views (attributes, movements, audit trail,
    events) start from. ``refreshed`` holds the active golden records whose content may differ: new ones, those
    that gained or lost a record, and those holding a record with a new version."""

    cause: str  # online | resolution
    model_version: str | None
    now: datetime
    created: frozenset[str]
    merged: dict[str, str]  # absorbed golden id -> the golden record it now redirects to
    retired: frozenset[str]  # golden records left without any live record
    split: frozenset[str]  # golden records whose records went to several clusters (they keep the largest part)
    relinked: tuple[tuple[int, str | None, str | None], ...]  # (record id, golden before, golden after)
    refreshed: frozenset[str]
    # Records with a new version (all of them on a first run; online: the ones that triggered it).
    revised: frozenset[int] = frozenset()
    # The strongest match probability of each record whose link opened (None: it stands alone), kept in the audit
    # trail so that a rebuild restores the links exactly.
    probabilities: Mapping[int, float | None] = field(default_factory=dict)
    actor: str = SYSTEM_ACTOR  # who caused it: the caller of an online write, else the hub itself
    restored: frozenset[str] = frozenset()  # merged golden records a steward's unmerge made active again
    decision: Mapping[str, Any] = field(default_factory=dict)  # the steward decision that caused it, for the trail


@dataclass(frozen=True, slots=True)
class Claims:
    """A steward's override of one component: the golden id each of these records must end up in (a new id is
    created, a merged one is made active again), and the decision named in the audit trail as the cause."""

    golden_of: Mapping[int, str]
    decision: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Applied:
    assignment: dict[str, list[int]]
    created: set[str]
    merged: int
    split: int
    changed: list[tuple[int, str]]
    changes: GoldenChanges
    tasks: TaskChanges
    tasks_by_record: dict[int, set[int]]
    resolved: ResolvedRecords


def _apply_clusters(
    session: Session, resolution: BatchResolution, record_ids: list[int], party_types: list[str],
    current: dict[int, str], retracted: set[int], now: datetime, cause: str, verdicts: Mapping[Pair, str],
    content_changed: set[int] | None = None, phases: Phases | None = None, actor: str = SYSTEM_ACTOR,
    claims: Claims | None = None, survivorship_pool: Pool | None = None, spool: VersionSpool | None = None,
) -> _Applied:
    """Reconcile the clusters of these records with their current links and write what changed.
    ``verdicts``: the steward verdicts in force the clustering honoured; ``content_changed``: the records with a
    new version (None: all of them); ``survivorship_pool``: workers forked beforehand for survivorship; ``spool``:
    the current versions of these records as read, in their order, for survivorship to read again."""
    clusters: dict[int, list[int]] = defaultdict(list)
    for position, representative in enumerate(resolution.cluster.tolist()):
        clusters[representative].append(position)
    strongest = _strongest_match(resolution.scored.pairs, resolution.scored.probabilities,
                                 resolution.scored.bands, len(record_ids))
    assignment, created, merged, split = _reconcile(clusters, record_ids, current, claims)
    del clusters  # a list per cluster (~100 MB at a million records), no longer needed
    restored = _restore_claimed(session, created, now) if claims is not None else set()
    created -= restored
    changed: list[tuple[int, str]] = []
    probabilities: dict[int, float | None] = {}
    for golden_id, members in assignment.items():
        for position in members:
            if current.get(record_id := record_ids[position]) != golden_id:
                changed.append((record_id, golden_id))
                probabilities[record_id] = strongest[position]
    # A hub's first consolidation: checking each new link's three references one by one would cost the database
    # most of this step. There are no links or golden records to read yet; readers of source records wait for the
    # run's commit.
    first = cause == "resolution" and not current and len(changed) >= FIRST_LINKS_SET_ASIDE_FROM
    new_party_types = {golden_id: party_types[assignment[golden_id][0]] for golden_id in assignment
                       if golden_id in created}
    # There, on PostgreSQL, the new golden records are inserted with their attributes, once survivorship has them:
    # their links' reference to them is set aside until then.
    held_back = HeldBack(new_party_types, now) if first and on_postgresql(session) else None
    with foreign_keys_set_aside(session, [_golden_reference] if held_back is not None else []):
        if held_back is None:
            insert_golden_records(session, new_party_types, now)
        resolved = ResolvedRecords(record_ids, assignment)
        merged_into, retired = _retire(session, current, resolved, assignment.keys(), now)
        _close_links(session, [record_id for record_id, _ in changed if record_id in current] + sorted(retracted), now)
        _write_links(session, changed, probabilities, resolution.model.version, cause, now, first,
                     golden_reference_aside=held_back is not None)
        relinked = tuple(sorted([(record_id, current.get(record_id), golden_id) for record_id, golden_id in changed]
                                + [(record_id, current.get(record_id), None) for record_id in retracted]))
        touched = {golden for _, before, after in relinked for golden in (before, after) if golden is not None}
        if content_changed is None:
            touched.update(assignment)
        else:
            touched.update(golden for record_id in content_changed if (golden := resolved.golden_of(record_id)))
        refreshed = frozenset(touched & set(assignment))
        changes = GoldenChanges(cause, resolution.model.version, now, frozenset(created), merged_into,
                                frozenset(retired), frozenset(split), relinked, refreshed,
                                frozenset(record_ids if content_changed is None else content_changed), probabilities,
                                actor=actor, restored=frozenset(restored), decision=claims.decision if claims else {})
        _publish(session, changes, resolution.model.settings, phases, survivorship_pool,
                 None if spool is None else SpooledMembers(spool, assignment), held_back)
    tasks, tasks_by_record = refresh_tasks(session, resolution, resolved,
                                           None if cause == "resolution" else content_changed, retracted,
                                           set(verdicts), now, actor, cause)
    if phases is not None:
        phases.lap("stewardship tasks")
    return _Applied(assignment, created, merged, len(split), changed, changes, tasks, tasks_by_record, resolved)


def _write_links(session: Session, changed: list[tuple[int, str]], probabilities: Mapping[int, float | None],
                 model_version: str, cause: str, now: datetime, first: bool, golden_reference_aside: bool) -> None:
    """Open a link for each (record id, golden id). ``first``: a hub's first consolidation, which sets the table's
    indexes and foreign keys aside meanwhile (``golden_reference_aside``: the one to golden records already is)."""
    references = [reference for reference in _link_table.foreign_key_constraints
                  if not (golden_reference_aside and reference is _golden_reference)] if first else []
    with indexes_set_aside(session, _link_table) if first else nullcontext(), \
            foreign_keys_set_aside(session, references):
        bulk_insert_columns(session, _link_table, {
            "record_id": [record_id for record_id, _ in changed], "golden_id": [golden_id for _, golden_id in changed],
            "model_version": [model_version] * len(changed),
            "probability": [probabilities[record_id] for record_id, _ in changed], "cause": [cause] * len(changed),
            "valid_from": [now] * len(changed)})


FIRST_LINKS_SET_ASIDE_FROM = 100_000
"""How many links a hub's first consolidation writes for their table's indexes and foreign keys to be set aside
while it writes them (see `indexes_set_aside`)."""

RELEASED_FROM = 100_000
"""How many records make a full run give each step's freed memory back: below, the steps free too little to be
worth a walk over the process's heap and the page faults that take the memory again."""


class Phases(dict[str, float]):
    """Seconds spent per step of a run, for the summary: each ``lap`` charges the time since the previous one.
    ``release_memory``: give the memory a step freed back to the system at its end (`release_freed_memory`): the
    steps of a full run each allocate and free hundreds of megabytes, which would otherwise stay resident."""

    def __init__(self, release_memory: bool = False) -> None:
        super().__init__()
        self._release_memory = release_memory
        self._mark = time.perf_counter()

    def lap(self, step: str) -> None:
        if self._release_memory:
            release_freed_memory()
        now = time.perf_counter()
        self[step] = self.get(step, 0.0) + now - self._mark
        self._mark = now


def _publish(session: Session, changes: GoldenChanges, settings: MatchSettings, phases: Phases | None = None,
             survivorship_pool: Pool | None = None, spooled: SpooledMembers | None = None,
             held_back: HeldBack | None = None) -> None:
    """Bring what derives from golden records up to date with these changes, in the same transaction; ``settings``:
    the match settings the changes were resolved with; ``held_back``: new golden records not inserted yet, which
    survivorship inserts with their attributes."""
    phases = phases if phases is not None else Phases()
    ordered = sorted(changes.refreshed - changes.created)
    for start in range(0, len(ordered), 5000):
        session.execute(update(GoldenRecord).where(GoldenRecord.id.in_(ordered[start:start + 5000]))
                        .values(updated_at=changes.now))
    phases.lap("golden records and links")
    # Survivorship's workers compute while this process derives the movements and the audit trail, which depend
    # on the links alone: on one core each, they would otherwise leave the other idle.
    with attributes_under_way(session, changes.refreshed, backfill=changes.cause == "resolution",
                              pool=survivorship_pool, spooled=spooled, held_back=held_back) as attributes:
        moves = refresh_movements(session, changes, settings)
        phases.lap("movements")
        attributes.write_ready()
        phases.lap("survivorship, ready")
        record_golden_changes(session, changes, changes.actor)
        announce_moves(session, moves, changes.now)
        phases.lap("audit and events")
        attributes.write()
    forget_portfolios(session, set(changes.merged) | changes.retired)  # a client counts once, in its survivor
    phases.lap("survivorship, the rest")


def resolve_all(
    sessions: sessionmaker[Session], workers: int = 1, retrain: bool = False, now: datetime | None = None,
) -> ResolutionSummary:
    """Re-cluster every live record (the daily consolidation, in full) in one transaction."""
    started = time.perf_counter()
    now = now or utc_now()
    with batch_collection_pace(), transaction(sessions) as session, ExitStack() as stack:
        live = session.scalar(select(func.count()).select_from(SourceRecord).where(SourceRecord.is_deleted.is_(False)))
        if not live:
            raise NothingToResolve("the hub holds no live record yet: load some first")
        phases = Phases(release_memory=live >= RELEASED_FROM)
        survivorship_pool = stack.enter_context(survivorship_workers(live))
        spool = stack.enter_context(VersionSpool())
        model = None if retrain else latest_model(session)
        record_ids: list[int] = []
        party_types: list[str] = []
        versions: list[int] = []
        scopes: list[RecordScope] = []
        judgements_read: set[int] = set()
        verdicts: dict[Pair, str] = {}

        def constraints() -> Constraints:
            judgements_read.update(session.scalars(select(Judgement.id)))  # before the verdicts: they hold these
            verdicts.update(judgements_in_force(session))  # a full run reads every judgement at once
            return judged_constraints(verdicts, record_ids)

        indexes = _IndexRebuild(session, record_ids, scopes)
        stack.callback(indexes.wait, quietly=True)  # a failed match still waits for it, before the rollback
        resolution = resolve_batch(_current_payloads(session, record_ids, party_types, versions, scopes, spool), model,
                                   workers, constraints=constraints, window=Config.BIRTH_DATE_WINDOW,
                                   settings=configured_match_settings(), features_ready=indexes.start)
        phases.lap("read and match")
        indexes.wait()
        # Nothing more is built from the features or the records' scopes: ~800 MB at a million records, which the
        # writing steps that follow would otherwise carry (the run's peak of memory is in them).
        resolution.release_features()
        del scopes
        phases.lap("indexes and findings")  # what the match left to wait for: on PostgreSQL they run beside it
        stack.enter_context(journal_folded_beside(sessions, session))
        # Records a steward judged while the run matched (a decision, an override) are resolved after it as well,
        # so that the run's clusters, made without that verdict, do not undo it.
        late = _stored_since_read(session, record_ids, versions) | _judged_since_read(session, judgements_read)
        _store_model(session, resolution.model, len(record_ids), now)
        # Records stored while the run matched are left out of it, links and golden records as they are, and
        # resolved once it is in place; a linked record the run did not read is otherwise retracted.
        unread_late = late - set(record_ids)
        current: dict[int, str] = {record_id: golden_id for record_id, golden_id in session.execute(
            select(RecordLink.record_id, RecordLink.golden_id).where(RecordLink.valid_to.is_(None)))
            if record_id not in unread_late}
        retracted = set(current) - set(record_ids)
        last_run = session.scalar(select(func.max(ResolutionRun.started_at)))
        content_changed = None if last_run is None else _changed_since(session, last_run)
        applied = _apply_clusters(session, resolution, record_ids, party_types, current, retracted, now,
                                  "resolution", verdicts, content_changed, phases, survivorship_pool=survivorship_pool,
                                  spool=spool)
        if late:  # resolved as online writes are, now that the rest is in place: nothing stored meanwhile is lost
            _unlink_from_inactive(session, unread_late, now)
            _resolve_component(session, late, now)
            phases.lap("records stored meanwhile")
        # The tasks too: a first run opens thousands, and a planner that still takes their table for empty scans
        # every open task for each online request's few records.
        refresh_statistics(session, [cast(Table, model.__table__) for model in (
            GoldenRecord, RecordLink, BlockingKey, SearchTerm, SearchNameVariant, PointOfSaleStint, AuditEvent,
            OutboxEvent, GoldenPortfolio, GoldenRelationship, RecordFinding, PlaceholderValueUse, StewardshipTask)])
        phases.lap("statistics")
        possible = int((resolution.scored.bands == POSSIBLE).sum())
        tasks = applied.tasks
        run = ResolutionRun(
            started_at=now, finished_at=utc_now(), model_version=resolution.model.version, records=len(record_ids),
            golden_records=len(applied.assignment), links_changed=len(applied.changed),
            created=len(applied.created), merged=applied.merged, split=applied.split, possible_pairs=possible,
            tasks_opened=len(tasks.opened), tasks_refreshed=len(tasks.refreshed), tasks_closed=len(tasks.closed),
        )
        session.add(run)
        session.flush()
        return ResolutionSummary(run.id, resolution.model.version, len(record_ids), len(applied.assignment),
                                 len(applied.created), applied.merged, applied.split, len(applied.changed),
                                 possible, time.perf_counter() - started, dict(phases), tasks,
                                 dict(resolution.seconds))


class _IndexRebuild:
    """A full run's rebuild of the blocking and search indexes and of the data-quality findings: they depend on the
    records' features only, not on the clusters.

    On PostgreSQL it runs in a thread on the run's own connection as soon as the features are built, while the main
    thread blocks, scores and clusters: the database sorts and writes the indexes on one core while Python matches
    on the other. The main thread leaves the session alone until ``wait``. On SQLite, whose connection belongs to
    one thread, ``wait`` rebuilds them itself. Either way the write phase starts here, and goes alone: online
    resolutions still running finish first, new ones wait for the run's commit."""

    def __init__(self, session: Session, record_ids: list[int], scopes: list[RecordScope]) -> None:
        self._session = session
        self._record_ids = record_ids
        self._scopes = scopes
        self._features: tuple[FeatureTable, MatchSettings] | None = None
        self._thread: threading.Thread | None = None
        self._rendered: RenderedRows | None = None
        self._failure: BaseException | None = None

    def start(self, features: FeatureTable, settings: MatchSettings) -> None:
        """Told the features once every live record was read (``record_ids`` and ``scopes`` are complete)."""
        self._features = features, settings
        if on_postgresql(self._session):
            # The indexes' rows are rendered in a process of their own: made in the thread, they took the
            # interpreter from the match, which then waited for it, one core doing the work of both.
            record_ids = self._record_ids
            self._rendered = RenderedRows([
                partial(blocking_key_blocks, features, record_ids, settings.blocking_rules),
                partial(search_term_blocks, features, record_ids)])
            self._thread = threading.Thread(target=self._run, name="index-rebuild")
            self._thread.start()

    def _run(self) -> None:
        try:
            self._rebuild()
        except BaseException as failure:  # handed to the main thread by ``wait``
            self._failure = failure
        finally:
            if self._rendered is not None:
                self._rendered.close()

    def _rebuild(self) -> None:
        assert self._features is not None
        features, settings = self._features
        scopes, self._features, self._scopes = self._scopes, None, []  # let go of once written
        session = self._session
        lock_space(session, RESOLUTION_LOCKS, exclusive=True)
        rendered = self._rendered
        rebuild_blocking_index(session, features, self._record_ids, settings.blocking_rules,
                               None if rendered is None else rendered.next_table())
        rebuild_search_index(session, features, self._record_ids, None if rendered is None else rendered.next_table())
        rebuild_record_findings(session, features, self._record_ids, scopes)

    def wait(self, quietly: bool = False) -> None:
        """Once this returns the rebuild is written; raises what failed it (``quietly``: only waits)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        elif self._features is not None and not quietly:
            self._rebuild()
        failure, self._failure = self._failure, None
        if failure is not None and not quietly:
            raise failure


def _strongest_match(pairs: np.ndarray, probabilities: np.ndarray, bands: np.ndarray, size: int) -> list[float | None]:
    strongest = np.full(size, np.nan)
    matches = bands == MATCH
    for column in (0, 1):
        np.fmax.at(strongest, pairs[matches, column], probabilities[matches])
    # Python floats (``tolist``), not a numpy scalar per record: a full run reads a million of them. NaN is unequal
    # to itself.
    return [None if value != value else round(value, 6) for value in strongest.tolist()]


def _reconcile(
    clusters: dict[int, list[int]], record_ids: list[int], current: dict[int, str], claims: Claims | None = None,
) -> tuple[dict[str, list[int]], set[str], int, set[str]]:
    """Golden id per cluster: the id a steward claimed for its records, else the most overlapped existing id,
    else a new one. Answers (assignment, ids new to these links (created, or claimed back), how many golden
    records were merged away, the golden records split)."""
    overlaps: list[tuple[int, int, str]] = []  # (-overlap, representative, golden id): sorted, strongest first
    spread: dict[str, set[int]] = defaultdict(set)
    claimed: list[tuple[int, int, str]] = []
    for representative, members in clusters.items():
        counts = Counter(current[record_ids[p]] for p in members if record_ids[p] in current)
        for golden_id, count in counts.items():
            overlaps.append((-count, representative, golden_id))
            spread[golden_id].add(representative)
        if claims is not None:
            wanted = Counter(claims.golden_of[record_ids[p]] for p in members if record_ids[p] in claims.golden_of)
            claimed.extend((-count, representative, golden_id) for golden_id, count in wanted.items())
    overlaps.sort()
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for _, representative, golden_id in sorted(claimed) + overlaps:  # a steward's claim goes first
        if representative not in chosen and golden_id not in taken:
            chosen[representative] = golden_id
            taken.add(golden_id)
    created: set[str] = set()
    assignment: dict[str, list[int]] = {}
    for representative, members in clusters.items():
        kept = chosen.get(representative)
        if kept is None:
            kept = new_golden_id()
        if kept not in spread:
            created.add(kept)
        assignment[kept] = members
    merged = sum(1 for golden_id in spread if golden_id not in taken)
    split = {golden_id for golden_id, holders in spread.items() if len(holders) > 1 and golden_id in taken}
    return assignment, created, merged, split


def _retire(session: Session, current: dict[int, str], resolved: ResolvedRecords, kept: Collection[str],
            now: datetime) -> tuple[dict[str, str], set[str]]:
    """Golden records no cluster ``kept``: merged into where most of their records went, or retired if none is left.
    Answers (merged id -> survivor, retired ids)."""
    destination: dict[str, Counter[str]] = defaultdict(Counter)
    for record_id, golden_id in current.items():
        if golden_id in kept:
            continue
        destination[golden_id][resolved.golden_of(record_id) or ""] += 1
    merged: dict[str, str] = {}
    retired: set[str] = set()
    for golden_id, targets in destination.items():
        target = next((t for t, _ in targets.most_common() if t), None)
        session.execute(update(GoldenRecord).where(GoldenRecord.id == golden_id).values(
            status=MERGED if target else RETIRED, merged_into=target, updated_at=now))
        if target:
            merged[golden_id] = target
        else:
            retired.add(golden_id)
    return merged, retired


def _restore_claimed(session: Session, claimed: set[str], now: datetime) -> set[str]:
    """The merged golden records among these ids, made active again (a steward's unmerge gives the old id back);
    the other ids are new."""
    restored = set(session.scalars(select(GoldenRecord.id).where(GoldenRecord.id.in_(claimed),
                                                                 GoldenRecord.status == MERGED)))
    if restored:
        session.execute(update(GoldenRecord).where(GoldenRecord.id.in_(restored)).values(
            status=ACTIVE, merged_into=None, updated_at=now))
    return restored


def rebuild_blocking_index(session: Session, features: FeatureTable, record_ids: list[int],
                           rules: tuple[BlockingRule, ...], rendered: Iterable[bytes] | None = None) -> None:
    """Replace the whole blocking index by the keys of these records (positions of ``features``) by these rules;
    ``rendered``: those rows as COPY text, made elsewhere by ``blocking_key_blocks`` (PostgreSQL)."""
    empty_table(session, _key_table)
    with indexes_set_aside(session, _key_table):
        bulk_insert_blocks(session, _key_table, ["record_id", "key"],
                           rendered if rendered is not None else blocking_key_blocks(features, record_ids, rules))


def blocking_key_blocks(features: FeatureTable, record_ids: list[int], rules: tuple[BlockingRule, ...],
                        ) -> Iterator[list[list[Any]]]:
    """The blocking index's rows (record id, key), a block per rule: one rule at a time keeps a million records'
    keys out of memory."""
    ids = np.asarray(record_ids, dtype=np.int64)
    for rule in rules:
        positions, keys = key_texts(features, (rule,))
        yield [ids[positions].tolist(), keys]


def _unlink_from_inactive(session: Session, record_ids: set[int], now: datetime) -> None:
    """Close the links of these records to golden records the run merged away or retired (they were linked
    there while it ran): resolved afresh, such a record joins the survivor by its matches, and no merged id
    comes back to life."""
    links = golden_ids_of(session, record_ids)
    inactive = set(session.scalars(select(GoldenRecord.id).where(
        GoldenRecord.id.in_(set(links.values())), GoldenRecord.status != ACTIVE)))
    _close_links(session, sorted(record_id for record_id, golden_id in links.items() if golden_id in inactive), now)


def _close_links(session: Session, record_ids: list[int], now: datetime) -> None:
    for start in range(0, len(record_ids), 5000):
        session.execute(update(RecordLink).where(
            RecordLink.record_id.in_(record_ids[start:start + 5000]), RecordLink.valid_to.is_(None),
        ).values(valid_to=now))


def current_links(session: Session) -> Iterator[tuple[str, str, str]]:
    """(source_system, source_record_id, golden_id) of every live record's current link."""
    rows = session.execute(
        select(SourceRecord.source_system, SourceRecord.source_record_id, RecordLink.golden_id)
        .join(RecordLink, (RecordLink.record_id == SourceRecord.id) & RecordLink.valid_to.is_(None))
        .where(SourceRecord.is_deleted.is_(False))
        .order_by(SourceRecord.source_system, SourceRecord.source_record_id)
        .execution_options(yield_per=10_000)
    )
    return ((system, record_id, golden_id) for system, record_id, golden_id in rows)


@dataclass(frozen=True, slots=True)
class RecordResolution:
    """What happened to one changed record: its golden id and how it got there."""

    golden_id: str | None
    decision: str  # linked | new | possible | retracted
    affected: tuple[str, ...]
    tasks: tuple[int, ...] = ()  # the stewardship tasks holding the record that this resolution opened or refreshed


# The online path's lookups by a list of ids or keys, built once per dialect (see ``any_of_parameter``): building
# and keying them again took a tenth of each POST /records.

@cache
def _payloads_query(postgresql: bool) -> Select[int, str, str]:
    return (select(SourceRecord.id, SourceRecord.party_type, sql_cast(SourceRecordVersion.payload, Text))
            .join(SourceRecordVersion, (SourceRecordVersion.record_id == SourceRecord.id)
                  & (SourceRecordVersion.version == SourceRecord.current_version))
            .where(any_of_parameter(SourceRecord.id, "ids", postgresql), SourceRecord.is_deleted.is_(False)))


@cache
def _key_counts_query(postgresql: bool) -> Select[str, int]:
    return (select(BlockingKey.key, func.count()).where(any_of_parameter(BlockingKey.key, "keys", postgresql))
            .group_by(BlockingKey.key))


@cache
def _key_holders_query(postgresql: bool) -> Select[str, int]:
    return select(BlockingKey.key, BlockingKey.record_id).where(any_of_parameter(BlockingKey.key, "keys", postgresql))


@cache
def _open_links_query(by: str, postgresql: bool) -> Select[int, str]:
    return (select(RecordLink.record_id, RecordLink.golden_id)
            .where(any_of_parameter(getattr(RecordLink, by), "values", postgresql), RecordLink.valid_to.is_(None)))


def _payloads_of(session: Session, record_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Live records' (party type, current payload as JSON text)."""
    found: dict[int, tuple[str, str]] = {}
    ordered = sorted(record_ids)
    query = _payloads_query(on_postgresql(session))
    for start in range(0, len(ordered), 5000):
        rows = session.execute(query, {"ids": ordered[start:start + 5000]})
        found.update({record_id: (party_type, payload) for record_id, party_type, payload in rows})
    return found


def _usable_keys(session: Session, keys: Iterable[str], caps: dict[str, int]) -> list[str]:
    """The keys held by fewer records than their rule's cap (none: a key seen for the first time), in order:
    common ones cannot tell anyone apart."""
    counts: dict[str, int] = {}
    ordered = sorted(keys)
    query = _key_counts_query(on_postgresql(session))
    for start in range(0, len(ordered), 2000):
        counts.update({key: count for key, count in session.execute(query, {"keys": ordered[start:start + 2000]})})
    return [key for key in ordered if counts.get(key, 0) < caps[key.split(":", 1)[0]]]


def _candidates_by_key(session: Session, keys: list[str], caps: dict[str, int]) -> set[int]:
    """Records sharing a key with the changed records, skipping keys too common to tell anyone apart. The holders
    of each key are read once and counted here: their number may have grown past the cap while the keys were
    waited for."""
    holders: dict[str, list[int]] = defaultdict(list)
    query = _key_holders_query(on_postgresql(session))
    for start in range(0, len(keys), 2000):
        for key, record_id in session.execute(query, {"keys": keys[start:start + 2000]}):
            holders[key].append(record_id)
    return {record_id for key, records in holders.items() if len(records) < caps[key.split(":", 1)[0]]
            for record_id in records}


def _lock_component(session: Session, changed_ids: set[int], keys: set[str], caps: dict[str, int],
                    ) -> tuple[set[int], dict[int, str]]:
    """Wait for every concurrent resolution whose component may overlap this one, then answer the candidates and
    the current links of the changed records and candidates, as those that came first committed them.

    Under READ COMMITTED a concurrent writer's records are invisible until it commits, so two writers sending
    one client at once would each make a golden record. Hence locks held until commit, each statement after
    them seeing what the writers waited for committed: (1) the changed records' usable blocking keys, as two
    records of one client share some; the candidates are then read by the locked keys only; (2) the golden
    records of the changed records and candidates, as a component also takes in every record of those: two
    components joined by one golden record (one writer splitting it, or merging it through a bridging record,
    while another joins it) take turns too. Keys before golden records, each set in ascending order: a deadlock
    needs a golden record found only after another was locked (the locked one merged or split meanwhile), and
    then ``run_transaction`` runs the request again.
    """
    usable = _usable_keys(session, keys, caps)
    fine = len(usable) <= _MOST_KEY_LOCKS
    lock_space(session, RESOLUTION_LOCKS, exclusive=not fine)
    if fine:
        lock_names(session, KEY_LOCKS, usable)
    candidates = _candidates_by_key(session, usable, caps)
    records = changed_ids | candidates
    links = golden_ids_of(session, records)
    locked: set[str] = set()
    while fine and not set(links.values()) <= locked:
        unlocked = set(links.values()) - locked
        lock_names(session, GOLDEN_LOCKS, unlocked)
        locked |= unlocked
        links = golden_ids_of(session, records)  # a golden record waited for may have merged into another
    return candidates, links


def _open_links(session: Session, by: str, values: Iterable[Any]) -> dict[int, str]:
    """Current links (record id -> golden id) whose column ``by`` is one of ``values``, queried in slices."""
    links: dict[int, str] = {}
    ordered = sorted(values)
    query = _open_links_query(by, on_postgresql(session))
    for start in range(0, len(ordered), 2000):
        links.update({record_id: golden_id for record_id, golden_id in session.execute(
            query, {"values": ordered[start:start + 2000]})})
    return links


def judged_constraints(verdicts: Mapping[Pair, str], record_ids: list[int]) -> Constraints:
    """Must-links (``same``) and cannot-links (``not_same``) between these records, by position in the list."""
    must: list[tuple[int, int]] = []
    cannot: list[tuple[int, int]] = []
    if not verdicts:  # the usual case: no map of a million positions for nothing
        return must, cannot
    position = {record_id: index for index, record_id in enumerate(record_ids)}
    for (record_a, record_b), verdict in verdicts.items():
        if record_a in position and record_b in position and verdict in (SAME, NOT_SAME):
            (must if verdict == SAME else cannot).append((position[record_a], position[record_b]))
    return must, cannot


def golden_ids_of(session: Session, record_ids: Iterable[int]) -> dict[int, str]:
    """The golden record each of these records belongs to now (records never resolved are absent)."""
    return _open_links(session, "record_id", record_ids)


def members_of(session: Session, golden_ids: Iterable[str]) -> dict[int, str]:
    return _open_links(session, "golden_id", golden_ids)


def resolve_changed(session: Session, changed_ids: set[int], now: datetime | None = None,
                    actor: str = SYSTEM_ACTOR, created: Collection[int] = ()) -> dict[int, RecordResolution]:
    """Online resolution of the records just stored or retracted (see ``_resolve_component``); the audit trail
    names ``actor`` as the one who caused it. ``created``: those of them whose record this transaction created."""
    outcome, _ = _resolve_component(session, changed_ids, now or utc_now(), actor, created=created)
    return outcome


def resolve_claimed(session: Session, moved_ids: set[int], claims: Claims, now: datetime, actor: str) -> bool:
    """A steward's override: resolve the component of the records that change golden record as online writes
    are (the judgements that make the override durable must be stored first), giving each claimed record the golden
    id claimed for it. Answers False when the hub has no usable model to resolve with."""
    _, applied = _resolve_component(session, moved_ids, now, actor, claims)
    return applied is not None


def _resolve_component(session: Session, changed_ids: set[int], now: datetime, actor: str = SYSTEM_ACTOR,
                       claims: Claims | None = None, created: Collection[int] = (),
                       ) -> tuple[dict[int, RecordResolution], _Applied | None]:
    """Online resolution: re-cluster only the component the changed records touch, in the caller's transaction.

    The component is the changed records, the records sharing a blocking key with them, and every record of
    the golden records those belong to; nothing outside it can change. Needs a trained model (else nothing is
    resolved and the answer is empty: the next ``resolve`` will do it).
    """
    model = latest_model(session)
    if model is None or not changed_ids:
        return {}, None
    changed_payloads = _payloads_of(session, changed_ids)
    positions: np.ndarray = np.zeros(0, dtype=np.int64)
    keys: list[str] = []
    features = None
    if changed_payloads:
        columns = standardise_columns((payload for _, payload in changed_payloads.values()),
                                      window=Config.BIRTH_DATE_WINDOW, extra_fields=model.settings.extra_fields)
        features = build_features(columns, overused=model.overused)
        positions, keys = key_texts(features, model.settings.blocking_rules)
    candidates, links = _lock_component(session, changed_ids, set(keys), model.settings.blocking_caps)
    changed_links = {record_id: links[record_id] for record_id in changed_ids if record_id in links}
    current = members_of(session, set(links.values()))
    component = set(changed_payloads) | candidates | set(current)
    # A steward's same may tie in a record no key leads to: it joins, with every record of its golden record.
    judged = judgements_in_force(session, component)
    partners = {record for pair in judged for record in pair} - component
    if partners:
        current.update(members_of(session, set(golden_ids_of(session, partners).values())))
        component |= partners | set(current)
        judged = judgements_in_force(session, component)
    payloads = {**changed_payloads, **_payloads_of(session, component - set(changed_payloads))}
    record_ids = sorted(payloads)
    retracted = changed_ids - set(payloads)
    current.update(changed_links)
    # A record this transaction created has no keys, terms or findings to delete yet.
    indexed = changed_ids.difference(created)
    _replace_keys(session, indexed, list(changed_payloads), positions, keys)
    replace_search_terms(session, indexed, list(changed_payloads), features)
    replace_record_findings(session, indexed, list(changed_payloads), features)
    if not record_ids:  # only retractions, and nobody left beside them
        _close_links(session, sorted(retracted), now)
        close_tasks_of(session, retracted, RETRACTED, now, actor, model.version)
        merged_into, retired = _retire(session, current, ResolvedRecords([], {}), (), now)
        _publish(session, GoldenChanges(
            "online", model.version, now, frozenset(), merged_into, frozenset(retired), frozenset(),
            tuple(sorted((record_id, current.get(record_id), None) for record_id in retracted)), frozenset(),
            frozenset(retracted), actor=actor), model.settings)
        left = tuple(sorted({current[record_id] for record_id in retracted if record_id in current}))
        return {record_id: RecordResolution(None, "retracted", left) for record_id in changed_ids}, None
    party_types = [payloads[record_id][0] for record_id in record_ids]
    # Whether a verdict is in force depends on its pair alone: those holding a live record of the component.
    live = set(record_ids)
    verdicts = {pair: verdict for pair, verdict in judged.items() if pair[0] in live or pair[1] in live}
    resolution = resolve_batch([payloads[record_id][1] for record_id in record_ids], model,
                               constraints=lambda: judged_constraints(verdicts, record_ids),
                               window=Config.BIRTH_DATE_WINDOW)
    applied = _apply_clusters(session, resolution, record_ids, party_types, current, retracted, now,
                              OVERRIDE if claims else "online", verdicts, changed_ids, actor=actor, claims=claims)

    sizes = {golden: len(members) for golden, members in applied.assignment.items()}
    # Affected: the golden records a changed link left or joined (merged and emptied ones included).
    touched = tuple(sorted(
        {golden for _, golden in applied.changed}
        | {current[record_id] for record_id, _ in applied.changed if record_id in current}
        | {current[record_id] for record_id in retracted if record_id in current}
    ))
    possible = {record_ids[int(p)] for p in distinct(resolution.scored.pairs[resolution.scored.bands == POSSIBLE])}
    outcome: dict[int, RecordResolution] = {}
    for record_id in changed_ids:
        if record_id in retracted:
            outcome[record_id] = RecordResolution(None, "retracted", touched)
            continue
        golden = applied.resolved.golden_of(record_id)
        assert golden is not None  # every live record of the component joined a golden record
        decision = "linked" if sizes[golden] > 1 else "possible" if record_id in possible else "new"
        outcome[record_id] = RecordResolution(golden, decision, touched,
                                              applied.tasks.touching((record_id,), applied.tasks_by_record))
    return outcome, applied


def _changed_since(session: Session, since: datetime) -> set[int]:
    """Records with a version (tombstones included) stored since that instant."""
    return set(session.scalars(
        select(SourceRecordVersion.record_id).where(SourceRecordVersion.recorded_at >= since).distinct()))


def resolve_since_last_run(sessions: sessionmaker[Session], now: datetime | None = None) -> ResolutionSummary | None:
    """The daily consolidation when a model and an earlier run exist: only the records with a version stored since
    the last run began, and the components they touch. Answers None when a full run is needed instead."""
    started = time.perf_counter()
    now = now or utc_now()
    with transaction(sessions) as session:
        model = latest_model(session)
        since = session.scalar(select(func.max(ResolutionRun.started_at)))
        if model is None or since is None:
            return None
        changed = _changed_since(session, since)
        outcome, applied = _resolve_component(session, changed, now)
        possible = sum(1 for result in outcome.values() if result.decision == "possible")
        tasks = applied.tasks if applied else TaskChanges()
        run = ResolutionRun(
            started_at=now, finished_at=utc_now(), model_version=model.version, records=len(changed),
            golden_records=len(applied.assignment) if applied else 0,
            links_changed=len(applied.changed) if applied else 0, created=len(applied.created) if applied else 0,
            merged=applied.merged if applied else 0, split=applied.split if applied else 0, possible_pairs=possible,
            tasks_opened=len(tasks.opened), tasks_refreshed=len(tasks.refreshed), tasks_closed=len(tasks.closed),
        )
        session.add(run)
        session.flush()
        fold_capture_journal(session)
        return ResolutionSummary(run.id, model.version, run.records, run.golden_records, run.created, run.merged,
                                 run.split, run.links_changed, possible, time.perf_counter() - started, tasks=tasks)


def _replace_keys(session: Session, changed_ids: set[int], probe_ids: list[int], positions: np.ndarray,
                  keys: list[str]) -> None:
    """The changed records' keys become their current version's (a retracted record keeps none)."""
    ordered = sorted(changed_ids)
    for start in range(0, len(ordered), 5000):
        session.execute(delete(BlockingKey).where(BlockingKey.record_id.in_(ordered[start:start + 5000])))
    bulk_insert(session, _key_table, [
        {"record_id": probe_ids[position], "key": key} for position, key in zip(positions.tolist(), keys, strict=True)
    ])
