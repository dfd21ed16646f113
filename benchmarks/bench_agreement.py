"""Online vs batch: one file loaded chunk by chunk through online resolution, and the same file stored then
consolidated in one batch run, with the same model. Prints how far the two agree and the quality of each.

    .venv/bin/python -m benchmarks.bench_agreement [--records 50000] [--chunk-size 5000] [--folder /tmp/agreement]

Hub A (batch): `load --no-resolve`, then `resolve --full`, which trains the model. Hub B (online): a fresh hub given
A's model, then the file loaded online. Agreement is the pairwise precision/recall of B's clients against A's
(pairs of records put together by one and by the other), plus the share of records whose cluster is identical;
then every golden record of the online hub is recomputed from scratch and compared with what it stores.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import time
from collections import defaultdict
from pathlib import Path

import orjson
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import generate
from config import DEFAULT_SOURCE_SYSTEMS
from matching.evaluate import evaluate_clusters
from mdm.bulk_load import load_file
from mdm.db import make_engine, make_session_factory, transaction, upgrade_database
from mdm.errors import FieldError
from mdm.models import GoldenRecord, MatchModelVersion
from mdm.resolution import current_links, resolve_all
from mdm.survivorship import recompute

Key = tuple[str, str]


def _hub(path: Path) -> sessionmaker[Session]:
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    return make_session_factory(engine)


def _links(sessions: sessionmaker[Session]) -> dict[Key, str]:
    with sessions() as session:
        return {(system, record_id): golden for system, record_id, golden in current_links(session)}


def _reject(number: int, _text: bytes, errors: tuple[FieldError, ...]) -> None:
    print(f"  line {number} rejected: {errors}")


def _same_clusters(a: dict[Key, str], b: dict[Key, str]) -> float:
    """Share of records whose whole cluster is the same in both."""
    members_a: dict[str, set[Key]] = defaultdict(set)
    members_b: dict[str, set[Key]] = defaultdict(set)
    for key, golden in a.items():
        members_a[golden].add(key)
    for key, golden in b.items():
        members_b[golden].add(key)
    same = sum(1 for key in a if key in b and members_a[a[key]] == members_b[b[key]])
    return same / len(a) if a else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/mdm-agreement"))
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)

    feed = args.folder / "feed.jsonl.gz"
    truth: dict[Key, str] = {}
    party: dict[Key, str] = {}
    with gzip.open(feed, "wb") as out:
        for generated in generate(args.records, args.seed):
            key = (str(generated.record["source_system"]), str(generated.record["source_record_id"]))
            truth[key] = generated.entity_id
            party[key] = str(generated.record["party_type"])
            out.write(orjson.dumps(generated.record) + b"\n")
    print(f"{args.records:,} records generated (seed {args.seed})")

    batch_hub = _hub(args.folder / "batch.sqlite3")
    started = time.perf_counter()
    load_file(batch_hub, feed, DEFAULT_SOURCE_SYSTEMS, _reject, chunk_size=args.chunk_size)
    summary = resolve_all(batch_hub, workers=args.workers)
    print(f"batch:  stored then resolved in {time.perf_counter() - started:.1f} s "
          f"(resolve {summary.seconds:.1f} s, model {summary.model_version})")

    online_hub = _hub(args.folder / "online.sqlite3")
    with batch_hub() as source, transaction(online_hub) as target:
        model = source.scalars(select(MatchModelVersion)).one()
        target.execute(insert(MatchModelVersion).values(
            version=model.version, trained_at=model.trained_at, trained_on_records=model.trained_on_records,
            parameters=model.parameters))
    started = time.perf_counter()
    loaded = load_file(online_hub, feed, DEFAULT_SOURCE_SYSTEMS, _reject, chunk_size=args.chunk_size, online=True)
    elapsed = time.perf_counter() - started
    print(f"online: loaded and resolved in {elapsed:.1f} s ({loaded.read / elapsed:,.0f} records/s), chunks of "
          f"{args.chunk_size:,}; decisions " + ", ".join(f"{k} {v:,}" for k, v in sorted(loaded.decisions.items())))

    batch, online = _links(batch_hub), _links(online_hub)
    agreement = evaluate_clusters(online, batch)
    print(f"agreement online vs batch over {agreement.records:,} records: pairs in both / pairs online "
          f"{agreement.pairwise.precision:.4%}, pairs in both / pairs in batch {agreement.pairwise.recall:.4%}, "
          f"identical clusters for {_same_clusters(batch, online):.4%} of the records")
    for label, links in (("batch", batch), ("online", online)):
        for party_type in ("person", "organization"):
            scores = evaluate_clusters({k: g for k, g in links.items() if party[k] == party_type}, truth).pairwise
            print(f"  {label:<6} {party_type:<12} pairwise P {scores.precision:.4f} R {scores.recall:.4f} "
                  f"F1 {scores.f1:.4f}")
    with online_hub() as session:
        stored = {golden_id: attributes for golden_id, attributes in session.execute(
            select(GoldenRecord.id, GoldenRecord.attributes).where(GoldenRecord.status == "active"))}
        recomputed = recompute(session, list(stored))
    same = sum(1 for golden_id, attributes in stored.items() if recomputed.get(golden_id) == attributes)
    print(f"golden records of the online hub recomputed from scratch: {same:,} of {len(stored):,} identical")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
