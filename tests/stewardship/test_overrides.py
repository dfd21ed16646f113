"""Steward overrides: a merge, a split and an unmerge hold at once and through every later online or batch
resolution (retrains and re-sends included), each can be undone, an unmerge gives the old ids back exactly, bad
input writes nothing, and a rebuild from the durable facts gives back the hub the overrides left."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mdm.clock import utc_now
from mdm.db import transaction
from mdm.errors import Conflict, InvalidInput, MdmError, NotFound
from mdm.events import GOLDEN_CREATED, GOLDEN_MERGED, GOLDEN_RESTORED, GOLDEN_SPLIT
from mdm.golden_records import MovedPermanently, find_golden_record
from mdm.models import AuditEvent, GoldenOverride, GoldenRecord, Judgement, OutboxEvent
from mdm.rebuild import rebuild_derived_state
from mdm.resolution import current_links, resolve_all
from stewardship.overrides import (
    OVERRIDE_RECORDED,
    OverrideResult,
    merge_golden_records,
    split_golden_record,
    undo_override,
    unmerge_golden_record,
)
from tests.golden_scenarios import Key, as_duplicate_of, consolidate, members_by_golden, payload_of, pick, send_online
from tests.mdm.test_rebuild import snapshot

STEWARD = "steward#7"
REASON = "same identity document on both files"


def _override(sessions: sessionmaker[Session], use_case: Callable[..., OverrideResult], *args: Any,
              ) -> OverrideResult:
    with transaction(sessions) as session:
        return use_case(session, *args)


def _merge(sessions: sessionmaker[Session], golden_ids: list[str], survivor: str | None) -> OverrideResult:
    return _override(sessions, merge_golden_records, golden_ids, survivor, STEWARD, REASON, utc_now())


def _split(sessions: sessionmaker[Session], golden_id: str, keys: list[Key], each_alone: bool = False,
           ) -> OverrideResult:
    return _override(sessions, split_golden_record, golden_id, keys, each_alone, STEWARD, REASON, utc_now())


def _unmerge(sessions: sessionmaker[Session], golden_id: str) -> OverrideResult:
    return _override(sessions, unmerge_golden_record, golden_id, STEWARD, REASON, utc_now())


def _undo(sessions: sessionmaker[Session], override_id: int) -> OverrideResult:
    return _override(sessions, undo_override, override_id, STEWARD, "undone: the documents were misread", utc_now())


def _golden_of(sessions: sessionmaker[Session]) -> dict[Key, str]:
    with sessions() as session:
        return {(system, record_id): golden for system, record_id, golden in current_links(session)}


def _status(sessions: sessionmaker[Session], golden_id: str) -> tuple[str, str | None]:
    with sessions() as session:
        golden = session.get(GoldenRecord, golden_id)
        assert golden is not None
        return golden.status, golden.merged_into


def _resend(sessions: sessionmaker[Session], keys: list[Key]) -> None:
    """New versions from their sources: the same clients, one more detail each."""
    send_online(sessions, [{**payload_of(sessions, key), "source_system": key[0], "source_record_id": key[1],
                            "email": f"client.{key[1].lower()}@menara.ma"} for key in keys])


def _every_later_run(sessions: sessionmaker[Session], resent: list[Key]) -> list[Callable[[], object]]:
    return [lambda: resolve_all(sessions), lambda: resolve_all(sessions, retrain=True),
            lambda: _resend(sessions, resent)]


def _events(sessions: sessionmaker[Session], kind: str, golden_id: str | None) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.kind == kind,
                                                             AuditEvent.golden_id == golden_id)))


def test_merge_redirects_holds_through_every_later_run_and_unmerge_gives_the_old_ids_back(
    sessions: sessionmaker[Session],
) -> None:
    consolidate(sessions, records=300)
    before = members_by_golden(sessions)
    larger = pick(before, 2, set())
    single = pick(before, 1, {larger})
    merged_keys = sorted(before[larger] + before[single])
    # The steward names the survivor: the id does not follow the larger overlap.
    merge = _merge(sessions, [larger, single], single)
    states = {state.id: state for state in merge.golden_records}
    assert (states[single].status, sorted(states[single].records)) == ("active", merged_keys)
    assert (states[larger].status, states[larger].merged_into, states[larger].records) == ("merged", single, ())
    with sessions() as session, pytest.raises(MovedPermanently) as moved:
        find_golden_record(session, larger)
    assert moved.value.survivor == single
    (merged_event,) = _events(sessions, GOLDEN_MERGED, larger)
    assert (merged_event.actor, merged_event.cause) == (STEWARD, {"kind": "override", "override": merge.id})
    assert merged_event.details["survivor"] == single
    (recorded,) = _events(sessions, OVERRIDE_RECORDED, None)
    assert (recorded.actor, recorded.details["override_kind"], recorded.details["reason"]) == (STEWARD, "merge",
                                                                                             REASON)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.type == GOLDEN_MERGED, OutboxEvent.golden_id == larger)) == 1
        stored = session.get(GoldenOverride, merge.id)
        assert stored is not None and stored.judgement_ids == list(merge.judgements)
        assert {j.verdict for j in session.scalars(select(Judgement))} == {"same"}

    unmerge = _unmerge(sessions, larger)  # the exact previous golden records, ids and members
    assert members_by_golden(sessions) == before
    assert _status(sessions, larger) == ("active", None) and _status(sessions, single) == ("active", None)
    assert [sorted(event.details["joined"]) for event in _events(sessions, GOLDEN_RESTORED, larger)] == [
        [f"{system}:{record_id}" for system, record_id in sorted(before[larger])]]

    again = _undo(sessions, unmerge.id)  # undoing the unmerge merges them again
    assert again.undoes == unmerge.id and _status(sessions, larger) == ("merged", single)
    for later_run in _every_later_run(sessions, merged_keys):
        later_run()
        links = _golden_of(sessions)
        assert {links[key] for key in merged_keys} == {single}
        assert _status(sessions, larger) == ("merged", single)


def test_split_holds_through_every_later_run_and_its_undo_merges_back_under_the_same_ids(
    sessions: sessionmaker[Session],
) -> None:
    consolidate(sessions, records=300)
    members = members_by_golden(sessions)
    golden = pick(members, 3, set())
    keys = sorted(members[golden])
    split = _split(sessions, golden, [keys[0]])
    states = {state.id: state for state in split.golden_records}
    (new_id,) = set(states) - {golden}
    assert (states[golden].status, list(states[golden].records)) == ("active", keys[1:])
    assert (states[new_id].status, list(states[new_id].records)) == ("active", [keys[0]])
    (split_event,) = _events(sessions, GOLDEN_SPLIT, golden)
    assert split_event.details["split_into"] == [new_id] and split_event.actor == STEWARD
    assert _events(sessions, GOLDEN_CREATED, new_id)[0].details["split_from"] == [golden]
    for later_run in _every_later_run(sessions, keys[:2]):
        later_run()
        links = _golden_of(sessions)
        assert links[keys[0]] == new_id and {links[key] for key in keys[1:]} == {golden}

    back = _undo(sessions, split.id)
    assert {state.id: (state.status, state.merged_into) for state in back.golden_records} == {
        golden: ("active", None), new_id: ("merged", golden)}
    assert {_golden_of(sessions)[key] for key in keys} == {golden}

    alone = _split(sessions, golden, keys[:2], each_alone=True)  # every part of one record: the id stays put
    parts = {state.id: list(state.records) for state in alone.golden_records}
    assert parts[golden] == keys[2:] and sorted(parts.values()) == sorted([[keys[0]], [keys[1]], keys[2:]])


def test_unmerge_of_a_model_merge_undo_conflicts_and_rebuild_gives_back_the_live_hub(
    sessions: sessionmaker[Session],
) -> None:
    consolidate(sessions, records=300)
    members = members_by_golden(sessions)
    target = pick(members, 2, set())
    single = pick(members, 1, {target})
    (moved_key,) = members[single]
    send_online(sessions, [as_duplicate_of(sessions, moved_key, members[target][0])])
    assert _status(sessions, single) == ("merged", target)  # the model merged it away

    unmerge = _unmerge(sessions, single)  # its record found through the link history
    assert {state.id: list(state.records) for state in unmerge.golden_records} == {
        target: sorted(members[target]), single: [moved_key]}
    with transaction(sessions) as session, pytest.raises(InvalidInput) as twice:
        unmerge_golden_record(session, single, STEWARD, REASON, utc_now())
    assert (twice.value.errors[0].field, twice.value.errors[0].rule) == ("golden_id", "merged")
    redo = _undo(sessions, unmerge.id)
    assert _status(sessions, single) == ("merged", target)
    _undo(sessions, redo.id)
    with transaction(sessions) as session, pytest.raises(Conflict):
        undo_override(session, redo.id, STEWARD, REASON, utc_now())  # already undone: it no longer applies

    others = members_by_golden(sessions)
    splittable = pick(others, 3, {target, single})
    _split(sessions, splittable, sorted(others[splittable])[:1])
    first = pick(others, 1, {target, single})
    _merge(sessions, [first, _of_party(sessions, others, _party_type(sessions, first), {target, single, first,
                                                                                         splittable})], None)
    # A full run drops the spelling variants of the name the re-send replaced (online they only grow), as a
    # rebuild does; the overrides hold through it.
    resolve_all(sessions)
    with sessions() as session:
        live = snapshot(session)
    rebuild_derived_state(sessions)
    with sessions() as session:
        assert snapshot(session) == live


def _refused(sessions: sessionmaker[Session], error: type[MdmError], use_case: Callable[..., OverrideResult],
             *args: Any) -> MdmError:
    with transaction(sessions) as session, pytest.raises(error) as refused:
        use_case(session, *args)
    return refused.value


def _party_type(sessions: sessionmaker[Session], golden_id: str) -> str:
    with sessions() as session:
        golden = session.get(GoldenRecord, golden_id)
        assert golden is not None
        return golden.party_type


def _of_party(sessions: sessionmaker[Session], members: dict[str, list[Key]], party_type: str, avoid: set[str],
              ) -> str:
    """A golden record of two records or more and of that party type, chosen by its records (ids are random)."""
    return next(golden for golden, keys in sorted(members.items(), key=lambda item: sorted(item[1]))
                if golden not in avoid and len(keys) >= 2 and _party_type(sessions, golden) == party_type)


def test_bad_input_names_the_field_and_rule_and_writes_nothing(sessions: sessionmaker[Session]) -> None:
    consolidate(sessions, records=200)
    members = members_by_golden(sessions)
    person = _of_party(sessions, members, "person", set())
    company = _of_party(sessions, members, "organization", set())
    single = pick(members, 1, {person, company})
    absorbed = pick(members, 1, {person, company, single})
    _merge(sessions, [single, absorbed], single)
    with sessions() as session:
        counts = [session.scalar(select(func.count()).select_from(model)) for model in (
            GoldenOverride, Judgement, AuditEvent, OutboxEvent)]
    now = utc_now()
    cases: list[tuple[type[MdmError], Callable[..., OverrideResult], tuple[Any, ...], tuple[str, str] | None]] = [
        (InvalidInput, merge_golden_records, ([person, person], None, STEWARD, REASON, now), ("golden_ids",
                                                                                             "distinct")),
        (InvalidInput, merge_golden_records, ([single, absorbed], None, STEWARD, REASON, now), ("golden_ids",
                                                                                                "active")),
        (InvalidInput, merge_golden_records, ([person, company], None, STEWARD, REASON, now), ("golden_ids",
                                                                                              "party_type")),
        (InvalidInput, merge_golden_records, ([person, single], company, STEWARD, REASON, now), ("survivor",
                                                                                                "one_of")),
        (InvalidInput, merge_golden_records, ([person, single], None, STEWARD, "  ", now), ("reason", "required")),
        (NotFound, merge_golden_records, ([person, "GC-UNKNOWN"], None, STEWARD, REASON, now), None),
        (InvalidInput, split_golden_record, (person, [members[single][0]], False, STEWARD, REASON, now),
         ("records.0", "member")),
        (InvalidInput, split_golden_record, (person, members[person], False, STEWARD, REASON, now),
         ("records", "remainder")),
        (InvalidInput, split_golden_record, (absorbed, members[single], False, STEWARD, REASON, now),
         ("golden_id", "active")),
        (InvalidInput, unmerge_golden_record, (person, STEWARD, REASON, now), ("golden_id", "merged")),
        (NotFound, unmerge_golden_record, ("GC-UNKNOWN", STEWARD, REASON, now), None),
    ]
    for error, use_case, args, field_and_rule in cases:
        refused = _refused(sessions, error, use_case, *args)
        if field_and_rule is not None:
            assert (refused.errors[0].field, refused.errors[0].rule) == field_and_rule, refused.errors
    with sessions() as session:
        assert [session.scalar(select(func.count()).select_from(model)) for model in (
            GoldenOverride, Judgement, AuditEvent, OutboxEvent)] == counts
