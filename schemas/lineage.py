"""A golden record's lineage as of an instant."""

from marshmallow import Schema, fields

from schemas import Text
from schemas.golden import AttributeSchema


class LineageQuerySchema(Schema):
    as_of = Text(metadata={
        "description": "ISO 8601 date (the end of that day, UTC) or date-time; default: now",
        "example": "2026-03-31"})


class VersionAsOfSchema(Schema):
    number = fields.Integer()
    received_at = fields.DateTime()
    recorded_at = fields.DateTime()
    content_hash = fields.String()
    is_tombstone = fields.Boolean()
    payload = fields.Dict(allow_none=True)


class LinkAsOfSchema(Schema):
    source_system = fields.String()
    source_record_id = fields.String()
    valid_from = fields.DateTime()
    valid_to = fields.DateTime(allow_none=True)
    model_version = fields.String(allow_none=True)
    probability = fields.Float(allow_none=True)
    cause = fields.String()
    version = fields.Nested(VersionAsOfSchema, allow_none=True,
                            metadata={"description": "the version of the record that was current at as_of"})


class AuditEventSchema(Schema):
    sequence = fields.Integer()
    occurred_at = fields.DateTime()
    kind = fields.String()
    actor = fields.String()
    cause = fields.Dict()
    model_version = fields.String(allow_none=True)
    details = fields.Dict()


class DecisionAsOfSchema(Schema):
    judgement = fields.Integer()
    verdict = fields.String(metadata={"enum": ["same", "not_same", "unsure"]})
    records = fields.List(fields.String(), metadata={"description": "the two records judged, SOURCE_SYSTEM:id"})
    versions = fields.List(fields.Integer(), metadata={"description": "the versions the steward saw"})
    actor = fields.String()
    reason = fields.String(allow_none=True)
    decided_at = fields.DateTime()
    superseded = fields.Boolean(metadata={"description": "a later verdict on the same pair replaced it by as_of"})


class LineageSchema(Schema):
    id = fields.String()
    as_of = fields.DateTime()
    party_type = fields.String()
    status = fields.String(metadata={"enum": ["active", "merged", "retired"]})
    attributes = fields.Dict(keys=fields.String(), values=fields.Nested(AttributeSchema), metadata={
        "description": "the golden attributes (survivorship with today's rules) of the versions current at as_of"})
    links = fields.List(fields.Nested(LinkAsOfSchema))
    events = fields.List(fields.Nested(AuditEventSchema), metadata={"description": "its audit trail up to as_of"})
    decisions = fields.List(fields.Nested(DecisionAsOfSchema), metadata={
        "description": "steward verdicts made by as_of on its records (must-links and cannot-links of resolution)"})
