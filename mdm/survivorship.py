"""Survivorship: a golden record's attributes, chosen field by field from its records' current versions.

Every source record version says something about each field; what it says is read once into a ``Reading``
(display value, raw value, standardised key, completeness, quality). Placeholders are readings of quality
``junk`` and never survive; a malformed value survives only when no well-formed one exists. Among the rest, the
field's rule orders the candidates by its criteria in turn (source trust, recency, completeness, frequency of
the standardised value) and a total tie-break (key, source, record id), so the order records come in never
changes the result. The chosen value keeps its provenance and the criterion that decided it.

The attributes are a pure function of the versions: ``survive`` answers them for any list of versions (the
current ones, or those current at a past date), and ``refresh_golden_attributes`` stores them for golden records.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from functools import lru_cache
from itertools import groupby
from multiprocessing.pool import AsyncResult, IMapIterator, Pool
from operator import itemgetter
from typing import Any, Literal, NamedTuple, cast

import orjson
from sqlalchemy import Column, MetaData, String, Table, Text, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from config import Config
from matching.identifiers import OTHER_ID_TYPE, parse_phone, split_phone_numbers, standardise_id_type
from matching.junk import is_placeholder_phone, is_placeholder_text
from matching.names import LEGAL_FORM_REFINES, choose_legal_form, standardise_civility, standardise_legal_form
from matching.places import standardise_court
from matching.standardise import (
    JUNK,
    read_birth_date,
    read_city,
    read_company_name,
    read_email,
    read_ice,
    read_identity_document,
    read_person_name,
    read_postal_code,
    read_present_fields,
    read_rc_number,
    read_registry_number,
)
from matching.text import fold_text, split_words
from mdm.client_portfolio import Holding, PortfolioRows, client_portfolio, read_holding, replace_portfolios
from mdm.clock import as_utc
from mdm.db import bulk_insert_columns, one_of, plain_rows
from mdm.models import GoldenRecord, PointOfSale, RecordLink, SourceRecord, SourceRecordVersion
from mdm.version_spool import Span, VersionSpool, read_spooled
from native import Rebuilt, rebuilt

Value = str | dict[str, str | None]
"""A field's value: text, or the parts of a field kept together (identity document, trade register)."""
Quality = Literal["valid", "invalid", "junk"]
VALID: Quality = "valid"
INVALID: Quality = "invalid"
JUNK_VALUE: Quality = "junk"

TRUST, RECENCY, COMPLETENESS, FREQUENCY = "trust", "recency", "completeness", "frequency"
CRITERIA = (TRUST, RECENCY, COMPLETENESS, FREQUENCY)
# Names of the deciding rule besides the criteria: one candidate only, candidates that all agree in standardised
# form, a well-formed value beating a malformed one, and the final tie-break when every criterion ties.
SINGLE, AGREEMENT, VALIDITY, TIE_BREAK = "single", "agreement", "validity", "tie_break"
CHUNK = 5000
# Processes that compute attributes when many golden records are refreshed at once.
WORKERS = min(4, os.cpu_count() or 1)

PERSON_FIELDS = ("civility", "first_name", "last_name", "full_name", "birth_date", "identity_document", "phone",
                 "phone_alt", "email", "address_line", "city", "postal_code")
ORGANIZATION_FIELDS = ("company_name", "trade_name", "legal_form", "ice", "trade_register", "tax_id",
                       "professional_tax_number", "contact_person", "phone", "phone_alt", "email", "address_line",
                       "city", "postal_code")


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How one field's value is chosen: the criteria in order, and the source systems from most to least trusted
    (a source not listed ranks after every listed one)."""

    criteria: tuple[str, ...]
    trust: tuple[str, ...] = ()
    # How candidates are scored under the rule, worked out once: a full run scores millions of candidates. Each
    # candidate's measures come in the order of _MEASURED; ``ordered`` picks validity and the rule's criteria from them.
    ranks: Mapping[str, int] = dataclass_field(init=False, repr=False, compare=False, hash=False)
    ordered: Callable[[tuple[float, ...]], tuple[float, ...]] = dataclass_field(
        init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        ranks: dict[str, int] = {}
        for rank, system in enumerate(self.trust):
            ranks.setdefault(system, rank)
        object.__setattr__(self, "ranks", ranks)
        picked = (0, *(_MEASURED.index(criterion) for criterion in self.criteria))
        object.__setattr__(self, "ordered", itemgetter(*picked) if len(picked) > 1
                           else lambda measures: (measures[0],))  # itemgetter of one item answers no tuple

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)  # ranks and ordered are worked out again where it is unpickled


_MEASURED = ("validity", TRUST, RECENCY, COMPLETENESS, FREQUENCY)
_NO_VOTES: Mapping[str, int] = {}


# Banks check identity documents when they open an account; clients type their own name on the web.
IDENTITY_TRUST = ("BGD", "BANCASSURANCE", "AGENT", "COURTIER", "WEB")
COMPANY_TRUST = ("BANCASSURANCE", "BGD", "COURTIER", "AGENT", "WEB")
_NAME_RULE = FieldRule((TRUST, COMPLETENESS, FREQUENCY, RECENCY), IDENTITY_TRUST)
_CONTACT_RULE = FieldRule((RECENCY, TRUST), IDENTITY_TRUST)
_ADDRESS_RULE = FieldRule((RECENCY, COMPLETENESS))
_COMPANY_NAME_RULE = FieldRule((TRUST, COMPLETENESS, FREQUENCY, RECENCY), COMPANY_TRUST)
_REGISTRY_RULE = FieldRule((TRUST, FREQUENCY, COMPLETENESS, RECENCY), COMPANY_TRUST)
# An RC number is only unique within its court: one without its court identifies nobody.

DEFAULT_RULES: dict[str, FieldRule] = {
    "civility": FieldRule((FREQUENCY, TRUST, RECENCY), IDENTITY_TRUST),
    "first_name": _NAME_RULE,
    "last_name": _NAME_RULE,
    "full_name": _NAME_RULE,
    "birth_date": FieldRule((COMPLETENESS, TRUST, FREQUENCY, RECENCY), IDENTITY_TRUST),
    "identity_document": FieldRule((TRUST, COMPLETENESS, RECENCY), IDENTITY_TRUST),
    "phone": _CONTACT_RULE,
    "phone_alt": _CONTACT_RULE,
    "email": _CONTACT_RULE,
    "address_line": _ADDRESS_RULE,
    "city": _ADDRESS_RULE,
    "postal_code": _ADDRESS_RULE,
    "company_name": _COMPANY_NAME_RULE,
    "trade_name": _COMPANY_NAME_RULE,
    "legal_form": FieldRule((TRUST, COMPLETENESS, RECENCY), COMPANY_TRUST),
    "ice": _REGISTRY_RULE,
    "trade_register": FieldRule((COMPLETENESS, TRUST, FREQUENCY, RECENCY), COMPANY_TRUST),
    "tax_id": _REGISTRY_RULE,
    "professional_tax_number": _REGISTRY_RULE,
    "contact_person": FieldRule((RECENCY, COMPLETENESS)),
}
"""The default rule of every field; ``MDM_SURVIVORSHIP`` (JSON) replaces the rule of the fields it names."""


def rules_with(overrides: Mapping[str, Any] | None) -> dict[str, FieldRule]:
    """The default rules with some fields' rules replaced: ``{"phone": {"criteria": ["trust", "recency"],
    "trust": ["WEB", "AGENT"]}}``. An unknown field or criterion is refused (ValueError naming it)."""
    rules = dict(DEFAULT_RULES)
    for field, given in (overrides or {}).items():
        if field not in DEFAULT_RULES:
            raise ValueError(f"survivorship rule for unknown field {field!r}; fields: {', '.join(DEFAULT_RULES)}")
        if not isinstance(given, Mapping) or not isinstance(given.get("criteria"), list):
            raise ValueError(f"survivorship rule for {field!r} needs a list of criteria")
        criteria = tuple(str(criterion) for criterion in given["criteria"])
        unknown = [criterion for criterion in criteria if criterion not in CRITERIA]
        if unknown:
            raise ValueError(f"survivorship rule for {field!r}: unknown criteria {unknown}; known: {list(CRITERIA)}")
        trust = tuple(str(system).upper() for system in given.get("trust") or ())
        rules[field] = FieldRule(criteria, trust)
    return rules


def configured_rules() -> dict[str, FieldRule]:
    return rules_with(Config.SURVIVORSHIP)


configured_rules()  # a bad MDM_SURVIVORSHIP stops the hub when it starts, not at its first write


# ---------------------------------------------------------------- readings


class Reading(NamedTuple):
    """What one record says about one field: the display value, the raw value it came from, the standardised key
    (equal keys agree), how complete it is (higher is fuller) and its quality. A named tuple: a full run reads
    millions, and a frozen dataclass sets each field through ``object.__setattr__``."""

    value: Value
    raw: Value
    key: str
    completeness: int
    quality: Quality


@lru_cache(maxsize=1024)
def _civility(text: str) -> Reading:
    code = standardise_civility(text)
    return Reading(code, text, code, 1, VALID) if code else Reading(text, text, text, 0, INVALID)


@lru_cache(maxsize=1 << 16)
def _person_name(text: str) -> Reading:
    name, verdict = read_person_name(text)
    if verdict == JUNK:
        return Reading(text, text, text, 0, JUNK_VALUE)
    value = " ".join(name.tokens)
    return Reading(value, text, " ".join(name.keys) or value, len(name.tokens), VALID)


@lru_cache(maxsize=1 << 16)
def _company_name(text: str) -> Reading:
    name, verdict = read_company_name(text)
    if verdict == JUNK:
        return Reading(text, text, text, 0, JUNK_VALUE)
    return Reading(fold_text(text), text, name.key or fold_text(text), len(name.tokens), VALID)


def _birth_date(text: str, received_on: date) -> Reading:
    window = Config.BIRTH_DATE_WINDOW
    value, swapped, verdict = read_birth_date(text, received_on, window)
    if verdict == JUNK:
        return Reading(text, text, text, 0, JUNK_VALUE)
    if value is None:
        if text.isdigit() and len(text) == 4 and window.earliest.year < int(text) <= received_on.year:
            return Reading(text, text, text, 1, VALID)  # only the year is known
        return Reading(text, text, text, 0, INVALID)
    # A date whose day and month may be swapped is shown as written: the ISO form would pretend to know. One before
    # the plausible window is shown, and loses to one within it.
    written = value.isoformat()
    return Reading(text if swapped else written, text, written, 2 if swapped else 3,
                   VALID if verdict is None else INVALID)


@lru_cache(maxsize=1 << 16)
def _identity_document(type_text: str | None, number_text: str) -> Reading:
    declared = standardise_id_type(type_text) if type_text else None
    id_type, number, verdict = read_identity_document(declared, number_text)
    raw: Value = {"id_type": type_text, "national_id": number_text}
    if verdict == JUNK or number is None:
        return Reading(raw, raw, number_text, 0, JUNK_VALUE)
    typed = id_type is not None and id_type != OTHER_ID_TYPE
    return Reading({"id_type": id_type, "national_id": number}, raw, f"{id_type}:{number}", int(typed),
                   INVALID if verdict else VALID)


@lru_cache(maxsize=1 << 17)
def _phones(text: str) -> tuple[Reading, ...]:
    readings: list[Reading] = []
    for part in split_phone_numbers(text):
        raw = part.strip()
        if is_placeholder_phone(part):
            readings.append(Reading(raw, raw, raw, 0, JUNK_VALUE))
        elif phone := parse_phone(part):
            readings.append(Reading(phone.number, raw, phone.number, 1, VALID if phone.allocated else INVALID))
        else:
            readings.append(Reading(raw, raw, raw, 0, INVALID))
    return tuple(readings)


@lru_cache(maxsize=1 << 16)
def _email(text: str) -> Reading:
    mailbox, verdict = read_email(text)
    shown = text.lower()
    if verdict == JUNK:
        return Reading(shown, text, shown, 0, JUNK_VALUE)
    return Reading(shown, text, mailbox or shown, 1, INVALID if mailbox is None else VALID)


@lru_cache(maxsize=1 << 16)
def _address(text: str) -> Reading:
    # Addresses are nearly all distinct: folding is enough to show and compare them, parsing would cost more.
    shown = fold_text(text)
    words = split_words(shown)
    if is_placeholder_text(words):
        return Reading(text, text, text, 0, JUNK_VALUE)
    return Reading(shown, text, shown, len(words), VALID)


@lru_cache(maxsize=4096)
def _city(text: str) -> Reading:
    code, verdict = read_city(text)
    if verdict == JUNK or code is None:
        return Reading(text, text, text, 0, JUNK_VALUE)
    return Reading(code.replace("_", " "), text, code, 1, VALID)


@lru_cache(maxsize=4096)
def _postal_code(text: str) -> Reading:
    # A client abroad has a valid address: a code of any country is a value, not only a Moroccan one.
    code, verdict = read_postal_code(text)
    if verdict == JUNK:
        return Reading(text, text, text, 0, JUNK_VALUE)
    return Reading(code, text, code, 1, VALID) if code else Reading(text, text, text, 0, INVALID)


@lru_cache(maxsize=4096)
def _legal_form(declared_text: str | None, company_text: str | None) -> Reading:
    declared = standardise_legal_form(declared_text) if declared_text else None
    in_name = read_company_name(company_text)[0].legal_form if company_text else None
    form = choose_legal_form(declared, in_name)
    raw = declared_text or company_text or ""
    if form is None:
        return Reading(raw, raw, raw, 0, INVALID)
    return Reading(form, raw, form, 2 if form in LEGAL_FORM_REFINES else 1, VALID)  # SARLAU says more than SARL


@lru_cache(maxsize=1 << 16)
def _ice(text: str) -> Reading:
    ice, malformed, verdict = read_ice(text)
    if verdict == JUNK:
        return Reading(text, text, text, 0, JUNK_VALUE)
    if ice is None:
        return Reading(malformed or text, text, malformed or text, 0, INVALID)
    return Reading(ice.number, text, ice.number, 1, VALID if ice.checksum_ok else INVALID)


@lru_cache(maxsize=1 << 16)
def _trade_register(number_text: str, court_text: str | None) -> Reading:
    number, court_in_number, verdict = read_rc_number(number_text)
    court = (standardise_court(court_text) if court_text else None) or court_in_number
    raw: Value = {"rc_number": number_text, "rc_court": court_text}
    if verdict == JUNK:
        return Reading(raw, raw, number_text, 0, JUNK_VALUE)
    shown = number or number_text
    return Reading({"rc_number": shown, "rc_court": court}, raw, f"{court}:{shown}", int(court is not None),
                   INVALID if number is None else VALID)


@lru_cache(maxsize=1 << 16)
def _registry_number(text: str) -> Reading:
    number, verdict = read_registry_number(text)
    if verdict == JUNK:
        return Reading(text, text, text, 0, JUNK_VALUE)
    return Reading(number, text, number, 1, VALID) if number else Reading(text, text, text, 0, INVALID)


_TEXT_FIELDS = {
    "person": (("civility", _civility), ("first_name", _person_name), ("last_name", _person_name),
               ("full_name", _person_name), ("address_line", _address), ("city", _city), ("email", _email),
               ("postal_code", _postal_code)),
    "organization": (("company_name", _company_name), ("trade_name", _company_name),
                     ("tax_id", _registry_number), ("professional_tax_number", _registry_number), ("ice", _ice),
                     ("contact_person", _person_name), ("address_line", _address), ("city", _city),
                     ("email", _email), ("postal_code", _postal_code)),
}


def _text(payload: Mapping[str, object], field: str) -> str | None:
    """The stripped text of a present field: "", None and an absent key all mean missing."""
    value = payload.get(field)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    return read_present_fields({field: value}).get(field)  # a number sent unquoted is still its digits


def read_fields(payload: Mapping[str, object], party_type: str, received_on: date,
                ) -> tuple[list[tuple[str, Reading]], tuple[Reading, ...]]:
    """What a payload says: one reading per field, and every phone number (the record's main one first).
    ``received_on`` is the day the version was received: a birth date on or after it is a placeholder."""
    found: list[tuple[str, Reading]] = []
    organization = party_type == "organization"
    get = payload.get
    for field, reader in _TEXT_FIELDS["organization" if organization else "person"]:
        value = get(field)
        if value is not None and (text := value.strip() if isinstance(value, str) else _text(payload, field)):
            found.append((field, reader(text)))
    if organization:
        declared, company = _text(payload, "legal_form"), _text(payload, "company_name")
        if declared or company:
            legal_form = _legal_form(declared, company)
            if declared or legal_form.quality == VALID:
                found.append(("legal_form", legal_form))
        if text := _text(payload, "rc_number"):
            found.append(("trade_register", _trade_register(text, _text(payload, "rc_court"))))
    else:
        if text := _text(payload, "birth_date"):
            found.append(("birth_date", _birth_date(text, received_on)))
        if text := _text(payload, "national_id"):
            found.append(("identity_document", _identity_document(_text(payload, "id_type"), text)))
    phones: tuple[Reading, ...] = ()
    if text := _text(payload, "phone"):
        phones = _phones(text)
    if text := _text(payload, "phone_alt"):
        phones += _phones(text)
    return found, phones


# ---------------------------------------------------------------- choice


@dataclass(frozen=True, slots=True, eq=False)
class SourceVersion:
    """One record version as survivorship sees it: where it comes from and what it says (each version is one
    object, compared by identity: its payload is a mapping). ``received_at`` is aware (UTC)."""

    source_system: str
    source_record_id: str
    version: int
    received_at: datetime
    payload: Mapping[str, object]
    recency: float = dataclass_field(init=False)  # lower is more recent, as every score

    def __post_init__(self) -> None:
        object.__setattr__(self, "recency", -self.received_at.timestamp())

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


class Candidate(NamedTuple):
    """A value one version offers for a field, with where it comes from."""

    reading: Reading
    source: SourceVersion


class Chosen(NamedTuple):
    """The value a field survives with, its source version and the criterion that decided it."""

    reading: Reading
    source: SourceVersion
    rule: str


@dataclass(frozen=True, slots=True)
class Survivorship:
    """A golden record's attributes and, per field, every value its versions offer (junk included)."""

    attributes: dict[str, Chosen]
    candidates: dict[str, list[Candidate]]

    def stored(self) -> dict[str, Any]:
        """The compact form kept on the golden record: each source version once, fields pointing at them."""
        index: dict[SourceVersion, int] = {}
        for chosen in self.attributes.values():
            index.setdefault(chosen.source, 0)
        sources = sorted(index, key=_source_order)
        for position, source in enumerate(sources):
            index[source] = position
        return {
            "sources": [{"source_system": s.source_system, "source_record_id": s.source_record_id,
                         "version": s.version, "received_at": s.received_at.isoformat()} for s in sources],
            "fields": {field: {"value": chosen.reading.value, "raw": chosen.reading.raw,
                               "source": index[chosen.source], "rule": chosen.rule}
                       for field, chosen in self.attributes.items()},
        }

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def _source_order(source: SourceVersion) -> tuple[str, str, int]:
    return source.source_system, source.source_record_id, source.version


def choose(candidates: Sequence[Candidate], rule: FieldRule) -> Chosen | None:
    """The surviving candidate (junk never survives) and the criterion that set it apart from the best
    candidate with another value; None when every candidate is junk."""
    if len(candidates) == 1:  # most fields of most golden records
        reading, source = candidates[0]
        return None if reading.quality == JUNK_VALUE else Chosen(reading, source, SINGLE)
    eligible = [candidate for candidate in candidates if candidate.reading.quality != JUNK_VALUE]
    if len(eligible) <= 1:
        return Chosen(eligible[0].reading, eligible[0].source, SINGLE) if eligible else None
    # Duplicates mostly agree: then no candidate has a rival, and frequency sets none apart (all count the same).
    first_key = eligible[0].reading.key
    agreeing = all(candidate.reading.key == first_key for candidate in eligible)
    votes = _NO_VOTES
    if FREQUENCY in rule.criteria and not agreeing:
        # One vote per record and standardised value: a record listing a number twice does not count twice.
        counted: dict[str, int] = {}
        for _, _, key in {(c.source.source_system, c.source.source_record_id, c.reading.key) for c in eligible}:
            counted[key] = counted.get(key, 0) + 1
        votes = counted
    # The tie-break (key, source, record id, version) makes the order candidates come in irrelevant.
    ranks, untrusted, ordered = rule.ranks, len(rule.trust), rule.ordered
    ranked = [(ordered((reading.quality != VALID, ranks.get(source.source_system, untrusted), source.recency,
                        -reading.completeness, -votes.get(reading.key, 0))),
               reading.key, source.source_system, source.source_record_id, source.version, position)
              for position, (reading, source) in enumerate(eligible)]
    best = min(ranked)
    winner = eligible[best[5]]
    if agreeing:
        return Chosen(winner.reading, winner.source, AGREEMENT)
    rival = min(entry for entry in ranked if entry[1] != best[1])
    for position, (mine, theirs) in enumerate(zip(best[0], rival[0], strict=True)):
        if mine != theirs:
            return Chosen(winner.reading, winner.source, VALIDITY if position == 0 else rule.criteria[position - 1])
    return Chosen(winner.reading, winner.source, TIE_BREAK)


def survive(versions: Iterable[SourceVersion], party_type: str,
            rules: Mapping[str, FieldRule] | None = None) -> Survivorship:
    """The golden attributes these versions give (the current ones, or those current at a past date)."""
    rules = rules or configured_rules()
    candidates: dict[str, list[Candidate]] = {}
    phones: list[tuple[SourceVersion, tuple[Reading, ...]]] = []
    for source in sorted(versions, key=_source_order):
        found, numbers = read_fields(source.payload, party_type, source.received_at.date())
        for field, reading in found:
            if field in candidates:
                candidates[field].append(Candidate(reading, source))
            else:
                candidates[field] = [Candidate(reading, source)]
        if numbers:
            phones.append((source, numbers))
    attributes: dict[str, Chosen] = {}
    for field in ORGANIZATION_FIELDS if party_type == "organization" else PERSON_FIELDS:
        if field == "phone":
            _choose_phones(phones, rules, candidates, attributes)
        elif field in candidates and (field != "full_name" or not ("first_name" in attributes
                                                                   or "last_name" in attributes)):
            # A single name field stands in only when no record splits the name.
            chosen = choose(candidates[field], rules[field])
            if chosen is not None:
                attributes[field] = chosen
    return Survivorship(attributes, candidates)


def _choose_phones(phones: list[tuple[SourceVersion, tuple[Reading, ...]]], rules: Mapping[str, FieldRule],
                   candidates: dict[str, list[Candidate]], attributes: dict[str, Chosen]) -> None:
    """The main phone among each record's first usable number; the other phone among every other number."""
    if not phones:
        return
    main: list[Candidate] = []
    others: list[Candidate] = []
    for source, readings in phones:
        usable = next((r for r in readings if r.quality != JUNK_VALUE), readings[0])
        main.append(Candidate(usable, source))
        others.extend(Candidate(reading, source) for reading in readings if reading is not usable)
    candidates["phone"] = main
    chosen = choose(main, rules["phone"])
    if chosen is not None:
        attributes["phone"] = chosen
        others.extend(c for c in main if c.reading.key != chosen.reading.key)
        others = [c for c in others if c.reading.key != chosen.reading.key]
    if others:
        others.sort(key=lambda c: _source_order(c.source))
        candidates["phone_alt"] = others
        alternative = choose(others, rules["phone_alt"])
        if alternative is not None:
            attributes["phone_alt"] = alternative


# ---------------------------------------------------------------- reading the stored attributes


@dataclass(frozen=True, slots=True)
class Attribute:
    """A surviving value as users read it, with its provenance."""

    value: Value
    raw: Value
    source_system: str
    source_record_id: str
    version: int
    received_at: datetime
    rule: str

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def expand(stored: Mapping[str, Any] | None) -> dict[str, Attribute]:
    """The stored compact form as attributes with their provenance."""
    if not stored:
        return {}
    sources = stored["sources"]
    attributes: dict[str, Attribute] = {}
    for field, chosen in stored["fields"].items():
        source = sources[chosen["source"]]
        attributes[field] = Attribute(chosen["value"], chosen["raw"], source["source_system"],
                                      source["source_record_id"], source["version"],
                                      datetime.fromisoformat(source["received_at"]), chosen["rule"])
    return attributes


def attributes_of(versions: Iterable[SourceVersion], party_type: str,
                  rules: Mapping[str, FieldRule] | None = None) -> dict[str, Attribute]:
    """The golden attributes, with provenance, that these versions give. Lineage answers "attributes as of a past
    date" with the versions current at that date."""
    return expand(survive(versions, party_type, rules).stored())


# ---------------------------------------------------------------- persistence

VersionRow = tuple[str, str, str, str, int, datetime, str | bytes, str, str | None, datetime, datetime]
"""(golden id, party type, source system, source record id, version, received_at, payload as JSON text, the record's
network, point of sale, first and last received_at): the last four for the client's portfolio."""


@dataclass(frozen=True, slots=True)
class SpooledMembers:
    """Where a full run kept the current versions it read (``spool``), and the positions there of each golden
    record's live records: survivorship reads those instead of asking the database again."""

    spool: VersionSpool
    members: Mapping[str, Sequence[int]]

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


@dataclass(frozen=True, slots=True)
class HeldBack:
    """New golden records not inserted yet: each is inserted with its attributes when survivorship stores them,
    rather than inserted bare and rewritten whole by an update to add them (at a hub's first consolidation, 400,000
    updated rows cost PostgreSQL more than the inserts, the attributes' parsing included). ``party_types``: the party
    type of each; ``created_at``: the time they were created at. Each of them is among the golden records whose
    attributes are refreshed, and the spool holds its versions."""

    party_types: Mapping[str, str]
    created_at: datetime

    def insert(self, session: Session, attributes: list[StoredText]) -> None:
        """Insert these golden records with their attributes (JSON text)."""
        insert_golden_records(session, {golden_id: self.party_types[golden_id] for golden_id, _ in attributes},
                              self.created_at, [stored for _, stored in attributes])

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


def insert_golden_records(session: Session, party_types: Mapping[str, str], created_at: datetime,
                          attributes: list[str] | None = None) -> None:
    """Insert new golden records (id -> party type), active, with their attributes as JSON text, in the same order
    (None: without attributes yet)."""
    created = [created_at] * len(party_types)
    bulk_insert_columns(session, _golden_table, {
        "id": list(party_types), "party_type": list(party_types.values()), "status": ["active"] * len(party_types),
        "created_at": created, "updated_at": created, **({} if attributes is None else {"attributes": attributes})})


_golden_table = cast(Table, GoldenRecord.__table__)


def _version_rows(session: Session, golden_ids: list[str]) -> list[VersionRow]:
    """The current version of every live record linked to these (at most ``CHUNK``) golden records, grouped by
    golden id (in no particular order within a golden record: survivorship and portfolios do not depend on it)."""
    session.flush()  # the statement runs on the connection, which does not flush pending objects itself
    connection = session.connection()
    wanted = one_of(session, RecordLink.golden_id, golden_ids)
    rows: list[VersionRow] = plain_rows(connection.execute(
        select(RecordLink.golden_id, GoldenRecord.party_type, SourceRecord.source_system,
               SourceRecord.source_record_id, SourceRecordVersion.version, SourceRecordVersion.received_at,
               sql_cast(SourceRecordVersion.payload, Text),
               func.coalesce(PointOfSale.network, SourceRecord.source_system), SourceRecord.point_of_sale_code,
               SourceRecord.first_received_at, SourceRecord.last_received_at)
        .join(GoldenRecord, GoldenRecord.id == RecordLink.golden_id)
        .join(SourceRecord, SourceRecord.id == RecordLink.record_id)
        .join(SourceRecordVersion, (SourceRecordVersion.record_id == SourceRecord.id)
              & (SourceRecordVersion.version == SourceRecord.current_version))
        .outerjoin(PointOfSale, PointOfSale.code == SourceRecord.point_of_sale_code)
        .where(wanted, RecordLink.valid_to.is_(None), SourceRecord.is_deleted.is_(False))))
    # Sorted here rather than by the database, whose sort of the payloads spills to disk.
    rows.sort(key=itemgetter(0))
    return rows


StoredText = tuple[str, str]
"""(golden id, its stored attributes as JSON text)."""
Computed = tuple[list[StoredText], list[PortfolioRows]]
"""What a chunk's computation answers: its golden records' attributes and portfolios."""


def _source_version(row: VersionRow) -> SourceVersion:
    return SourceVersion(row[2], row[3], row[4], as_utc(row[5]), orjson.loads(row[6]))


def current_versions(session: Session, golden_ids: Collection[str]) -> Iterator[tuple[str, str, SourceVersion]]:
    """(golden id, party type, current version) of every live record linked to these golden records, in golden id
    order, queried in slices."""
    ordered = sorted(golden_ids)
    for start in range(0, len(ordered), CHUNK):
        for row in _version_rows(session, ordered[start:start + CHUNK]):
            yield row[0], row[1], _source_version(row)


def golden_survivorship(session: Session, golden_id: str, party_type: str) -> Survivorship:
    """Survivorship over one golden record's current versions, computed now (candidates included)."""
    return survive([version for _, _, version in current_versions(session, [golden_id])], party_type)


def _survive_rows(task: tuple[Mapping[str, FieldRule], list[VersionRow]]) -> list[tuple[str, dict[str, Any]]]:
    """The stored attributes of the golden records whose version rows these are (rows grouped by golden id)."""
    rules, rows = task
    return [(golden_id, survive([_source_version(row) for row in group], party_type, rules).stored())
            for (golden_id, party_type), group in groupby(rows, key=itemgetter(0, 1))]


def _refresh_rows(task: tuple[Mapping[str, FieldRule], list[VersionRow]]) -> Computed:
    """The stored attributes (as JSON text: the worker serialises, not the process that writes) and the portfolio
    of the golden records whose version rows these are, each version read once for both."""
    rules, rows = task
    attributes: list[StoredText] = []
    portfolios: list[PortfolioRows] = []
    for (golden_id, party_type), group in groupby(rows, key=itemgetter(0, 1)):
        members = list(group)
        versions = [_source_version(row) for row in members]
        stored = survive(versions, party_type, rules).stored()
        attributes.append((golden_id, orjson.dumps(stored).decode()))
        portfolios.append(client_portfolio(golden_id, party_type, [
            _holding(row, version) for row, version in zip(members, versions, strict=True)], stored))
    return attributes, portfolios


def _refresh_spooled(task: tuple[Mapping[str, FieldRule], str, list[tuple[str, str, list[Span]]]]) -> Computed:
    """``_refresh_rows`` for golden records given as (golden id, party type, where its versions lie in the spool at
    that path)."""
    rules, path, golden_records = task
    rows: list[VersionRow] = []
    for golden_id, party_type, spans in golden_records:
        rows.extend((golden_id, party_type, source_system, source_record_id, version, received_at, payload, network,
                     point_of_sale, first_received_at, last_received_at)
                    for (source_system, source_record_id, version, received_at, network, point_of_sale,
                         first_received_at, last_received_at, payload) in read_spooled(path, spans))
    return _refresh_rows((rules, rows))


def _holding(row: VersionRow, version: SourceVersion) -> Holding:
    return read_holding(row[2], row[3], row[7], row[8], as_utc(row[9]), as_utc(row[10]), version.payload)


def recompute(session: Session, golden_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The stored form of these golden records' attributes, computed from scratch."""
    rules = configured_rules()
    ordered = sorted(golden_ids)
    computed: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ordered), CHUNK):
        computed.update(_survive_rows((rules, _version_rows(session, ordered[start:start + CHUNK]))))
    return computed


def _worker_started() -> None:
    """A survivorship worker makes no reference cycles: it runs without the collector. It computes ahead of the
    process that writes its results, whose path is what a run waits for: it yields the processor to it."""
    gc.disable()
    os.nice(WORKER_NICENESS)


WORKER_NICENESS = 10


@contextmanager
def survivorship_workers(golden_records: int) -> Iterator[Pool | None]:
    """Worker processes for `refresh_golden_attributes` of up to that many golden records, forked now (None where
    one process computes alone: one worker, or a single chunk).

    A worker's resident memory starts as its parent's at the fork: a full run forks them before the match fills
    the process with features, rather than letting `refresh_golden_attributes` fork them from a process of a few
    gigabytes."""
    if WORKERS < 2 or golden_records <= CHUNK:
        yield None
        return
    with multiprocessing.get_context("fork").Pool(WORKERS, initializer=_worker_started) as pool:
        yield pool


def refresh_golden_attributes(session: Session, golden_ids: Collection[str], backfill: bool = False,
                              pool: Pool | None = None, spooled: SpooledMembers | None = None) -> int:
    """Store the attributes and the portfolio of these golden records, from their records' current versions.
    ``backfill`` adds the active golden records that have no attributes yet (created before survivorship existed).
    ``spooled``: where a full run kept the versions it read, for the golden records it names. Answers how many
    were written.

    Many golden records are computed in worker processes (``pool``'s, or a pool forked for the call), chunk by
    chunk, while this process reads the next chunk and writes the last one: the database is only ever used from
    here.
    """
    with attributes_under_way(session, golden_ids, backfill, pool, spooled) as under_way:
        return under_way.write()


@contextmanager
def attributes_under_way(session: Session, golden_ids: Collection[str], backfill: bool = False,
                         pool: Pool | None = None, spooled: SpooledMembers | None = None,
                         held_back: HeldBack | None = None) -> Iterator[AttributesUnderWay]:
    """`refresh_golden_attributes`, started now and stored by the answer's ``write``. With a pool, its workers
    compute the golden records the spool holds from now on, while this process goes on with other work (a full
    run's movements and audit, which leave one core idle), and set each chunk's result down in a file until
    ``write`` stores it: held in memory, a full run's attributes would add hundreds of megabytes at its peak.
    ``held_back``: golden records among these that are inserted with their attributes (the spool holds them)."""
    spooled_chunks, database_chunks = _chunks(session, golden_ids, backfill, spooled)
    rules = configured_rules()
    if pool is None or spooled is None or len(spooled_chunks) + len(database_chunks) < 2 or WORKERS < 2:
        yield AttributesUnderWay(session, [(chunk, spooled) for chunk in spooled_chunks]
                                 + [(chunk, None) for chunk in database_chunks], rules, pool, held_back)
        return
    party_types = [_party_types(session, chunk, held_back) for chunk in spooled_chunks]
    spooled.spool.flush()  # the tasks are made in the pool's own thread, which must find everything in the file
    with tempfile.TemporaryDirectory(prefix="mdm-attributes-") as folder:
        set_aside = pool.imap(_refresh_spooled_aside, (
            (*_spooled_task(rules, spooled, chunk, types), folder)
            for chunk, types in zip(spooled_chunks, party_types, strict=True)))
        yield AttributesUnderWay(session, [(chunk, None) for chunk in database_chunks], rules, pool, held_back,
                                 deque(spooled_chunks), set_aside)


def _chunks(session: Session, golden_ids: Collection[str], backfill: bool, spooled: SpooledMembers | None,
            ) -> tuple[list[list[str]], list[list[str]]]:
    """These golden records (with ``backfill``, those without attributes yet too) in chunks, in id order: those
    the spool holds, then the others."""
    wanted = set(golden_ids)
    if backfill:
        wanted.update(session.scalars(select(GoldenRecord.id).where(
            GoldenRecord.status == "active", GoldenRecord.attributes.is_(None))))
    ordered = sorted(wanted)
    in_spool = [golden_id for golden_id in ordered if spooled is not None and golden_id in spooled.members]
    from_database = ordered if spooled is None else [golden_id for golden_id in ordered
                                                     if golden_id not in spooled.members]
    return ([in_spool[start:start + CHUNK] for start in range(0, len(in_spool), CHUNK)],
            [from_database[start:start + CHUNK] for start in range(0, len(from_database), CHUNK)])


def _party_types(session: Session, golden_ids: list[str], held_back: HeldBack | None) -> list[str]:
    """The party type of each of these golden records, in their order (those held back are not stored yet)."""
    held = held_back.party_types if held_back is not None else {}
    stored = [golden_id for golden_id in golden_ids if golden_id not in held]
    known = dict(session.execute(select(GoldenRecord.id, GoldenRecord.party_type)
                                 .where(one_of(session, GoldenRecord.id, stored))).all()) if stored else {}
    known.update((golden_id, held[golden_id]) for golden_id in golden_ids if golden_id in held)
    return [sys.intern(known[golden_id]) for golden_id in golden_ids]  # two values, not one string per golden


def _spooled_task(rules: Mapping[str, FieldRule], spooled: SpooledMembers, chunk: list[str], party_types: list[str],
                  ) -> tuple[Mapping[str, FieldRule], str, list[tuple[str, str, list[Span]]]]:
    """The input of ``_refresh_spooled`` for these golden records of these party types."""
    spool = spooled.spool
    return rules, spool.path, [(golden_id, party_type, spool.spans(spooled.members[golden_id]))
                               for golden_id, party_type in zip(chunk, party_types, strict=True)]


class AttributesUnderWay:
    """Golden records' attributes being computed (see `attributes_under_way`): ``write`` stores them."""

    def __init__(self, session: Session, chunks: list[tuple[list[str], SpooledMembers | None]],
                 rules: Mapping[str, FieldRule], pool: Pool | None, held_back: HeldBack | None,
                 computed_ahead: deque[list[str]] | None = None, set_aside: IMapIterator[SetAside] | None = None,
                 ) -> None:
        self._session = session
        self._chunks = chunks
        self._rules = rules
        self._pool = pool
        self._held_back = held_back
        self._computed_ahead = computed_ahead or deque()  # chunks the workers compute, in order
        self._set_aside = set_aside  # where each of them was set down
        self._written = 0

    def write_ready(self) -> None:
        """Store the chunks the workers have computed by now, without waiting for the others: called between
        other steps, this spares ``write`` most of its work, and runs while the workers still compute."""
        self._write_computed_ahead(wait=False)

    def _write_computed_ahead(self, wait: bool) -> None:
        """Store the chunks computed ahead, in order: all of them (``wait``), or those done by now."""
        while self._computed_ahead:
            assert self._set_aside is not None
            try:
                where = self._set_aside.next(timeout=None if wait else 0)
            except multiprocessing.TimeoutError:
                return
            self._write(self._computed_ahead.popleft(), _read_aside(where))

    def _write(self, chunk: list[str], computed: Computed) -> None:
        attributes, portfolios = computed
        self._written += len(attributes)
        stored_before = chunk
        if (held_back := self._held_back) is not None:
            held = held_back.party_types
            held_back.insert(self._session, [given for given in attributes if given[0] in held])
            attributes = [given for given in attributes if given[0] not in held]
            stored_before = [golden_id for golden_id in chunk if golden_id not in held]
        _store_attributes(self._session, attributes)
        replace_portfolios(self._session, stored_before, portfolios)

    def write(self) -> int:
        """Store every chunk's attributes and portfolios (waiting for those the workers still compute); answers
        how many golden records were written in all."""
        self._write_computed_ahead(wait=True)
        session, chunks, rules, write = self._session, self._chunks, self._rules, self._write
        held_back = self._held_back
        if len(chunks) < 2 or WORKERS < 2:
            for chunk, spooled_chunk in chunks:
                compute, task = _task(session, chunk, rules, spooled_chunk, held_back)
                write(chunk, compute(task))
        elif self._pool is not None:
            _refresh_in(self._pool, session, chunks, rules, write, held_back)
        else:
            # Frozen, the objects the workers inherit are never scanned by the collector, so their pages stay shared
            # instead of being copied into every worker; the workers make no reference cycles and run without it.
            gc.freeze()
            try:
                with survivorship_workers(sum(len(chunk) for chunk, _ in chunks)) as forked:
                    assert forked is not None
                    _refresh_in(forked, session, chunks, rules, write, held_back)
            finally:
                gc.unfreeze()
        return self._written


SetAside = tuple[str, int, int]
"""Where a worker set a chunk's result down: (file, offset, length) of its pickle."""


def _refresh_spooled_aside(task: tuple[Mapping[str, FieldRule], str, list[tuple[str, str, list[Span]]], str],
                           ) -> SetAside:
    """``_refresh_spooled``, its result pickled into this worker's own file in the given folder."""
    rules, path, golden_records, folder = task
    pickled = pickle.dumps(_refresh_spooled((rules, path, golden_records)), protocol=pickle.HIGHEST_PROTOCOL)
    aside = os.path.join(folder, str(os.getpid()))
    with open(aside, "ab") as file:  # opened at its end: the offset is what this worker wrote before
        start = file.tell()
        file.write(pickled)
    return aside, start, len(pickled)


def _read_aside(where: SetAside) -> Computed:
    path, start, length = where
    with open(path, "rb") as file:
        file.seek(start)
        return cast(Computed, pickle.loads(file.read(length)))


def _task(session: Session, chunk: list[str], rules: Mapping[str, FieldRule], spooled: SpooledMembers | None,
          held_back: HeldBack | None) -> tuple[Callable[[Any], Computed], Any]:
    """The computation of a chunk's attributes and its input: the version rows read from the database, or where
    the spool holds them."""
    if spooled is None:
        return _refresh_rows, (rules, _version_rows(session, chunk))
    return _refresh_spooled, _spooled_task(rules, spooled, chunk, _party_types(session, chunk, held_back))


def _refresh_in(pool: Pool, session: Session, chunks: list[tuple[list[str], SpooledMembers | None]],
                rules: Mapping[str, FieldRule], write: Callable[[list[str], Computed], None],
                held_back: HeldBack | None) -> None:
    """Compute the chunks in the pool's workers, a few ahead, and write each in its turn."""
    pending: deque[tuple[list[str], AsyncResult[Computed]]] = deque()
    for chunk, spooled in chunks:
        compute, task = _task(session, chunk, rules, spooled, held_back)
        pending.append((chunk, pool.apply_async(compute, (task,))))
        if len(pending) > WORKERS:
            done, result = pending.popleft()
            write(done, result.get())
    while pending:
        done, result = pending.popleft()
        write(done, result.get())


def refresh_portfolios(session: Session, golden_ids: Collection[str]) -> None:
    """Store the portfolio of these golden records from their records' current versions and their stored
    attributes, without computing the attributes again (for a hub whose attributes are already in place)."""
    ordered = sorted(golden_ids)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        stored = dict(plain_rows(session.execute(
            select(GoldenRecord.id, GoldenRecord.attributes).where(GoldenRecord.id.in_(chunk)))))
        portfolios = [client_portfolio(golden_id, party_type, [_holding(row, _source_version(row)) for row in rows],
                                       stored.get(golden_id))
                      for (golden_id, party_type), rows in groupby(_version_rows(session, chunk), key=itemgetter(0, 1))]
        replace_portfolios(session, chunk, portfolios)


def _store_attributes(session: Session, attributes: list[StoredText]) -> None:
    """Write these golden records' attributes, given as JSON text. On PostgreSQL, many are copied into a temporary
    table and joined to in one UPDATE instead of one UPDATE each; a few (an online request) are updated one by one,
    which spares the temporary table's creation."""
    if not attributes:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql" or len(attributes) < COPIED_FROM:
        connection.execute(_UPDATE_ATTRIBUTES_POSTGRESQL if connection.dialect.name == "postgresql"
                           else _UPDATE_ATTRIBUTES_SQLITE,  # whose JSON is that text
                           [{"golden_id": golden_id, "attributes": stored} for golden_id, stored in attributes])
        return
    connection.execute(sql_text(f"CREATE TEMPORARY TABLE {_given_attributes.name} (golden_id VARCHAR(32),"
                                " attributes TEXT) ON COMMIT DROP"))
    bulk_insert_columns(session, _given_attributes, {"golden_id": [golden_id for golden_id, _ in attributes],
                                                     "attributes": [stored for _, stored in attributes]})
    # Unanalysed, the planner takes the table for tens of thousands of rows and joins them by hashing every golden
    # record: each chunk of a full run read the whole table (at 1M, 18 s of statements; the step's database CPU: 22 s).
    connection.execute(sql_text(f"ANALYZE {_given_attributes.name}"))
    connection.execute(sql_text(
        f"UPDATE golden_record SET attributes = CAST(given.attributes AS JSONB) FROM {_given_attributes.name} AS given"
        " WHERE golden_record.id = given.golden_id"))
    connection.execute(sql_text(f"DROP TABLE {_given_attributes.name}"))


COPIED_FROM = 100
"""How many golden records' attributes make the temporary table worth creating."""
_given_attributes = Table("golden_attributes_given", MetaData(), Column("golden_id", String),
                          Column("attributes", Text))
"""The temporary table the attributes of a chunk are copied into (not a table of the hub's schema)."""
_UPDATE_ATTRIBUTES_SQLITE = sql_text("UPDATE golden_record SET attributes = :attributes WHERE id = :golden_id")
_UPDATE_ATTRIBUTES_POSTGRESQL = sql_text(
    "UPDATE golden_record SET attributes = CAST(:attributes AS JSONB) WHERE id = :golden_id")
