"""The lifecycle event feed."""

from marshmallow import Schema, fields, validate

from schemas import BIGINT_MAX

DEFAULT_PAGE, MAX_PAGE = 100, 1000


class EventsQuerySchema(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=BIGINT_MAX),
                           metadata={"description": "the last event id already read (0: from the start)"})
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(min=1, max=MAX_PAGE),
                           metadata={"description": f"at most this many events (1 to {MAX_PAGE})"})


class EventSchema(Schema):
    id = fields.Integer()
    type = fields.String(metadata={"enum": ["golden.created", "golden.updated", "golden.merged", "golden.split",
                                            "golden.restored", "golden.retired", "client.moved", "task.created",
                                            "task.decided"]})
    golden_id = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    payload = fields.Dict(metadata={"description": "records that joined, left or were revised; survivor; …"})


class EventPageSchema(Schema):
    events = fields.List(fields.Nested(EventSchema))
    next_after = fields.Integer(metadata={"description": "pass as `after` to read the events that follow"})
