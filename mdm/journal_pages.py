"""The journal dashboard: each section's indicators as charts and tables, with the same filters as the API and a
CSV download of every table."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request
from flask.typing import ResponseReturnValue

from mdm.access import Permission
from mdm.api.access import page
from mdm.api.journal import csv_download
from mdm.charts import chart_svg, format_value
from mdm.errors import MdmError, NotFound
from mdm.journal import FILTER_FIELDS, Section, parse_filters, run_report, sections
from mdm.pages import NavLink, add_nav_link
from mdm.points_of_sale import list_points_of_sale
from mdm.reports import GRAINS, NETWORKS, PARTY_TYPES, ReportFilters
from mdm.web import unit_of_work

blp = Blueprint("journal_pages", __name__, url_prefix="/journal")
MOST_ROWS_SHOWN = 100  # the CSV holds them all


def _section(key: str) -> Section:
    """The section of the dashboard named ``key``; an unknown one is answered by the hub's page for problems."""
    for section in sections():
        if section.key == key:
            return section
    raise NotFound(f"the journal has no section {key!r}")


def _filter_args() -> dict[str, str]:
    return {name: value for name in FILTER_FIELDS if (value := request.args.get(name, "").strip())}


@blp.get("")
@blp.get("/<key>")
@page(Permission.READ_JOURNAL)
def dashboard(key: str = "activity") -> ResponseReturnValue:
    section = _section(key)
    wanted = _filter_args()
    error, tables = None, []
    try:
        filters = parse_filters(wanted)
    except MdmError as refused:
        error, filters = refused, ReportFilters()
    with unit_of_work() as session:
        if error is None:
            tables = [run_report(session, section.api, name, filters) for name in section.reports]
        points_of_sale = [pos.code for pos in list_points_of_sale(session, filters.network)]
    return render_template(
        "journal/dashboard.html", sections=sections(), section=section, tables=tables, wanted=wanted, error=error,
        grains=GRAINS, networks=NETWORKS, party_types=PARTY_TYPES, points_of_sale=points_of_sale,
        chart_svg=chart_svg, format_value=format_value, most_rows=MOST_ROWS_SHOWN,
    ), 422 if error else 200


@blp.get("/<key>/<name>.csv")
@page(Permission.READ_JOURNAL)
def download(key: str, name: str) -> ResponseReturnValue:
    section = _section(key)
    if name not in section.reports:
        raise NotFound(f"the journal's {section.title} has no table {name!r}")
    filters = parse_filters(_filter_args())
    with unit_of_work() as session:
        table = run_report(session, section.api, name, filters)
    return csv_download(table)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
    add_nav_link(app, NavLink("Journal", "/journal", Permission.READ_JOURNAL,
                              "the operating journal: activity, data quality, hub health and the client portfolio"))
