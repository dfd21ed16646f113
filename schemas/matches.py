"""Match explanations."""

import math
from typing import Any

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
    # JSON has no infinity: the weight of a pair that can never match (a person and an organisation) is null.
    weight = fields.Method("_weight", metadata={
        "type": "number", "nullable": True,
        "description": "total weight; null for a pair that can never match (a person and an organisation)"})
    probability = fields.Float()
    band = fields.String(metadata={"enum": ["match", "possible", "non_match"]})
    evidence = fields.List(fields.Nested(FieldEvidenceSchema))
    settings = fields.Dict(metadata={
        "description": "the match settings of the model version: comparisons and their levels, blocking rules and "
                       "caps, match and possible thresholds, vetoes (the file MDM_MATCH_SETTINGS names)"})

    def _weight(self, explanation: Any) -> float | None:
        weight = float(explanation.weight)
        return weight if math.isfinite(weight) else None
