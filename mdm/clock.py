"""Time as the hub records it: aware UTC datetimes everywhere."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything the hub stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
