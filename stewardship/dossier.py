"""A golden record's dossier as a steward reads it: what it says and why, its records' versions and what each
changed, its movements and audit trail, and how it differed at a past date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdm.golden_records import CandidateValue, CrossReference, GoldenView, get_golden_record
from mdm.lineage import AuditEventView, Lineage, LinkAsOf, get_lineage
from mdm.models import GoldenRecord
from mdm.movements import MovementHistory, movement_history
from mdm.source_records import VersionView, list_versions
from mdm.survivorship import Attribute, Value


@dataclass(frozen=True, slots=True)
class AttributeRow:
    """A surviving value beside the other values its records offer: a disputed field is one worth checking."""

    field: str
    attribute: Attribute
    others: tuple[CandidateValue, ...]  # the candidates whose value is not the surviving one

    @property
    def disputed(self) -> bool:
        """Another usable value is on offer, one that does not merely spell the surviving value otherwise."""
        return self.attribute.rule != "agreement" and any(c.quality != "junk" for c in self.others)


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    value: Any
    previous: Any
    changed: bool  # against the previous version; every field of a first version is new


@dataclass(frozen=True, slots=True)
class VersionChanges:
    version: VersionView
    fields: tuple[FieldChange, ...]

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return tuple(change.field for change in self.fields if change.changed)


@dataclass(frozen=True, slots=True)
class SourceHistory:
    """A current source record of the golden record and its versions, newest first."""

    xref: CrossReference
    versions: tuple[VersionChanges, ...]

    @property
    def key(self) -> str:
        return f"{self.xref.source_system}:{self.xref.source_record_id}"


@dataclass(frozen=True, slots=True)
class Dossier:
    golden: GoldenView
    attributes: tuple[AttributeRow, ...]
    sources: tuple[SourceHistory, ...]
    movements: MovementHistory
    events: tuple[AuditEventView, ...]  # oldest first

    @property
    def name(self) -> str | None:
        """The client's surviving name, as a heading shows it."""
        values = {field: attribute.value for field, attribute in self.golden.attributes.items()
                  if isinstance(attribute.value, str)}
        person = " ".join(values[field] for field in ("first_name", "last_name") if field in values)
        return values.get("company_name") or values.get("trade_name") or person or values.get("full_name")


def read_dossier(session: Session, golden_id: str, now: datetime) -> Dossier:
    """The golden record's dossier; a merged id raises ``MovedPermanently``, an unknown one ``NotFound``."""
    golden = get_golden_record(session, golden_id)
    # One read per source record: a golden record holds a handful of them.
    sources = tuple(
        SourceHistory(xref, version_changes(list_versions(session, xref.source_system, xref.source_record_id)))
        for xref in golden.xrefs)
    return Dossier(golden, attribute_rows(golden.attributes, golden.candidates), sources,
                   movement_history(session, golden_id), get_lineage(session, golden_id, now).events)


def attribute_rows(attributes: Mapping[str, Attribute],
                   candidates: Mapping[str, Sequence[CandidateValue]]) -> tuple[AttributeRow, ...]:
    return tuple(
        AttributeRow(field, attribute, tuple(c for c in candidates.get(field, ()) if c.value != attribute.value))
        for field, attribute in sorted(attributes.items()))


def version_changes(versions: Sequence[VersionView]) -> tuple[VersionChanges, ...]:
    """Each version's fields marked changed or not against the version before it; newest first."""
    found: list[VersionChanges] = []
    previous: Mapping[str, Any] = {}
    for number, version in enumerate(versions):
        payload = version.payload or {}
        fields = tuple(
            FieldChange(field, payload.get(field), previous.get(field),
                        number == 0 or payload.get(field) != previous.get(field))
            for field in sorted(payload.keys() | previous.keys()))
        found.append(VersionChanges(version, fields))
        previous = payload
    return tuple(reversed(found))


@dataclass(frozen=True, slots=True)
class AttributeThen:
    field: str
    then: Value | None
    now: Value | None

    @property
    def changed(self) -> bool:
        return self.then != self.now


@dataclass(frozen=True, slots=True)
class LinkThen:
    """A record linked then, now or both; with the version it had then and has now."""

    key: str
    then: LinkAsOf | None
    now: CrossReference | None
    version_now: int | None

    @property
    def state(self) -> str:
        if self.then is None:
            return "joined since"
        if self.now is None:
            return "left since"
        if self.then.version is not None and self.then.version.number != self.version_now:
            return "new version since"
        return "unchanged"


@dataclass(frozen=True, slots=True)
class PastState:
    """The golden record as of a past instant, set against today's."""

    lineage: Lineage
    attributes: tuple[AttributeThen, ...]
    links: tuple[LinkThen, ...]


def past_state(session: Session, dossier: Dossier, as_of: datetime) -> PastState:
    """The dossier's golden record as of ``as_of``; ``NotFound`` if it did not exist yet."""
    lineage = get_lineage(session, dossier.golden.id, as_of)
    now = dossier.golden.attributes
    attributes = tuple(
        AttributeThen(field, then.value if (then := lineage.attributes.get(field)) else None,
                      current.value if (current := now.get(field)) else None)
        for field in sorted(lineage.attributes.keys() | now.keys()))
    linked_then = {f"{link.source_system}:{link.source_record_id}": link for link in lineage.links}
    linked_now = {source.key: source for source in dossier.sources}
    links = tuple(
        LinkThen(key, linked_then.get(key), source.xref if (source := linked_now.get(key)) else None,
                 source.versions[0].version.version if source and source.versions else None)
        for key in sorted(linked_then.keys() | linked_now.keys()))
    return PastState(lineage, attributes, links)


def merged_into_it(session: Session, dossier: Dossier) -> tuple[str, ...]:
    """The golden records its events say it absorbed that are still merged redirects: those a steward may give
    back (unmerge)."""
    absorbed = {golden for event in dossier.events for golden in event.details.get("absorbed", ())}
    if not absorbed:
        return ()
    return tuple(sorted(session.scalars(select(GoldenRecord.id).where(
        GoldenRecord.id.in_(absorbed), GoldenRecord.status == "merged"))))
