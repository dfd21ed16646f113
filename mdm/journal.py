"""The operating journal's catalogue: every indicator by section, and the filters a caller may give them.

The API, the dashboard and the ``journal`` command all read indicators through here, so they answer alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from mdm.errors import FieldError, InvalidInput, NotFound
from mdm.reports import GRAINS, PARTY_TYPES, ReportFilters, ReportTable

Report = Callable[[Session, ReportFilters], ReportTable]
FILTER_FIELDS = ("from", "to", "network", "point_of_sale", "party_type", "period")
MAX_FILTER_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Section:
    """A part of the journal: its reports are served under ``/api/v1/{api}/{name}`` and shown together."""

    key: str
    title: str
    api: str  # journal | quality
    purpose: str
    reports: Mapping[str, Report]


def sections() -> tuple[Section, ...]:
    # Imported here: the report modules import the models, which this catalogue's users may import first.
    from mdm import activity_journal, capture_quality, hub_health, portfolio, value_findings

    return (
        Section("activity", "Activity", "journal",
                "Client creations and modifications by network, product line and point of sale.",
                activity_journal.REPORTS),
        Section("quality", "Data quality", "quality",
                "Missing fields against the field specification, placeholders, invalid values, unknown fields.",
                {**capture_quality.REPORTS, **value_findings.REPORTS}),
        Section("health", "Hub health", "journal",
                "Golden records, links, the stewardship queue, merges and splits, movements, runs.",
                hub_health.REPORTS),
        Section("portfolio", "Portfolio", "journal",
                "Clients counted once: recruitment, networks, equipment, loyalty, payment incidents, retention.",
                portfolio.REPORTS),
    )


def reports_of(api: str) -> dict[str, Report]:
    return {name: report for section in sections() if section.api == api for name, report in section.reports.items()}


def run_report(session: Session, api: str, name: str, filters: ReportFilters) -> ReportTable:
    report = reports_of(api).get(name)
    if report is None:
        raise NotFound(f"no {api} indicator named {name!r}")
    return report(session, filters)


def parse_filters(args: Mapping[str, str | None]) -> ReportFilters:
    """Filters from query parameters or command options, every broken rule named at once."""
    errors: list[FieldError] = []

    def day(field: str) -> date | None:
        text = (args.get(field) or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            errors.append(FieldError(field, "date", f"{field} must be a date as YYYY-MM-DD"))
            return None

    def code(field: str) -> str | None:
        text = (args.get(field) or "").strip()
        if len(text) > MAX_FILTER_LENGTH or any(not character.isprintable() for character in text):
            errors.append(FieldError(field, "code", f"{field} must be a printable code of at most "
                                                    f"{MAX_FILTER_LENGTH} characters"))
            return None
        return text.upper() or None

    def one_of(field: str, allowed: tuple[str, ...]) -> str | None:
        text = (args.get(field) or "").strip().lower()
        if text and text not in allowed:
            errors.append(FieldError(field, "one_of", f"{field} must be one of {', '.join(allowed)}"))
            return None
        return text or None

    start, end = day("from"), day("to")
    if start and end and start > end:
        errors.append(FieldError("to", "after_from", "to must not be before from"))
    filters = ReportFilters(start, end, code("network"), code("point_of_sale"), one_of("party_type", PARTY_TYPES),
                            one_of("period", GRAINS))
    if errors:
        raise InvalidInput("the journal's filters break these rules", tuple(errors))
    return filters
