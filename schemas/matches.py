"""Match explanations."""

from marshmallow import Schema, fields

from schemas import Text


class ExplainQuerySchema(Schema):
    a = Text(required=True, metadata={"description": "SOURCE_SYSTEM:source_record_id", "example": "AGENT:AG1"})
    b = Text(required=True, metadata={"description": "SOURCE_SYSTEM:source_record_id", "example": "BGD:B7"})


class FieldEvidenceSchema(Schema):
    comparison = fields.String()
    level = fields.String(metadata={"description": "missing, exact, close, ..., different"})
    weight = fields.Float(metadata={"description": "log2(m/u), with the name frequency adjustment"})
    left = fields.List(fields.String(), metadata={"description": "standardised values of a"})
    right = fields.List(fields.String(), metadata={"description": "standardised values of b"})


class ExplanationSchema(Schema):
    model_version = fields.String()
    weight = fields.Float()
    probability = fields.Float()
    band = fields.String(metadata={"enum": ["match", "possible", "non_match"]})
    evidence = fields.List(fields.Nested(FieldEvidenceSchema))
