"""Point of sale reference data."""

from marshmallow import Schema, fields, validate


class PointOfSaleSchema(Schema):
    code = fields.String()
    network = fields.String()
    city = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PointOfSaleUpdateSchema(Schema):
    network = fields.String(validate=validate.Length(min=1, max=32))
    city = fields.String(allow_none=True, validate=validate.Length(max=128))
    name = fields.String(allow_none=True, validate=validate.Length(max=256))


class PointOfSaleQuerySchema(Schema):
    network = fields.String()
