"""Golden record search: look a client up by name, identifier, phone, e-mail and city.

The index (``search_term``) holds each live record's terms (``matching.search_terms``): rebuilt by every full
consolidation and replaced online for the records a request changes, beside the blocking keys. A query's terms
are counted first: a term held by too many records (a common first name, a big city) drives no search when
rarer terms are there; the candidates found are mapped to golden records through their current links at query
time, so a merge, a split or a retraction shows at once. Every criterion must hold, on any record of the golden
record; exact criteria (identifier, phone, e-mail, city) score 1, a name its similarity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, delete, exists, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from matching.features import FeatureTable
from matching.search_terms import (
    COMPANY_KEY,
    FIELD_OF_PREFIX,
    NAME_PAIR,
    NAME_WORD,
    NameQuery,
    city_terms,
    close_spelling,
    email_terms,
    identifier_terms,
    name_similarity,
    name_words,
    phone_terms,
    read_name_query,
    record_terms,
    spelling_variants,
)
from matching.standardise import JUNK, PARTY_TYPES, Verdict, read_present_fields
from mdm.db import bulk_insert_blocks, bulk_insert_columns, empty_table, indexes_set_aside, on_postgresql
from mdm.errors import FieldError, InvalidInput
from mdm.models import GoldenRecord, RecordLink, SearchNameVariant, SearchTerm, SourceRecord, SourceRecordVersion

# A term held by more records than this drives no search: the rarer terms of the query do, or else a sample.
TERM_CAP = 500
# Records examined when every term of the query is too common; the answer then says it is not complete.
SAMPLE_SIZE = 200
# A name at least this similar (0..100) meets the criterion: Mhamed Elidrissi for Mohamed El Idrissi (96), Alami
# for Mohamed Alami (90), not Fatima Idrissi (67).
NAME_THRESHOLD = 80
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
CRITERIA = ("name", "identifier", "phone", "email", "city")
_ACTIVE = "active"  # a golden record's status (mdm.resolution, which imports this module, names it too)
_CHUNK = 5000
_term_table = cast(Table, SearchTerm.__table__)
_variant_table = cast(Table, SearchNameVariant.__table__)


# ---------------------------------------------------------------- the index


def rebuild_search_index(session: Session, features: FeatureTable, record_ids: Sequence[int],
                         rendered: Iterable[bytes] | None = None) -> None:
    """Index every record of a full consolidation (positions of ``features`` are those of ``record_ids``);
    ``rendered``: the terms' rows as COPY text, made elsewhere by ``search_term_blocks`` (PostgreSQL)."""
    empty_table(session, _term_table)
    empty_table(session, _variant_table)
    with indexes_set_aside(session, _term_table):
        bulk_insert_blocks(session, _term_table, ["record_id", "term"],
                           rendered if rendered is not None else search_term_blocks(features, record_ids))
    variants, words = _variants(name_words(features))
    bulk_insert_columns(session, _variant_table, {"variant": variants, "word": words})


def replace_search_terms(session: Session, changed_ids: Iterable[int], probe_ids: Sequence[int],
                         features: FeatureTable | None) -> None:
    """The changed records' terms become their current version's (``probe_ids`` and ``features`` describe the
    live ones; a retracted record keeps none). New name words join the spelling variants."""
    ordered = sorted(changed_ids)
    for start in range(0, len(ordered), _CHUNK):
        session.execute(delete(SearchTerm).where(SearchTerm.record_id.in_(ordered[start:start + _CHUNK])))
    if features is None:
        return
    bulk_insert_blocks(session, _term_table, ["record_id", "term"], search_term_blocks(features, probe_ids),
                       stream=False)
    words = sorted(name_words(features))
    known: set[str] = set()
    for start in range(0, len(words), _CHUNK):
        part = words[start:start + _CHUNK]
        known.update(session.scalars(select(SearchNameVariant.word).where(
            SearchNameVariant.variant.in_(part), SearchNameVariant.variant == SearchNameVariant.word)))
    variants, owners = _variants(set(words) - known)
    rows = [{"variant": variant, "word": word} for variant, word in zip(variants, owners, strict=True)]
    if rows:  # two requests may bring the same new word at once: the second one's rows are already there
        insert = postgresql.insert if on_postgresql(session) else sqlite.insert
        session.execute(insert(_variant_table).on_conflict_do_nothing(), rows)


def search_term_blocks(features: FeatureTable, record_ids: Sequence[int]) -> Iterator[list[list[Any]]]:
    """The search index's rows (record id, term), one feature's terms at a time."""
    ids = np.asarray(record_ids, dtype=np.int64)
    for positions, terms in record_terms(features):
        yield [ids[positions].tolist(), terms]


def _variants(words: Iterable[str]) -> tuple[list[str], list[str]]:
    """(variants, the word of each), word by word in order."""
    variants: list[str] = []
    owners: list[str] = []
    for word in sorted(words):
        spellings = spelling_variants(word)
        variants += spellings
        owners += [word] * len(spellings)
    return variants, owners


# ---------------------------------------------------------------- the query


@dataclass(frozen=True, slots=True)
class SearchQuery:
    terms: dict[str, tuple[str, ...]]  # exact criterion -> its terms (a record meets it through any)
    name: NameQuery | None
    party_type: str | None
    limit: int


_READERS = {"identifier": identifier_terms, "phone": phone_terms, "email": email_terms, "city": city_terms}


def _unreadable(parameter: str, verdict: Verdict) -> FieldError:
    if verdict == JUNK:
        return FieldError(parameter, "placeholder", f"{parameter} is a placeholder value: no client is found by it")
    return FieldError(parameter, "format", f"{parameter} cannot be read as a {parameter}")


def read_search_query(arguments: Mapping[str, Any]) -> SearchQuery:
    """Check and standardise the query parameters; every broken rule is reported at once."""
    given = {name: value.strip() for name in CRITERIA if isinstance(value := arguments.get(name), str)
             and value.strip()}
    errors: list[FieldError] = []
    if not given:
        errors.append(FieldError("$", "required", f"give at least one criterion: {', '.join(CRITERIA)}"))
    terms: dict[str, tuple[str, ...]] = {}
    for parameter, read in _READERS.items():
        if parameter in given:
            terms[parameter], verdict = read(given[parameter])
            if not terms[parameter]:
                errors.append(_unreadable(parameter, verdict))
    name = None
    if "name" in given:
        name, verdict = read_name_query(given["name"])
        if name is None:
            errors.append(_unreadable("name", verdict))
    party_text = arguments.get("party_type")
    party_type = PARTY_TYPES.get(party_text.strip().lower()) if isinstance(party_text, str) else None
    if isinstance(party_text, str) and party_text.strip() and party_type is None:
        errors.append(FieldError("party_type", "one_of", "party_type must be person or organization"))
    limit = arguments.get("limit")
    limit = DEFAULT_LIMIT if limit is None else limit
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        errors.append(FieldError("limit", "range", f"limit must be an integer from 1 to {MAX_LIMIT}"))
    if errors:
        raise InvalidInput("the search query breaks a rule", tuple(errors))
    return SearchQuery(terms, name, party_type, int(limit))


@dataclass(frozen=True, slots=True)
class CriterionMatch:
    criterion: str
    field: str
    source_system: str
    source_record_id: str
    score: float


@dataclass(frozen=True, slots=True)
class GoldenHit:
    id: str
    party_type: str
    name: str | None
    city: str | None
    score: float
    matches: tuple[CriterionMatch, ...]


@dataclass(frozen=True, slots=True)
class SearchAnswer:
    results: tuple[GoldenHit, ...]
    complete: bool
    """False when every term of the query was too common: the results come from a sample of the candidates."""


@dataclass(frozen=True, slots=True)
class _Criterion:
    parameter: str
    groups: tuple[tuple[str, ...], ...]  # a record meets a group through any of its terms
    words: int  # a name's leading groups are its words, the others its word pairs; other criteria have one group

    def leading_groups(self, totals: Mapping[tuple[str, ...], int]) -> list[tuple[str, ...]]:
        """Groups at least one of which every record meeting the criterion holds. A name close enough shares
        all its words but one (a typo beyond one edit, a word more or less), so it holds one of the two least
        common words; or it writes two words as one (a word pair)."""
        words = sorted((group for group in self.groups[:self.words] if totals[group]), key=lambda g: totals[g])
        return words[:2] + [group for group in self.groups[self.words:] if totals[group]]

    def required_groups(self, totals: Mapping[tuple[str, ...], int]) -> list[tuple[str, ...]]:
        """Groups a record holding the whole criterion holds (the words found in the index, or the value)."""
        return [group for group in self.groups[:self.words] if totals[group]]


@dataclass(slots=True)
class _Candidate:
    golden_id: str
    party_type: str
    score: float
    records: int
    best_record: int
    matches: list[tuple[str, str, int, float]]  # (criterion, field, record id, score)


def search_golden_records(session: Session, query: SearchQuery) -> SearchAnswer:
    """Active golden records meeting every criterion, best first (see the module's docstring).

    Candidates come from the criterion whose leading groups are the least common (at most ``TERM_CAP``
    records); when every criterion is common, from a sample of the records holding all of them at once."""
    criteria = [_Criterion(parameter, (terms,), 1) for parameter, terms in query.terms.items()]
    if query.name:
        criteria.append(_name_criterion(session, query.name))
    counts = _term_counts(session, {term for criterion in criteria for group in criterion.groups for term in group})
    totals = {group: sum(counts[term] for term in group) for criterion in criteria for group in criterion.groups}
    if any(not totals[criterion.groups[0]] for criterion in criteria if criterion.parameter != "name"):
        return SearchAnswer((), True)  # an identifier, phone, e-mail or city no record holds
    leads = {criterion.parameter: criterion.leading_groups(totals) for criterion in criteria}
    drivers = sorted((sum(totals[group] for group in groups), parameter) for parameter, groups in leads.items()
                     if groups and sum(totals[group] for group in groups) <= TERM_CAP)
    complete = True
    if drivers:
        driver = drivers[0][1]
        records = _records_holding(session, {term for group in leads[driver] for term in group})
    else:
        driver = "name"
        records = _sample(session, [group for criterion in criteria for group in criterion.required_groups(totals)],
                          totals, query.party_type)
        complete = len(records) < SAMPLE_SIZE
    terms = _terms_of(session, records)
    if query.name and driver == "name":  # only the records close enough lead on to their golden records
        records = {record for record in records if _name_score(query.name, terms[record]) >= NAME_THRESHOLD}
    members = _members_of_golden_records(session, records, query.party_type)
    terms.update(_terms_of(session, {record for _, records_of in members.values() for record in records_of}
                           - terms.keys()))
    candidates = [
        candidate for golden_id, (party_type, records_of) in members.items()
        if (candidate := _check(golden_id, party_type, records_of, terms, query)) is not None
    ]
    candidates.sort(key=lambda c: (-c.score, -c.records, c.golden_id))
    return SearchAnswer(_describe(session, candidates[:query.limit]), complete)


def _name_criterion(session: Session, name: NameQuery) -> _Criterion:
    """One group per word of the name (the word, as a word pair of a company, or a word one edit away), then
    one per word pair typed (AL BARAKA finds ALBARAKA)."""
    variants = {word: spelling_variants(word) for word in name.words}
    wanted = sorted({variant for word_variants in variants.values() for variant in word_variants})
    indexed: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        indexed.update(session.scalars(select(SearchNameVariant.word).where(
            SearchNameVariant.variant.in_(wanted[start:start + _CHUNK])).distinct()))
    groups = [
        (NAME_WORD + word, NAME_PAIR + word,
         *sorted(NAME_WORD + other for other in indexed if other != word and close_spelling(word, other)))
        for word in name.words
    ]
    groups += [(NAME_WORD + pair,) for pair in name.pairs]
    return _Criterion("name", tuple(groups), len(name.words))


def _term_counts(session: Session, terms: set[str]) -> dict[str, int]:
    """How many records hold each term, counted up to just past the cap: a common term costs no full count."""
    ordered = sorted(terms)
    counts: dict[str, int] = {}
    for start in range(0, len(ordered), 100):
        part = ordered[start:start + 100]
        statement = " UNION ALL ".join(
            f"SELECT {index} AS term, (SELECT count(*) FROM (SELECT 1 FROM search_term WHERE term = :t{index} "
            f"LIMIT {TERM_CAP + 1}) AS held) AS records" for index in range(len(part)))
        rows = session.execute(text(statement), {f"t{index}": term for index, term in enumerate(part)})
        counts.update({part[index]: records for index, records in rows})
    return counts


def _records_holding(session: Session, terms: set[str]) -> set[int]:
    ordered = sorted(terms)
    found: set[int] = set()
    for start in range(0, len(ordered), _CHUNK):
        found.update(session.scalars(select(SearchTerm.record_id).where(
            SearchTerm.term.in_(ordered[start:start + _CHUNK]))))
    return found


def _sample(session: Session, required: list[tuple[str, ...]], totals: Mapping[tuple[str, ...], int],
            party_type: str | None) -> set[int]:
    """Records of active golden records holding every required group at once, up to the sample size: led by
    the least common group, term by term in its order (a word as typed before its other spellings)."""
    if not required:
        return set()
    leading = min(required, key=lambda group: totals[group])
    found: set[int] = set()
    for term in leading:
        statement = (
            select(SearchTerm.record_id)
            .join(RecordLink, (RecordLink.record_id == SearchTerm.record_id) & RecordLink.valid_to.is_(None))
            .join(GoldenRecord, (GoldenRecord.id == RecordLink.golden_id) & (GoldenRecord.status == _ACTIVE))
            .where(SearchTerm.term == term)
        )
        if party_type:
            statement = statement.where(GoldenRecord.party_type == party_type)
        for group in required:
            if group is not leading:
                other = aliased(SearchTerm)
                statement = statement.where(exists().where(other.record_id == SearchTerm.record_id,
                                                           other.term.in_(group)))
        found.update(session.scalars(statement.limit(SAMPLE_SIZE - len(found))))
        if len(found) >= SAMPLE_SIZE:
            break
    return found


def _members_of_golden_records(session: Session, records: set[int], party_type: str | None,
                               ) -> dict[str, tuple[str, list[int]]]:
    """The active golden records these records currently belong to, with every record they hold now."""
    found: dict[int, tuple[str, str]] = {}
    candidate, member = aliased(RecordLink), aliased(RecordLink)
    ordered = sorted(records)
    for start in range(0, len(ordered), _CHUNK):
        statement = (
            select(member.record_id, member.golden_id, GoldenRecord.party_type)
            .select_from(candidate)
            .join(GoldenRecord, (GoldenRecord.id == candidate.golden_id) & (GoldenRecord.status == _ACTIVE))
            .join(member, (member.golden_id == candidate.golden_id) & member.valid_to.is_(None))
            .where(candidate.record_id.in_(ordered[start:start + _CHUNK]), candidate.valid_to.is_(None))
        )
        if party_type:
            statement = statement.where(GoldenRecord.party_type == party_type)
        found.update({record: (golden, party) for record, golden, party in session.execute(statement)})
    members: dict[str, tuple[str, list[int]]] = {}
    for record, (golden, party) in sorted(found.items()):
        members.setdefault(golden, (party, []))[1].append(record)
    return members


def _terms_of(session: Session, records: Iterable[int]) -> dict[int, set[str]]:
    terms: dict[int, set[str]] = {record: set() for record in records}
    ordered = sorted(records)
    for start in range(0, len(ordered), _CHUNK):
        for record, term in session.execute(select(SearchTerm.record_id, SearchTerm.term).where(
                SearchTerm.record_id.in_(ordered[start:start + _CHUNK]))):
            terms[record].add(term)
    return terms


def _name_score(name: NameQuery, held: set[str]) -> float:
    words = [term[len(NAME_WORD):] for term in held if term.startswith(NAME_WORD)]
    company_key = next((term[len(COMPANY_KEY):] for term in held if term.startswith(COMPANY_KEY)), None)
    return name_similarity(name, words, company_key)


def _check(golden_id: str, party_type: str, records: list[int], terms: dict[int, set[str]], query: SearchQuery,
           ) -> _Candidate | None:
    """The golden record's matches if every criterion holds on one of its records, else None."""
    matches: list[tuple[str, str, int, float]] = []
    best: dict[str, float] = {}
    for record in records:
        held = terms.get(record, set())
        for parameter, wanted in query.terms.items():
            for term in held.intersection(wanted):
                matches.append((parameter, FIELD_OF_PREFIX[term[:term.index(":") + 1]], record, 1.0))
                best[parameter] = 1.0
        if query.name:
            similarity = _name_score(query.name, held)
            if similarity >= NAME_THRESHOLD:
                matches.append(("name", "name", record, round(similarity / 100, 3)))
                best["name"] = max(best.get("name", 0.0), similarity / 100)
    if len(best) < len(query.terms) + (query.name is not None):
        return None
    per_record: dict[int, list[float]] = defaultdict(list)
    for _, _, record, score in matches:
        per_record[record].append(score)
    best_record = max(per_record, key=lambda record: (len(per_record[record]), sum(per_record[record]), -record))
    return _Candidate(golden_id, party_type, round(sum(best.values()) / len(best), 3), len(per_record), best_record,
                      matches)


def _describe(session: Session, candidates: list[_Candidate]) -> tuple[GoldenHit, ...]:
    """Answers with source keys, and a display name and city from each golden record's best matching record."""
    records = sorted({record for candidate in candidates for _, _, record, _ in candidate.matches})
    keys = {record: (system, key) for record, system, key in session.execute(
        select(SourceRecord.id, SourceRecord.source_system, SourceRecord.source_record_id)
        .where(SourceRecord.id.in_(records)))}
    payloads: dict[int, Mapping[str, object]] = {record: payload or {} for record, payload in session.execute(
        select(SourceRecordVersion.record_id, SourceRecordVersion.payload)
        .join(SourceRecord, (SourceRecord.id == SourceRecordVersion.record_id)
              & (SourceRecord.current_version == SourceRecordVersion.version))
        .where(SourceRecord.id.in_([candidate.best_record for candidate in candidates])))}
    order = {parameter: index for index, parameter in enumerate(CRITERIA)}
    hits = []
    for candidate in candidates:
        fields = read_present_fields(payloads.get(candidate.best_record, {}))
        matches = sorted(
            (CriterionMatch(parameter, field, *keys[record], score)
             for parameter, field, record, score in candidate.matches),
            key=lambda m: (order[m.criterion], -m.score, m.source_system, m.source_record_id))
        hits.append(GoldenHit(candidate.golden_id, candidate.party_type, _display_name(fields, candidate.party_type),
                              fields.get("city"), candidate.score, tuple(matches)))
    return tuple(hits)


def _display_name(fields: Mapping[str, str], party_type: str) -> str | None:
    if party_type == "organization":
        return fields.get("company_name") or fields.get("trade_name")
    given = " ".join(fields[name] for name in ("first_name", "last_name") if name in fields)
    return given or fields.get("full_name")
