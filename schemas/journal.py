"""Operating journal and data quality indicators: the filters they take and the table they answer."""

from marshmallow import Schema, fields, validate

from mdm.reports import GRAINS, PARTY_TYPES
from schemas import Text

# Checked by the journal's own rules (mdm.journal.parse_filters), which name every broken one at once. Built from
# a dict: ``from`` is a Python keyword, and the loaded keys must be the parameters' own names.
ReportQuerySchema = Schema.from_dict({
    "from": Text(metadata={"description": "first day counted, YYYY-MM-DD", "format": "date"}),
    "to": Text(metadata={"description": "last day counted (inclusive), YYYY-MM-DD", "format": "date"}),
    "network": Text(metadata={"description": "AGENT, COURTIER, BGD, BANCASSURANCE, WEB, …"}),
    "point_of_sale": Text(),
    "party_type": Text(metadata={"enum": list(PARTY_TYPES)}),
    "period": Text(metadata={"description": "group rows by period as well", "enum": list(GRAINS)}),
    "format": Text(validate=validate.OneOf(("json", "csv")),
                   metadata={"description": "csv: the table as a CSV download"}),
}, name="ReportQuery")


class ReportColumnSchema(Schema):
    name = fields.String()
    label = fields.String()
    kind = fields.String(metadata={"enum": ["text", "count", "share", "number", "date"]})


class ReportTableSchema(Schema):
    name = fields.String()
    title = fields.String()
    filters = fields.Dict(metadata={"description": "the filters applied, as understood"})
    columns = fields.List(fields.Nested(ReportColumnSchema))
    rows = fields.List(fields.Dict())
    note = fields.String(allow_none=True, metadata={"description": "how to read the table, e.g. widened dates"})


class ReportIndexItemSchema(Schema):
    name = fields.String()
    section = fields.String()
    url = fields.String()
