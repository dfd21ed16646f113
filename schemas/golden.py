"""Golden record answers."""

from marshmallow import Schema, fields


class CrossReferenceSchema(Schema):
    source_system = fields.String()
    source_record_id = fields.String()
    point_of_sale = fields.String(allow_none=True)
    product_line = fields.String(allow_none=True)
    linked_since = fields.DateTime()
    model_version = fields.String(allow_none=True)
    probability = fields.Float(allow_none=True, metadata={"description": "strongest match tying it to the others"})
    cause = fields.String()


class GoldenRecordSchema(Schema):
    id = fields.String(metadata={"example": "GC-3F9A1C07B24D5E8"})
    party_type = fields.String()
    status = fields.String(metadata={"enum": ["active", "retired"]})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    xrefs = fields.List(fields.Nested(CrossReferenceSchema))
