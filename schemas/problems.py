"""RFC 9457 problem details, the shape of every error answer."""

from marshmallow import Schema, fields


class FieldErrorSchema(Schema):
    field = fields.String(required=True, metadata={"description": "the field that broke a rule ($ = the body)"})
    rule = fields.String(required=True, metadata={"description": "the rule, e.g. required, one_of, iso8601"})
    message = fields.String(required=True)


class ProblemSchema(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))
