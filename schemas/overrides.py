"""Steward overrides of golden records: merge, split, unmerge and undo requests, and what they answer."""

from marshmallow import Schema, fields, validate

from schemas import Text

GOLDEN_ID = validate.Length(min=1, max=32)  # golden_record.id is String(32)
MOST_RECORDS = 1000  # a split names records of one client: more is a mistake, and its judgements grow as a square


def _reason() -> Text:
    return Text(required=True, validate=validate.Length(min=1, max=2000),
                metadata={"description": "why: kept with the override, its judgements and the audit trail"})


class RecordKeySchema(Schema):
    source_system = Text(required=True, validate=validate.Length(min=1, max=32))
    source_record_id = Text(required=True, validate=validate.Length(min=1, max=128))


class MergeRequestSchema(Schema):
    golden_ids = fields.List(Text(validate=GOLDEN_ID), required=True, validate=validate.Length(min=2, max=50),
                             metadata={"description": "active golden records of one party type"})
    survivor = Text(allow_none=True, validate=GOLDEN_ID,
                    metadata={"description": "the id that stays (one of golden_ids); the oldest by default"})
    reason = _reason()


class SplitRequestSchema(Schema):
    records = fields.List(fields.Nested(RecordKeySchema), required=True,
                          validate=validate.Length(min=1, max=MOST_RECORDS),
                          metadata={"description": "records of this golden record to take out of it"})
    each_alone = fields.Boolean(load_default=False, metadata={
        "description": "each listed record becomes a golden record of its own (default: one together)"})
    reason = _reason()


class ReasonSchema(Schema):
    reason = _reason()


class GoldenStateSchema(Schema):
    id = fields.String()
    party_type = fields.String()
    status = fields.String(metadata={"enum": ["active", "merged", "retired"]})
    merged_into = fields.String(allow_none=True)
    records = fields.List(fields.Nested(RecordKeySchema))


class OverrideSchema(Schema):
    id = fields.Integer(metadata={"description": "the override: POST /golden/overrides/{id}/undo undoes it"})
    kind = fields.String(metadata={"enum": ["merge", "split", "unmerge"]})
    golden_id = fields.String(metadata={"description": "the survivor, the golden record split, or the id given back"})
    undoes = fields.Integer(allow_none=True)
    actor = fields.String()
    reason = fields.String()
    decided_at = fields.DateTime()
    judgements = fields.List(fields.Integer(), metadata={"description": "the judgements written to make it durable"})
    golden_records = fields.List(fields.Nested(GoldenStateSchema),
                                 metadata={"description": "the golden records it touched, as they stand now"})
