"""Report periods: the database groups dates into the same days, weeks, months, quarters and years on both backends."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Date, Engine, literal, select

from mdm.reports import GRAINS, Column, ReportTable, period_label, python_period_label

# Year ends, a leap day, ISO weeks that straddle a new year, quarter edges.
DAYS = [date(2024, 12, 30), date(2025, 1, 1), date(2024, 2, 29), date(2021, 1, 3), date(2023, 3, 31),
        date(2023, 4, 1), date(2023, 9, 30), date(2023, 10, 1), date(2026, 12, 6)]


@pytest.mark.parametrize("grain", GRAINS)
def test_the_database_labels_periods_as_the_calendar_does(engine: Engine, grain: str) -> None:
    expected = {
        "day": ["2024-12-30", "2025-01-01", "2024-02-29", "2021-01-03", "2023-03-31", "2023-04-01", "2023-09-30",
                "2023-10-01", "2026-12-06"],
        "week": ["2024-12-30", "2024-12-30", "2024-02-26", "2020-12-28", "2023-03-27", "2023-03-27", "2023-09-25",
                 "2023-09-25", "2026-11-30"],
        "month": ["2024-12", "2025-01", "2024-02", "2021-01", "2023-03", "2023-04", "2023-09", "2023-10", "2026-12"],
        "quarter": ["2024-Q4", "2025-Q1", "2024-Q1", "2021-Q1", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4",
                    "2026-Q4"],
        "year": ["2024", "2025", "2024", "2021", "2023", "2023", "2023", "2023", "2026"],
    }[grain]
    with engine.connect() as connection:
        labels = [connection.execute(select(period_label(literal(day, Date), grain, engine.dialect.name))).scalar()
                  for day in DAYS]
    assert labels == expected
    assert [python_period_label(day, grain) for day in DAYS] == expected


def test_a_table_downloads_as_csv_with_its_columns_in_order() -> None:
    table = ReportTable("t", "T", (Column("network", "Network"), Column("created", "Created", "count")),
                        [{"created": 3, "network": "AGENT"}, {"network": "WEB", "created": None}])
    assert table.csv() == "network,created\r\nAGENT,3\r\nWEB,\r\n"
