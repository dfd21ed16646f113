"""Point of sale reference data."""

from marshmallow import Schema, fields, validate

from schemas import Text


class PointOfSaleSchema(Schema):
    code = fields.String()
    network = fields.String()
    city = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    closed_on = fields.Date(allow_none=True, metadata={"description": "the day the point of sale closed"})
    successor = fields.String(allow_none=True, metadata={"description": "the point of sale that took over its clients"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PointOfSaleUpdateSchema(Schema):
    network = Text(validate=validate.Length(min=1, max=32))
    city = Text(allow_none=True, validate=validate.Length(max=128))
    name = Text(allow_none=True, validate=validate.Length(max=256))
    closed_on = Text(allow_none=True, metadata={
        "description": "YYYY-MM-DD: the point of sale closed that day; moves of its clients to the successor "
                       "from then on are portfolio transfers", "example": "2022-03-10"})
    successor = Text(allow_none=True, metadata={
        "description": "the code of another point of sale that takes over the clients (needs closed_on)"})


class PointOfSaleQuerySchema(Schema):
    network = Text()
