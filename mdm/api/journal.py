"""REST adapter for the operating journal (``/journal/…``) and data quality (``/quality/…``) indicators."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask_smorest import Blueprint

from mdm.access import Permission
from mdm.api.access import requires
from mdm.api.problems import problem_answers
from mdm.journal import Report, parse_filters, sections
from mdm.reports import ReportTable
from mdm.web import unit_of_work
from schemas.journal import ReportIndexItemSchema, ReportQuerySchema, ReportTableSchema

journal_blp = Blueprint("journal", __name__, url_prefix="/journal",
                        description="Operating journal: activity, hub health and portfolio indicators")
quality_blp = Blueprint("quality", __name__, url_prefix="/quality",
                        description="Data quality: missing fields, placeholders, invalid values, unknown fields")
BLUEPRINTS = {"journal": journal_blp, "quality": quality_blp}


def table_answer(table: ReportTable, csv: bool) -> Any:
    """The table as JSON, or as a CSV file named after the indicator."""
    if csv:
        return Response(table.csv(), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{table.name}.csv"'})
    return table.as_dict()


def _report_view(api: str, name: str, report: Report) -> None:
    blp = BLUEPRINTS[api]

    def view(query: dict[str, str]) -> Any:
        filters = parse_filters(query)
        with unit_of_work() as session:
            table = report(session, filters)
        return table_answer(table, query.get("format") == "csv")

    view.__name__ = f"{api}_{name.replace('-', '_')}"
    view.__doc__ = (report.__doc__ or name).strip().split("\n")[0] + (
        "\n\nJSON by default; `format=csv` downloads the table as CSV.")
    decorated = problem_answers(blp, 422)(
        blp.response(200, ReportTableSchema)(
            blp.arguments(ReportQuerySchema, location="query", as_kwargs=False)(
                requires(Permission.READ_JOURNAL)(view))))
    blp.route(f"/{name}", methods=["GET"], endpoint=view.__name__)(decorated)


def _index_view(api: str) -> None:
    blp = BLUEPRINTS[api]

    def index() -> Any:
        return [{"name": name, "section": section.key, "url": url_for(f"{api}.{api}_{name.replace('-', '_')}")}
                for section in sections() if section.api == api for name in section.reports]

    index.__name__ = f"{api}_index"
    index.__doc__ = f"The {api} indicators this hub serves."
    blp.route("", methods=["GET"], endpoint=index.__name__)(
        blp.response(200, ReportIndexItemSchema(many=True))(requires(Permission.READ_JOURNAL)(index)))


for _section in sections():
    for _name, _report in _section.reports.items():
        _report_view(_section.api, _name, _report)
for _api in BLUEPRINTS:
    _index_view(_api)
