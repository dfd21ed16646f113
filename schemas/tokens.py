"""Access tokens, as an administrator issues, lists and revokes them."""

from marshmallow import Schema, fields, validate

from schemas import Text

ROLES = ["source", "steward", "auditor", "admin"]


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String(metadata={"enum": ROLES})
    source_system = fields.String(allow_none=True)
    prefix = fields.String(metadata={"description": "the token's first characters, to tell it apart"})
    created_at = fields.DateTime()
    created_by = fields.String()
    expires_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    status = fields.String(metadata={"enum": ["active", "revoked", "expired"]})


class TokenRequestSchema(Schema):
    role = Text(required=True, validate=validate.OneOf(ROLES))
    source_system = Text(allow_none=True, validate=validate.Length(min=1, max=32),
                                  metadata={"description": "required for a source token: the network it speaks for"})
    name = Text(allow_none=True, validate=validate.Length(min=1, max=48))
    expires_in = Text(load_default="90d", validate=validate.Length(min=1, max=16),
                               metadata={"description": "lifetime: 90d, 12h, 30m or a number of days"})


class IssuedTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "the secret, shown this once and never stored"})
