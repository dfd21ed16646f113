"""The stewardship queue, its tasks, decisions and judgements."""

from marshmallow import Schema, fields, validate

from matching.uncertain import TASK_KINDS
from schemas import Text
from schemas.matches import ExplanationSchema

STATUSES = ["open", "decided", "closed"]
VERDICTS = ["same", "not_same", "unsure"]
PRIORITY_BANDS = ["high", "medium", "low"]


class TaskQuerySchema(Schema):
    status = Text(load_default="open", validate=validate.OneOf(STATUSES))
    kind = Text(validate=validate.OneOf(TASK_KINDS))
    party_type = Text(validate=validate.OneOf(["person", "organization"]))
    network = Text(validate=validate.Length(min=1, max=32), metadata={"description": "either record's source system"})
    priority = Text(validate=validate.OneOf(PRIORITY_BANDS), metadata={
        "description": "high (60+: legal persons with a conflicting identifier or a split), medium (30-59), low"})
    assignee = Text(validate=validate.Length(min=1, max=64))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class TaskSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(TASK_KINDS), "description": "identifier_conflict: one strong id on "
                                   "two golden records; constraint_split: a match the constraints refused; "
                                   "possible_match: a pair in the model's possible band"})
    status = fields.String(metadata={"enum": STATUSES})
    priority = fields.Integer()
    priority_band = fields.String(metadata={"enum": PRIORITY_BANDS})
    party_type = fields.String()
    records = fields.List(fields.String(), metadata={"description": "the two records, SOURCE_SYSTEM:id"})
    versions = fields.List(fields.Integer(), metadata={"description": "the versions the evidence was computed on"})
    golden_ids = fields.List(fields.String(allow_none=True), metadata={"description": "where each record stands now"})
    networks = fields.List(fields.String())
    probability = fields.Float(allow_none=True)
    weight = fields.Float(allow_none=True)
    model_version = fields.String(allow_none=True)
    detail = fields.String(allow_none=True, metadata={"description": "the refused rule or the shared identifier"})
    records_involved = fields.Integer(metadata={"description": "records of the two golden records"})
    assignee = fields.String(allow_none=True)
    revision = fields.Integer(metadata={"description": "send it with a decision: a task changed since is refused"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    age_days = fields.Integer()
    outcome = fields.String(allow_none=True, metadata={
        "description": "the verdict (decided) or why the data settled it (closed: linked, judged, retracted, "
                       "no_longer_uncertain)"})
    ended_by = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    comment = fields.String(allow_none=True)


class TaskPageSchema(Schema):
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    tasks = fields.List(fields.Nested(TaskSchema))


class RecordSideSchema(Schema):
    record = fields.String()
    golden_id = fields.String(allow_none=True)
    version = fields.Integer()
    received_at = fields.DateTime()
    fields_ = fields.Dict(data_key="fields", attribute="fields", metadata={"description": "as the source sent them"})


class JudgementViewSchema(Schema):
    id = fields.Integer()
    verdict = fields.String(metadata={"enum": VERDICTS})
    actor = fields.String()
    reason = fields.String(allow_none=True)
    decided_at = fields.DateTime()
    versions = fields.List(fields.Integer())


class TaskDetailSchema(Schema):
    task = fields.Nested(TaskSchema)
    left = fields.Nested(RecordSideSchema)
    right = fields.Nested(RecordSideSchema)
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    differing = fields.List(fields.String())
    explanation = fields.Nested(ExplanationSchema, allow_none=True)
    judgements = fields.List(fields.Nested(JudgementViewSchema))


class DecisionSchema(Schema):
    verdict = Text(required=True, validate=validate.OneOf(VERDICTS))
    comment = Text(allow_none=True, validate=validate.Length(max=2000))
    revision = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "the revision the steward decided on; a task refreshed since answers 409"})


class JudgementOutSchema(Schema):
    id = fields.Integer()
    verdict = fields.String(metadata={"enum": VERDICTS})
    golden_ids = fields.List(fields.String(allow_none=True), metadata={
        "description": "where the two records stand once the verdict is applied"})


class DecisionResultSchema(Schema):
    task = fields.Nested(TaskSchema)
    judgement = fields.Nested(JudgementOutSchema)


class AssignmentSchema(Schema):
    assignee = Text(required=True, allow_none=True, validate=validate.Length(min=1, max=64),
                    metadata={"description": "the steward who takes the task; null puts it back in the pool"})


class JudgementRequestSchema(Schema):
    a = Text(required=True, validate=validate.Length(min=3, max=200),
             metadata={"description": "SOURCE_SYSTEM:source_record_id", "example": "AGENT:AG1"})
    b = Text(validate=validate.Length(min=3, max=200), metadata={
        "description": "the other record (SOURCE_SYSTEM:source_record_id); or give golden_id"})
    golden_id = Text(validate=validate.Length(min=1, max=32), metadata={"description": "judge a against a golden "
                                                                                         "record instead of b"})
    verdict = Text(required=True, validate=validate.OneOf(VERDICTS))
    reason = Text(allow_none=True, validate=validate.Length(max=2000))

