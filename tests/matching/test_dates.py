"""Birth date reading: source formats, day/month ambiguity, two-digit years, impossible dates."""

from datetime import date

import pytest

from matching.dates import DEFAULT_BIRTH_DATE_WINDOW, BirthDateWindow, parse_birth_date
from matching.types import BirthDate

TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    ("raw", "birth_date"),
    [
        ("1984-03-07", BirthDate(date(1984, 3, 7))),
        ("1984/03/07", BirthDate(date(1984, 3, 7))),
        ("19840307", BirthDate(date(1984, 3, 7))),
        ("1984-03-07T00:00:00", BirthDate(date(1984, 3, 7))),
        ("1984-03-07T00:00:00Z", BirthDate(date(1984, 3, 7))),
        ("1984-03-07 00:00:00.000", BirthDate(date(1984, 3, 7))),
        ("7 mars 1984", BirthDate(date(1984, 3, 7))),
        ("07-MAR-84", BirthDate(date(1984, 3, 7))),
        ("7 février 1984", BirthDate(date(1984, 2, 7))),
        ("March 7 1984", BirthDate(date(1984, 3, 7))),
        ("25/03/1985", BirthDate(date(1985, 3, 25))),  # a day above 12 settles the order
        ("25-03-85", BirthDate(date(1985, 3, 25))),
        ("03/25/1985", BirthDate(date(1985, 3, 25))),  # so does a month-first source's day
        ("07/07/1984", BirthDate(date(1984, 7, 7))),  # equal numbers: nothing to swap
        ("29/02/2000", BirthDate(date(2000, 2, 29))),
    ],
)
def test_unambiguous_formats(raw: str, birth_date: BirthDate) -> None:
    assert parse_birth_date(raw, TODAY) == birth_date


@pytest.mark.parametrize(
    ("raw", "value", "swapped"),
    [
        ("07/03/1984", date(1984, 3, 7), date(1984, 7, 3)),
        ("7-3-84", date(1984, 3, 7), date(1984, 7, 3)),
        ("07.03.1984", date(1984, 3, 7), date(1984, 7, 3)),
        ("03/04/1985", date(1985, 4, 3), date(1985, 3, 4)),
        ("07031984", date(1984, 3, 7), date(1984, 7, 3)),
        ("070384", date(1984, 3, 7), date(1984, 7, 3)),
        ("07/03/1984 00:00", date(1984, 3, 7), date(1984, 7, 3)),
    ],
)
def test_ambiguous_day_and_month_keep_both_readings(raw: str, value: date, swapped: date) -> None:
    birth_date = parse_birth_date(raw, TODAY)
    assert birth_date == BirthDate(value, swapped)
    assert birth_date.ambiguous


@pytest.mark.parametrize(
    ("raw", "today", "value"),
    [
        ("7-3-84", TODAY, date(1984, 3, 7)),
        ("15/06/05", TODAY, date(2005, 6, 15)),
        ("15/06/23", TODAY, date(2023, 6, 15)),
        ("15/06/24", TODAY, date(1924, 6, 15)),  # 2024-06-15 would be after the record was received
        ("15/05/24", TODAY, date(2024, 5, 15)),
        ("15/06/30", TODAY, date(1930, 6, 15)),
        ("15/06/30", date(2031, 1, 1), date(2030, 6, 15)),
    ],
)
def test_two_digit_year_takes_the_latest_century_not_after_today(raw: str, today: date, value: date) -> None:
    birth_date = parse_birth_date(raw, today)
    assert birth_date is not None and birth_date.value == value


@pytest.mark.parametrize(
    "raw",
    [
        "31/02/1990",
        "30/02/1990",
        "29/02/1990",
        "31/04/1985",
        "13/13/1985",
        "00/00/0000",
        "1985-13-01",
        "1985-00-10",
        "0000-05-12",
        "32/01/1985",
        "abc",
        "1985",
        "07/03",
        "",
    ],
)
def test_impossible_or_unreadable_dates_are_rejected(raw: str) -> None:
    assert parse_birth_date(raw, TODAY) is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1887-05-12", date(1887, 5, 12)),  # an old register's client: a real date, still evidence
        ("12/05/1887", date(1887, 5, 12)),
        ("18870512", date(1887, 5, 12)),  # written compact, only the year-first reading is a calendar date
        ("31/12/1899", date(1899, 12, 31)),
    ],
)
def test_real_dates_before_1900_are_read(raw: str, value: date) -> None:
    birth_date = parse_birth_date(raw, TODAY)
    assert birth_date is not None and birth_date.value == value


def test_compact_date_whose_year_first_reading_is_old_reads_day_first() -> None:
    assert parse_birth_date("18121990", TODAY) == BirthDate(date(1990, 12, 18))


def test_birth_date_window_starts_where_configured() -> None:
    window = BirthDateWindow(date(1850, 1, 1))
    assert window.holds(date(1887, 5, 12)) and not DEFAULT_BIRTH_DATE_WINDOW.holds(date(1887, 5, 12))
    assert not window.holds(date(1849, 12, 31))


def test_future_date_is_read_for_junk_detection_to_report() -> None:
    assert parse_birth_date("2030-01-01", TODAY) == BirthDate(date(2030, 1, 1))


def test_swapped_reading_after_today_is_dropped() -> None:
    assert parse_birth_date("05/12/2024", date(2024, 6, 1)) == BirthDate(date(2024, 12, 5), date(2024, 5, 12))
    assert parse_birth_date("12/05/2024", date(2024, 6, 1)) == BirthDate(date(2024, 5, 12))
