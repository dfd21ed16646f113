"""REST adapter for the operating journal (``/journal/…``) and data quality (``/quality/…``) indicators."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask_smorest import Blueprint

from mdm.access import Permission
from mdm.api.access import requires
from mdm.api.problems import problem_answers
from mdm.journal import parse_filters, reports_of, run_report, sections
from mdm.reports import ReportTable
from mdm.web import unit_of_work
from schemas.journal import ReportIndexItemSchema, ReportQuerySchema, ReportTableSchema

journal_blp = Blueprint("journal", __name__, url_prefix="/journal",
                        description="Operating journal: activity, hub health and portfolio indicators")
quality_blp = Blueprint("quality", __name__, url_prefix="/quality",
                        description="Data quality: missing fields, placeholders, invalid values, unknown fields")


def csv_download(table: ReportTable) -> Response:
    """The table as a CSV file named after the indicator (the API's and the dashboard's downloads)."""
    return Response(table.csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{table.name}.csv"'})


def _indicators_text(api: str) -> str:
    return "\n".join(f"- `{name}`: {(report.__doc__ or '').strip().splitlines()[0]}"
                     for name, report in reports_of(api).items() if report.__doc__) or "(none)"


def _routes(api: str, blp: Blueprint) -> None:
    """Two operations per kind of indicator (one path per indicator would make every app's documentation, built
    at start, several times longer to build): the list, and any indicator by name."""

    @blp.get("")
    @requires(Permission.READ_JOURNAL)
    @blp.response(200, ReportIndexItemSchema(many=True))
    def index() -> Any:
        return [{"name": name, "section": section.key, "url": url_for(f"{api}.indicator", indicator=name)}
                for section in sections() if section.api == api for name in section.reports]

    @blp.get("/<indicator>")
    @requires(Permission.READ_JOURNAL)
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200, ReportTableSchema)
    # The same answer as a CSV file, with format=csv (a manual document replaces the content the response made).
    @blp.doc(responses={"200": {"content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ReportTable"}},
        "text/csv": {"schema": {"type": "string"}}}}})
    @problem_answers(blp, 404, 422)
    def indicator(query: dict[str, str], indicator: str) -> Any:
        filters = parse_filters(query)
        with unit_of_work() as session:
            table = run_report(session, api, indicator, filters)
        return csv_download(table) if query.get("format") == "csv" else table.as_dict()

    index.__doc__ = f"The {api} indicators this hub serves, with their URLs."
    indicator.__doc__ = (f"One {api} indicator, as JSON or (`format=csv`) as a CSV download.\n\n"
                         f"Indicators:\n{_indicators_text(api)}")


_routes("journal", journal_blp)
_routes("quality", quality_blp)
