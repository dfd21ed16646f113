"""Server-drawn charts: what a manager reads off them (one bar per row, bar lengths in proportion, periods in time
order) and what must never reach the page (markup inside a label)."""

from __future__ import annotations

import re

from mdm.charts import chart_svg, format_value
from mdm.reports import TOTAL, Chart, Column, ReportTable

COLUMNS = (Column("network", "Network"), Column("created_person", "Persons", "count"),
           Column("created_organization", "Companies", "count"), Column("share", "Share", "share"))


def _widths(svg: str) -> list[float]:
    return [float(width) for width in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svg)]


def test_a_ranking_draws_one_stacked_bar_per_row_in_proportion_and_leaves_the_total_out() -> None:
    rows = [{"network": "AGENT", "created_person": 30, "created_organization": 10},
            {"network": "WEB", "created_person": 20, "created_organization": 0},
            {"network": TOTAL, "created_person": 50, "created_organization": 10}]
    svg = str(chart_svg(ReportTable("a", "Creations", COLUMNS, rows, Chart("network", ("created_person",
                                                                                      "created_organization")))))
    assert "TOTAL" not in svg and ">AGENT<" in svg and ">WEB<" in svg
    legend, bars = _widths(svg)[:2], _widths(svg)[2:]
    assert legend == [12.0, 12.0]
    agent_persons, agent_companies, web_persons, web_companies = bars
    assert agent_persons + agent_companies > web_persons + web_companies
    assert abs(agent_persons / web_persons - 1.5) < 0.01 and web_companies == 0
    assert "AGENT · Persons: 30" in svg


def test_shares_are_drawn_against_a_whole_and_read_as_percentages() -> None:
    rows = [{"network": "AGENT", "share": 0.25}, {"network": "BGD", "share": 0.5}]
    svg = str(chart_svg(ReportTable("s", "Shares", COLUMNS, rows, Chart("network", ("share",)))))
    quarter, half = _widths(svg)
    assert abs(half / quarter - 2) < 0.01
    assert "25.0 %" in svg and "50.0 %" in svg
    assert format_value(0.1234, "share") == "12.3 %" and format_value(1234567, "count") == "1\u202f234\u202f567"


def test_periods_are_summed_across_other_columns_and_drawn_in_time_order() -> None:
    columns = (Column("period", "Period"), Column("network", "Network"), Column("created", "Created", "count"))
    rows = [{"period": "2024-02", "network": "AGENT", "created": 4}, {"period": "2024-01", "network": "WEB",
                                                                     "created": 1},
            {"period": "2024-02", "network": "WEB", "created": 4}]
    svg = str(chart_svg(ReportTable("p", "Over time", columns, rows, Chart("period", ("created",)))))
    assert svg.index(">2024-01<") < svg.index(">2024-02<")
    assert "2024-02 · Created: 8" in svg


def test_markup_in_a_label_is_shown_as_text() -> None:
    rows = [{"network": "<script>alert(1)</script>", "created_person": 1, "created_organization": 1}]
    svg = str(chart_svg(ReportTable("x", "T", COLUMNS, rows, Chart("network", ("created_person",)))))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_table_without_a_chart_or_without_rows_draws_nothing() -> None:
    assert chart_svg(ReportTable("n", "T", COLUMNS, [{"network": "AGENT", "created_person": 1}])) is None
    assert chart_svg(ReportTable("n", "T", COLUMNS, [], Chart("network", ("created_person",)))) is None


def test_a_ranking_asked_per_period_is_drawn_over_time() -> None:
    columns = (Column("period", "Period"), *COLUMNS)
    rows = [{"period": "2024", "network": "AGENT", "created_person": 2, "created_organization": 1},
            {"period": "2024", "network": "WEB", "created_person": 3, "created_organization": 0},
            {"period": "2024", "network": TOTAL, "created_person": 5, "created_organization": 1}]
    svg = str(chart_svg(ReportTable("r", "T", columns, rows, Chart("network", ("created_person",)))))
    assert ">2024<" in svg and ">AGENT<" not in svg
    assert "2024 · Persons: 5" in svg  # the total row is not counted twice


def test_repeated_labels_are_told_apart_by_the_rows_other_text() -> None:
    columns = (Column("party_type", "Party"), Column("field", "Field"), Column("share", "Share", "share"))
    rows = [{"party_type": "person", "field": "phone", "share": 0.1},
            {"party_type": "organization", "field": "phone", "share": 0.2}]
    svg = str(chart_svg(ReportTable("m", "T", columns, rows, Chart("field", ("share",)))))
    assert ">person · phone<" in svg and ">organization · phone<" in svg
