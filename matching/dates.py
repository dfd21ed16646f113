"""Birth dates read from the formats sources use, keeping both readings when day and month may be swapped."""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from matching.text import fold_text
from matching.types import BirthDate
from native import Rebuilt, rebuilt


@dataclass(frozen=True, slots=True)
class BirthDateWindow:
    """The birth dates plausible for a client: from ``earliest`` until the day the record was received.

    A real date before ``earliest`` (1887-05-12 in an old register, a century typed wrong) is still evidence: it is
    kept and reported as outside the window. A date from the day received on is a placeholder, whatever the window.
    """

    earliest: date = date(1900, 1, 1)

    def holds(self, value: date) -> bool:
        return value >= self.earliest

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


DEFAULT_BIRTH_DATE_WINDOW = BirthDateWindow()

# An eight-digit date is read year first (19840307) when its first four digits are a year of this century or the
# last; otherwise day first (07031984), unless only the year-first reading is a calendar date (18870512).
_YEAR_FIRST_FROM = 1900

MONTH_NAMES: dict[str, int] = {
    "JAN": 1, "JANV": 1, "JANVIER": 1, "JANUARY": 1,
    "FEB": 2, "FEV": 2, "FEVR": 2, "FEVRIER": 2, "FEBRUARY": 2,
    "MAR": 3, "MARS": 3, "MARCH": 3,
    "APR": 4, "AVR": 4, "AVRIL": 4, "APRIL": 4,
    "MAI": 5, "MAY": 5,
    "JUN": 6, "JUIN": 6, "JUNE": 6,
    "JUL": 7, "JUIL": 7, "JUILLET": 7, "JULY": 7,
    "AUG": 8, "AOU": 8, "AOUT": 8, "AUGUST": 8,
    "SEP": 9, "SEPT": 9, "SEPTEMBRE": 9, "SEPTEMBER": 9,
    "OCT": 10, "OCTOBRE": 10, "OCTOBER": 10,
    "NOV": 11, "NOVEMBRE": 11, "NOVEMBER": 11,
    "DEC": 12, "DECEMBRE": 12, "DECEMBER": 12,
}  # fmt: skip
"""Month names and abbreviations, French and English, folded."""

DateReading = tuple[date, ...]
"""One way to read the numbers of a date, as the calendar dates it may be: one for a four-digit year,
the 20th- and 19th-century dates (in that order) for a two-digit year."""

_TIME_OF_DAY = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
_DATE_PART = re.compile(r"\d+|[A-Z]+")


def _calendar_dates(year: str, month: int, day: int) -> DateReading:
    """Return the existing dates for a written year, month and day; none for 31/02, month 13 or year 0."""
    years = (2000 + int(year), 1900 + int(year)) if len(year) <= 2 else (int(year),)
    dates: list[date] = []
    for full_year in years:
        try:
            dates.append(date(full_year, month, day))
        except ValueError:  # 31/02, month 13, 29/02 of a year that is not leap, or year 0
            continue
    return tuple(dates)


def _read_day_month_year(day: str, month: str, year: str) -> list[DateReading]:
    """Read D/M/Y; when both first numbers could be a month, the M/D/Y reading is kept second."""
    first, second = int(day), int(month)
    if second > 12:  # only a month-first source writes 03/25/1985
        return [_calendar_dates(year, first, second)]
    if first <= 12 and first != second:
        return [_calendar_dates(year, second, first), _calendar_dates(year, first, second)]
    return [_calendar_dates(year, second, first)]


def _read_compact(digits: str) -> list[DateReading]:
    if len(digits) == 6:
        return _read_day_month_year(digits[:2], digits[2:4], digits[4:])
    if len(digits) != 8:
        return []
    year_first = [_calendar_dates(digits[:4], int(digits[4:6]), int(digits[6:]))]
    if int(digits[:4]) >= _YEAR_FIRST_FROM and year_first[0]:
        return year_first
    day_first = _read_day_month_year(digits[:2], digits[2:4], digits[4:])
    return day_first if any(day_first) else year_first


def _read_parts(parts: list[str]) -> list[DateReading]:
    if len(parts) == 1 and parts[0].isdigit():
        return _read_compact(parts[0])
    if len(parts) != 3:
        return []
    first, second, third = parts
    if second in MONTH_NAMES and first.isdigit() and third.isdigit():  # 07 MARS 1984, 7-MAR-84
        return [_calendar_dates(third, MONTH_NAMES[second], int(first))]
    if first in MONTH_NAMES and second.isdigit() and third.isdigit():  # MARCH 7 1984
        return [_calendar_dates(third, MONTH_NAMES[first], int(second))]
    if not (first.isdigit() and second.isdigit() and third.isdigit()):
        return []
    if len(first) == 4:  # ISO order: 1984-03-07, 1984/03/07
        return [_calendar_dates(first, int(second), int(third))]
    if len(first) <= 2 and len(second) <= 2 and len(third) in (2, 4):
        return _read_day_month_year(first, second, third)
    return []


@lru_cache(maxsize=1 << 16)
def read_date(raw: str) -> tuple[DateReading, ...]:
    """Return the possible readings of a raw date, the most likely first; empty when no reading exists."""
    readings = _read_parts(_DATE_PART.findall(_TIME_OF_DAY.sub("", fold_text(raw))))
    return tuple(reading for reading in readings if reading)


def choose_birth_dates(readings: tuple[DateReading, ...], today: date) -> tuple[date | None, date | None]:
    """Return the birth date and its day/month-swapped reading (None when not ambiguous) as of today."""
    if len(readings) == 1 and len(readings[0]) == 1:  # the common case: one reading, a four-digit year
        return readings[0][0], None
    if not readings:
        return None, None
    values = [next((value for value in reading if value <= today), reading[-1]) for reading in readings]
    return values[0], values[1] if len(values) > 1 and values[1] <= today else None


def parse_birth_date(raw: str, today: date) -> BirthDate | None:
    """Return the birth date of a raw value as of ``today``, which settles two-digit years, or None.

    A two-digit year takes the latest century that does not put the birth after today. Impossible
    dates (31/02/1990, month 13) give None. Dates before a plausible window and future dates are
    returned: the window is the caller's to apply, and future dates are placeholders, which junk
    detection reports.
    """
    value, swapped = choose_birth_dates(read_date(raw), today)
    return BirthDate(value=value, swapped=swapped) if value else None
