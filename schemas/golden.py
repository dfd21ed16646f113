"""Golden record answers."""

from marshmallow import Schema, fields

from schemas import Text


class CrossReferenceSchema(Schema):
    source_system = fields.String()
    source_record_id = fields.String()
    point_of_sale = fields.String(allow_none=True)
    product_line = fields.String(allow_none=True)
    linked_since = fields.DateTime()
    model_version = fields.String(allow_none=True)
    probability = fields.Float(allow_none=True, metadata={"description": "strongest match tying it to the others"})
    cause = fields.String()


_VALUE = ("text, or an object for the fields kept together: identity_document {id_type, national_id}, "
          "trade_register {rc_number, rc_court}")


class ProvenanceSchema(Schema):
    source_system = fields.String()
    source_record_id = fields.String()
    version = fields.Integer(metadata={"description": "the source record version the value comes from"})
    received_at = fields.DateTime()


class AttributeSchema(ProvenanceSchema):
    value = fields.Raw(metadata={"description": f"the surviving value in display form: {_VALUE}"})
    raw = fields.Raw(metadata={"description": "the value as the source sent it"})
    rule = fields.String(metadata={
        "description": "what decided: a criterion of the field's rule, 'validity' (a well-formed value beat a "
                       "malformed one), 'single' (one candidate), 'agreement' (all candidates agree once "
                       "standardised; the criteria chose which one to show) or 'tie_break'",
        "enum": ["trust", "recency", "completeness", "frequency", "validity", "single", "agreement", "tie_break"]})


class CandidateSchema(ProvenanceSchema):
    value = fields.Raw(metadata={"description": f"the value in display form: {_VALUE}"})
    raw = fields.Raw()
    quality = fields.String(metadata={"enum": ["valid", "invalid", "junk"],
                                      "description": "junk (a placeholder) never survives; invalid only when "
                                                     "nothing well-formed is on offer"})


class GoldenRecordSchema(Schema):
    id = fields.String(metadata={"example": "GC-3F9A1C07B24D5E8"})
    party_type = fields.String()
    status = fields.String(metadata={"enum": ["active", "retired"]})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    attributes = fields.Dict(keys=fields.String(), values=fields.Nested(AttributeSchema), metadata={
        "description": "the surviving value of each field, with its provenance and the rule that chose it"})
    candidates = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(CandidateSchema)), metadata={
        "description": "every value the linked records' current versions offer, per field"})
    xrefs = fields.List(fields.Nested(CrossReferenceSchema))


class StintSchema(Schema):
    network = fields.String()
    point_of_sale = fields.String()
    from_point_of_sale = fields.String(allow_none=True, metadata={"description": "the point of sale it took over "
                                                                                 "from; null for a first one"})
    start_date = fields.Date(metadata={"description": "date of the stint's first record"})
    end_date = fields.Date(allow_none=True, metadata={"description": "exclusive; null while current"})
    reason = fields.String(metadata={"enum": ["initial", "agent_change", "channel_switch", "relocation",
                                              "portfolio_transfer"]})
    source_system = fields.String(metadata={"description": "the record that opened the stint"})
    source_record_id = fields.String()
    version = fields.Integer(metadata={"description": "the version of that record that named this point of sale"})


class MovementHistorySchema(Schema):
    golden_id = fields.String()
    current_points_of_sale = fields.List(fields.String(), metadata={"description": "two when two networks serve "
                                                                                  "the client at once"})
    stints = fields.List(fields.Nested(StintSchema), metadata={"description": "oldest first"})


class GoldenSearchQuerySchema(Schema):
    """Criteria combine (every one must hold, on any record of the golden record); at least one is required."""

    name = Text(metadata={
        "description": "a person's or company's name, any order, spelling or legal form", "example": "Mhamed Idrissi"})
    identifier = Text(metadata={
        "description": "CIN/CNIE, passport, ICE, RC, IF or taxe professionnelle, in any format",
        "example": "BE 123456"})
    phone = Text(metadata={"description": "any format: 06…, +212 6…, 00212 6…", "example": "0661234567"})
    email = Text(metadata={"description": "case-insensitive", "example": "m.idrissi@menara.ma"})
    city = Text(metadata={"description": "any name of the city (Casa, Casablanca)", "example": "Casa"})
    party_type = Text(metadata={"enum": ["person", "organization"]})
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
