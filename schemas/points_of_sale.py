"""Point of sale reference data."""

from marshmallow import Schema, fields, validate

from schemas import Text


class PointOfSaleSchema(Schema):
    code = fields.String()
    network = fields.String()
    city = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PointOfSaleUpdateSchema(Schema):
    network = Text(validate=validate.Length(min=1, max=32))
    city = Text(allow_none=True, validate=validate.Length(max=128))
    name = Text(allow_none=True, validate=validate.Length(max=256))


class PointOfSaleQuerySchema(Schema):
    network = Text()
