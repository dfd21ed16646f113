"""Configuration read from the environment: values a deployment sets, and values that stop it at start."""

from __future__ import annotations

from datetime import date

import pytest

from config import _env_birth_date_window
from matching.dates import DEFAULT_BIRTH_DATE_WINDOW, BirthDateWindow


@pytest.mark.parametrize(("raw", "window"), [
    (None, DEFAULT_BIRTH_DATE_WINDOW),
    ("", DEFAULT_BIRTH_DATE_WINDOW),
    ("1850", BirthDateWindow(date(1850, 1, 1))),
    ("1880-06-30", BirthDateWindow(date(1880, 6, 30))),
])
def test_the_earliest_plausible_birth_date_is_a_year_or_a_day(raw: str | None, window: BirthDateWindow,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    if raw is None:
        monkeypatch.delenv("MDM_EARLIEST_BIRTH_DATE", raising=False)
    else:
        monkeypatch.setenv("MDM_EARLIEST_BIRTH_DATE", raw)
    assert _env_birth_date_window("MDM_EARLIEST_BIRTH_DATE") == window


@pytest.mark.parametrize("raw", ["19th century", "1900-13-01", "01/01/1900"])
def test_a_bad_earliest_birth_date_stops_the_hub(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDM_EARLIEST_BIRTH_DATE", raw)
    with pytest.raises(ValueError, match="MDM_EARLIEST_BIRTH_DATE"):
        _env_birth_date_window("MDM_EARLIEST_BIRTH_DATE")
