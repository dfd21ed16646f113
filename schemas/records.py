"""Source record requests and answers."""

from marshmallow import INCLUDE, Schema, fields

from schemas.problems import FieldErrorSchema


class RecordInSchema(Schema):
    """A source record as the source captured it (DESIGN §3); unknown fields are kept, never dropped."""

    class Meta:
        unknown = INCLUDE

    source_system = fields.String(required=True, metadata={"example": "AGENT"})
    source_record_id = fields.String(required=True, metadata={"example": "AG0001234"})
    party_type = fields.String(required=True, metadata={"enum": ["person", "organization"]})
    point_of_sale = fields.String(allow_none=True, metadata={"example": "AG-CASA-012"})
    received_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    product_line = fields.String(allow_none=True, metadata={"enum": ["DOMMAGE", "EPARGNE", "PREVOYANCE"]})
    civility = fields.String(allow_none=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    full_name = fields.String(allow_none=True)
    birth_date = fields.String(allow_none=True, metadata={"example": "07/03/1984"})
    id_type = fields.String(allow_none=True)
    national_id = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    phone_alt = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address_line = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    trade_name = fields.String(allow_none=True)
    legal_form = fields.String(allow_none=True)
    ice = fields.String(allow_none=True)
    rc_number = fields.String(allow_none=True)
    rc_court = fields.String(allow_none=True)
    tax_id = fields.String(allow_none=True)
    professional_tax_number = fields.String(allow_none=True)
    contact_person = fields.String(allow_none=True)
    loyalty_card = fields.String(allow_none=True)
    payment_incidents = fields.String(allow_none=True)
    products = fields.List(fields.String(), allow_none=True)


class IngestResultSchema(Schema):
    index = fields.Integer(required=True)
    status = fields.String(
        required=True, metadata={"enum": ["created", "updated", "unchanged", "deleted", "rejected"]},
    )
    source_system = fields.String(allow_none=True)
    source_record_id = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))
    golden_id = fields.String(allow_none=True, metadata={
        "description": "the client the record now belongs to (also for an unchanged re-send)"})
    decision = fields.String(allow_none=True, metadata={
        "enum": ["linked", "new", "possible", "retracted"],
        "description": "linked to other records, a new client, a new client with a possible match for a steward, "
                       "or retracted; null for an unchanged re-send and until a match model has been trained",
    })
    affected_golden_ids = fields.List(fields.String(), metadata={"description": "golden records this changed"})
    tasks = fields.List(fields.Integer(), metadata={
        "description": "stewardship tasks on this record that the write opened or refreshed (their evidence "
                       "changed): ids under /api/v1/stewardship/tasks"})


class BatchSummarySchema(Schema):
    received = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    rejected = fields.Integer()


class BatchResultSchema(Schema):
    summary = fields.Nested(BatchSummarySchema)
    items = fields.List(fields.Nested(IngestResultSchema))


class VersionSchema(Schema):
    version = fields.Integer()
    content_hash = fields.String()
    is_tombstone = fields.Boolean()
    party_type = fields.String()
    point_of_sale = fields.String(allow_none=True)
    product_line = fields.String(allow_none=True)
    payload = fields.Dict(allow_none=True)
    received_at = fields.DateTime()
    recorded_at = fields.DateTime()
    recorded_by = fields.String(allow_none=True, metadata={
        "description": "who stored this version: the access token (name#id) or the command line"})


class RecordSchema(Schema):
    source_system = fields.String()
    source_record_id = fields.String()
    party_type = fields.String()
    point_of_sale = fields.String(allow_none=True)
    product_line = fields.String(allow_none=True)
    is_deleted = fields.Boolean()
    first_received_at = fields.DateTime()
    last_received_at = fields.DateTime()
    current = fields.Nested(VersionSchema)
