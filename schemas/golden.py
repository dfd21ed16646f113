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


class GoldenSearchQuerySchema(Schema):
    """Criteria combine (every one must hold, on any record of the golden record); at least one is required."""

    name = fields.String(metadata={
        "description": "a person's or company's name, any order, spelling or legal form", "example": "Mhamed Idrissi"})
    identifier = fields.String(metadata={
        "description": "CIN/CNIE, passport, ICE, RC, IF or taxe professionnelle, in any format",
        "example": "BE 123456"})
    phone = fields.String(metadata={"description": "any format: 06…, +212 6…, 00212 6…", "example": "0661234567"})
    email = fields.String(metadata={"description": "case-insensitive", "example": "m.idrissi@menara.ma"})
    city = fields.String(metadata={"description": "any name of the city (Casa, Casablanca)", "example": "Casa"})
    party_type = fields.String(metadata={"enum": ["person", "organization"]})
    limit = fields.Integer(metadata={"minimum": 1, "maximum": 100, "default": 20})


class CriterionMatchSchema(Schema):
    criterion = fields.String(metadata={"enum": ["name", "identifier", "phone", "email", "city"]})
    field = fields.String(metadata={"description": "the record field that matched, e.g. national_id, ice, phone"})
    source_system = fields.String()
    source_record_id = fields.String()
    score = fields.Float(metadata={"description": "1 for an exact value, the name similarity (0..1) for a name"})


class GoldenHitSchema(Schema):
    id = fields.String(metadata={"example": "GC-3F9A1C07B24D5E8"})
    party_type = fields.String()
    name = fields.String(allow_none=True, metadata={"description": "as written in the best matching record"})
    city = fields.String(allow_none=True, metadata={"description": "as written in the best matching record"})
    score = fields.Float(metadata={"description": "mean over the criteria of their best score, 0..1"})
    matches = fields.List(fields.Nested(CriterionMatchSchema))


class GoldenSearchSchema(Schema):
    results = fields.List(fields.Nested(GoldenHitSchema), metadata={"description": "best first"})
    complete = fields.Boolean(metadata={
        "description": "false when every criterion was too common: the results come from a sample, add criteria"})
