"""Golden record search: cost of building the index and latency of queries, on a consolidated hub.

    MDM_DATABASE_URL=sqlite:////tmp/hub.sqlite3 .venv/bin/python -m benchmarks.bench_search [--queries 200]

Rebuilds the search index from every live record into an empty index (as a first full `resolve` does; rolled
back, so the hub is left as it was) and prints the time of the index step alone and its size. Then asks queries
made from random live records the way a call centre types them (names swapped, in another transliteration or with
a typo, phones in another format, identifiers, e-mails in capitals, a name with a city alias) and prints p50/p95
per kind and how often the record's own golden record is among the answers.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict

import numpy as np
from sqlalchemy import Text, delete, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from config import Config
from matching.features import build_features
from matching.pipeline import standardise_columns
from mdm.db import make_engine, make_session_factory, upgrade_database
from mdm.errors import InvalidInput
from mdm.golden_search import read_search_query, rebuild_search_index, search_golden_records
from mdm.models import RecordLink, SearchNameVariant, SearchTerm, SourceRecord, SourceRecordVersion
from mdm.resolution import latest_model

Query = dict[str, str]
SPELLINGS = {"MOHAMED": "Mhamed", "MOHAMMED": "Mohamed", "AHMED": "Ahmad", "YOUSSEF": "Youssouf",
             "KHADIJA": "Khadidja", "FATIMA": "Fatema", "MUSTAPHA": "Mustafa", "ABDELLAH": "Abdallah"}


def measure_build(session: Session) -> None:
    model = latest_model(session)
    if model is None:
        raise SystemExit("the hub has no model: run `python -m mdm resolve` first")
    record_ids: list[int] = []
    started = time.perf_counter()
    rows = session.execute(
        select(SourceRecord.id, sql_cast(SourceRecordVersion.payload, Text))
        .join(SourceRecordVersion, (SourceRecordVersion.record_id == SourceRecord.id)
              & (SourceRecordVersion.version == SourceRecord.current_version))
        .where(SourceRecord.is_deleted.is_(False)).order_by(SourceRecord.id).execution_options(yield_per=10_000))
    payloads = (record_ids.append(record_id) or payload for record_id, payload in rows)
    features = build_features(standardise_columns(payloads, workers=2), overused=model.overused)
    session.execute(delete(SearchTerm))  # a first full run finds the index empty
    session.execute(delete(SearchNameVariant))
    session.flush()
    prepared = time.perf_counter()
    rebuild_search_index(session, features, record_ids)
    session.flush()
    built = time.perf_counter()
    terms = session.scalar(select(func.count()).select_from(SearchTerm))
    variants = session.scalar(select(func.count()).select_from(SearchNameVariant))
    print(f"{len(record_ids):,} records standardised in {prepared - started:.1f} s (shared with resolution); "
          f"search index built in {built - prepared:.2f} s: {terms:,} terms ({terms / len(record_ids):.1f} per "
          f"record), {variants:,} spelling variants")


def _typo(word: str, rng: random.Random) -> str:
    position = rng.randrange(1, len(word)) if len(word) > 4 else len(word)
    return word[:position] + word[position + 1:]


def _person_name(payload: dict[str, str], rng: random.Random) -> str | None:
    first, last = payload.get("first_name") or "", payload.get("last_name") or ""
    if not (first and last):
        return payload.get("full_name") or last or first or None
    first = SPELLINGS.get(first.upper(), first)
    shape = rng.random()
    if shape < 0.3:
        return f"{last} {first}"
    if shape < 0.5:
        return f"{first} {_typo(last, rng)}"
    return f"{first} {last}"


def make_queries(payload: dict[str, str], rng: random.Random) -> dict[str, Query]:
    """The queries a call centre would type to find this record's client."""
    queries: dict[str, Query] = {}
    name = payload.get("company_name") if payload.get("party_type") == "organization" else _person_name(payload, rng)
    if name:
        queries["name"] = {"name": name}
        if payload.get("city"):
            queries["name+city"] = {"name": name, "city": payload["city"].upper()[:4] if payload["city"].upper()
                                    .startswith("CASA") else payload["city"]}
    digits = "".join(character for character in payload.get("phone") or "" if character.isdigit())
    if len(digits) == 10 and digits.startswith("0"):
        queries["phone"] = {"phone": f"+212 {digits[1:]}" if rng.random() < 0.5 else f"00212{digits[1:]}"}
    for field in ("national_id", "ice", "rc_number", "tax_id"):
        if payload.get(field):
            queries["identifier"] = {"identifier": payload[field]}
            break
    if payload.get("email"):
        queries["email"] = {"email": payload["email"].upper()}
    return queries


def measure_queries(session: Session, count: int, rng: random.Random) -> None:
    live = session.scalar(select(func.max(SourceRecord.id))) or 0
    picked = sorted(rng.sample(range(1, live + 1), min(count, live)))
    rows = session.execute(
        select(SourceRecordVersion.payload, RecordLink.golden_id)
        .join(SourceRecord, (SourceRecord.id == SourceRecordVersion.record_id)
              & (SourceRecordVersion.version == SourceRecord.current_version))
        .join(RecordLink, (RecordLink.record_id == SourceRecord.id) & RecordLink.valid_to.is_(None))
        .where(SourceRecord.id.in_(picked), SourceRecord.is_deleted.is_(False)))
    latencies: dict[str, list[float]] = defaultdict(list)
    found: dict[str, int] = defaultdict(int)
    incomplete = 0
    for payload, golden_id in rows:
        for kind, arguments in make_queries(payload, rng).items():
            started = time.perf_counter()
            try:
                answer = search_golden_records(session, read_search_query(arguments))
            except InvalidInput:  # a placeholder phone or id: refused, not a search
                continue
            latencies[kind].append((time.perf_counter() - started) * 1000)
            found[kind] += golden_id in {hit.id for hit in answer.results}
            incomplete += not answer.complete
    every = [latency for values in latencies.values() for latency in values]
    for kind, values in [*sorted(latencies.items()), ("all", every)]:
        p50, p95 = np.percentile(values, [50, 95])
        hits = sum(found.values()) if kind == "all" else found[kind]
        print(f"{kind:>10}: {len(values):4} queries  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {max(values):6.1f} ms"
              f"  own golden record found {hits / len(values):.0%}")
    print(f"{incomplete} answers from a sample (every term too common)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=200, help="random records to make queries from")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-build", action="store_true", help="only measure queries")
    args = parser.parse_args()
    engine = make_engine(Config.DATABASE_URL)
    upgrade_database(engine)
    sessions = make_session_factory(engine)
    if not args.skip_build:
        with sessions() as session:
            measure_build(session)
            session.rollback()
    with sessions() as session:
        measure_queries(session, args.queries, random.Random(args.seed))


if __name__ == "__main__":
    main()
