"""A steward's judgement on two source records: stored append-only, and honoured at once and by every later run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdm.audit import AuditEntry, append_events
from mdm.errors import FieldError, InvalidInput, NotFound
from mdm.models import NOT_SAME, SAME, UNSURE, GoldenRecord, Judgement, SourceRecord
from mdm.resolution import golden_ids_of, members_of, resolve_changed

VERDICTS = (SAME, NOT_SAME, UNSURE)
JUDGEMENT_RECORDED = "judgement.recorded"
RecordKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class JudgementResult:
    """The stored judgement and where the two records stand once it is applied."""

    id: int
    verdict: str
    golden_ids: tuple[str | None, str | None]


def _record(session: Session, field: str, key: RecordKey) -> SourceRecord:
    record = session.scalars(select(SourceRecord).where(
        SourceRecord.source_system == key[0].upper(), SourceRecord.source_record_id == key[1])).one_or_none()
    if record is None:
        raise NotFound(f"{field}: no record {key[1]!r} from source system {key[0]!r}")
    if record.is_deleted:
        raise InvalidInput("a retracted record cannot be judged", (
            FieldError(field, "retracted", f"{key[0]}:{key[1]} is retracted"),))
    return record


def validate_verdict(verdict: str) -> None:
    if verdict not in VERDICTS:
        raise InvalidInput("unknown verdict", (FieldError("verdict", "one_of", f"verdict must be one of "
                                                                               f"{', '.join(VERDICTS)}"),))


def record_judgement(session: Session, left: RecordKey, right: RecordKey, verdict: str, actor: str,
                     reason: str | None, now: datetime) -> JudgementResult:
    """Store the verdict on the pair (the latest verdict on a pair is the one in force) and resolve the two
    records again: ``same`` links them, ``not_same`` keeps them apart, now and in every later resolution."""
    validate_verdict(verdict)
    a, b = _record(session, "a", left), _record(session, "b", right)
    if a.id == b.id:
        raise InvalidInput("a record is always the same as itself", (
            FieldError("b", "distinct", "judge two different records"),))
    judgement = _store(session, a, b, verdict, actor, reason, now)
    resolve_changed(session, {a.id, b.id}, now, actor)
    golden = golden_ids_of(session, [a.id, b.id])
    return JudgementResult(judgement.id, verdict, (golden.get(a.id), golden.get(b.id)))


def judge_against_golden(session: Session, record: RecordKey, golden_id: str, verdict: str, actor: str,
                         reason: str | None, now: datetime) -> JudgementResult:
    """A verdict on a record and a golden record: ``same`` ties the record to one of its records (a must-link is
    enough to join the cluster), ``not_same`` and ``unsure`` are judged against every one of them, so that no
    record of the golden record can pull this one back in."""
    validate_verdict(verdict)
    a = _record(session, "a", record)
    golden = session.get(GoldenRecord, golden_id)
    if golden is None:
        raise NotFound(f"no golden record {golden_id}")
    if golden.status != "active":
        raise InvalidInput("only an active golden record can be judged", (FieldError(
            "golden_id", "active", f"{golden_id} is {golden.status}" + (
                f" into {golden.merged_into}" if golden.merged_into else "")),))
    members = sorted(record_id for record_id, linked in members_of(session, [golden_id]).items() if record_id != a.id)
    if not members:
        raise InvalidInput("the record is the golden record's only record", (FieldError(
            "golden_id", "distinct", f"{golden_id} holds no record but {record[0]}:{record[1]}"),))
    chosen = members[:1] if verdict == SAME else members
    stored = [_store(session, a, session.get_one(SourceRecord, member), verdict, actor, reason, now)
              for member in chosen]
    resolve_changed(session, {a.id, *chosen}, now, actor)
    standing = golden_ids_of(session, [a.id, chosen[0]])
    return JudgementResult(stored[-1].id, verdict, (standing.get(a.id), standing.get(chosen[0])))


def _store(session: Session, a: SourceRecord, b: SourceRecord, verdict: str, actor: str, reason: str | None,
           now: datetime) -> Judgement:
    first, second = sorted((a, b), key=lambda record: record.id)
    judgement = Judgement(record_a_id=first.id, record_b_id=second.id, version_a=first.current_version,
                          version_b=second.current_version, verdict=verdict, actor=actor, reason=reason,
                          decided_at=now)
    session.add(judgement)
    session.flush()
    append_events(session, [AuditEntry(JUDGEMENT_RECORDED, None, actor, {"kind": "judgement"}, None, {
        "judgement": judgement.id, "verdict": verdict, "reason": reason,
        "records": [f"{first.source_system}:{first.source_record_id}",
                    f"{second.source_system}:{second.source_record_id}"],
        "versions": [first.current_version, second.current_version],
    })], now)
    return judgement
