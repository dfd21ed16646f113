"""Why two stored source records are (not) the same client, under the latest model version and its settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matching.explain import Explanation, explain_pair
from matching.features import build_features, extract_columns
from matching.standardise import standardise_record
from mdm.errors import Conflict, FieldError, InvalidInput, NotFound
from mdm.models import SourceRecord, SourceRecordVersion
from mdm.resolution import latest_model


def parse_record_reference(field: str, reference: str) -> tuple[str, str]:
    """``SOURCE_SYSTEM:source_record_id`` (the id may itself hold colons)."""
    system, separator, record_id = reference.partition(":")
    if not separator or not system or not record_id:
        raise InvalidInput(f"{field} must be SOURCE_SYSTEM:source_record_id", (FieldError(
            field, "format", f"{reference!r} is not SOURCE_SYSTEM:source_record_id"),))
    return system.upper(), record_id


def _current_payload(session: Session, system: str, record_id: str) -> dict[str, object]:
    payload = session.scalar(
        select(SourceRecordVersion.payload)
        .join(SourceRecord, (SourceRecordVersion.record_id == SourceRecord.id)
              & (SourceRecordVersion.version == SourceRecord.current_version))
        .where(SourceRecord.source_system == system, SourceRecord.source_record_id == record_id,
               SourceRecord.is_deleted.is_(False))
    )
    if payload is None:
        raise NotFound(f"no live record {record_id!r} from source system {system!r}")
    return dict(payload)


def explain_records(session: Session, left: tuple[str, str], right: tuple[str, str]) -> Explanation:
    model = latest_model(session)
    if model is None:
        raise Conflict("no match model yet: load records and run `python -m mdm train` first")
    extra_fields = model.settings.extra_fields
    records = [standardise_record(_current_payload(session, *reference), extra_fields=extra_fields)
               for reference in (left, right)]
    return explain_pair(model, build_features(extract_columns(records, extra_fields), overused=model.overused), 0, 1)
