"""The steward's console pages: search the clients, read a golden record's dossier and its state at a past date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from mdm.access import Permission
from mdm.api.access import current_principal, page
from mdm.clock import utc_now
from mdm.errors import InvalidInput, MdmError, NotFound
from mdm.golden_records import MovedPermanently
from mdm.golden_search import SearchAnswer, read_search_query, search_golden_records
from mdm.lineage import parse_as_of
from mdm.web import unit_of_work
from stewardship.dossier import PastState, merged_into_it, past_state, read_dossier

blp = Blueprint("console", __name__, template_folder="templates")
# The search form's fields, in the order a steward reads them, each with what may be typed in it.
CRITERION_LABELS = {"name": "Name", "identifier": "Identifier", "phone": "Phone", "email": "E-mail", "city": "City"}
CRITERION_EXAMPLES = {"name": "Mhamed El Idrissi, Al Bouraqia SARL", "identifier": "CIN, passport, ICE, RC, IF",
                      "phone": "06…, +212 6…", "email": "name@example.ma", "city": "Casa, Casablanca"}


@blp.get("/search")
@page(Permission.READ_STEWARDSHIP)
def search() -> ResponseReturnValue:
    """The form alone on first visit; the results (or what is wrong with the query) once it is sent."""
    criteria = {name: request.args.get(name, "") for name in CRITERION_LABELS}
    answer: SearchAnswer | None = None
    problem: MdmError | None = None
    if any(name in request.args for name in CRITERION_LABELS):
        try:
            query = read_search_query(criteria)
            with unit_of_work() as session:
                answer = search_golden_records(session, query)
        except InvalidInput as refused:
            problem = refused
    return render_template("console/search.html", criteria=criteria, labels=CRITERION_LABELS,
                           examples=CRITERION_EXAMPLES, answer=answer, problem=problem)


@blp.get("/golden/<golden_id>")
@page(Permission.READ_STEWARDSHIP)
def golden_record(golden_id: str) -> ResponseReturnValue:
    """The dossier; with ``as_of``, also the golden record as it stood then. A merged id leads to its survivor."""
    as_of_text = request.args.get("as_of", "").strip()
    past: PastState | None = None
    past_problem: MdmError | None = None
    try:
        with unit_of_work() as session:
            dossier = read_dossier(session, golden_id, utc_now())
            absorbed = merged_into_it(session, dossier)
            if as_of_text:
                try:
                    past = past_state(session, dossier, parse_as_of(as_of_text))
                except (InvalidInput, NotFound) as refused:  # a bad date, or one before the client was known
                    past_problem = refused
    except MovedPermanently as moved:
        location = url_for(".golden_record", golden_id=moved.survivor)
        if request.query_string:  # the survivor as of the same date
            location = f"{location}?{request.query_string.decode()}"
        return redirect(location, code=308)
    return render_template("console/golden_record.html", dossier=dossier, golden=dossier.golden, past=past,
                           past_problem=past_problem, as_of=as_of_text, absorbed=absorbed,
                           may_override=current_principal().may(Permission.STEWARD),
                           override=request.args.get("override"))


@blp.app_template_filter("shown")
def shown(value: Any) -> str:
    """A value as a steward reads it: the parts of a field kept together side by side, a missing one as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Mapping):
        return " ".join(str(part) for part in value.values() if part not in (None, "")) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(shown(part) for part in value) or "—"
    return str(value)


@blp.app_template_filter("moment")
def moment(value: datetime | None) -> str:
    """Instants in UTC to the minute: the hub stores and compares them in UTC."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@blp.app_template_filter("probability")
def probability(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"
