"""Movement history quality and speed: detected point-of-sale stints against the synthetic feed's true stints.

    .venv/bin/python -m benchmarks.bench_movements [--records 50000] [--seed 5] [--database-url URL]
        [--movement-traps]

Generates the feed (with --movement-traps, the variant with more concurrent networks, same-city relocations and
small agencies that close), imports its points of sale (with the variant's declared closures), loads it into a
fresh SQLite database (or the empty database at --database-url), resolves it, then compares. Each golden record
stands for the true client holding most of its records; a movement is (client, network, from point of sale, to
point of sale, start date). Prints precision and recall of movements (exact date, and within 7 days), precision,
recall and reason accuracy per reason, the confusion matrix of the stints' reasons, and the time of each step, the
movement history of every golden record rebuilt on its own (as a first full run does it).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.synthetic import Stint, generate, iter_stints, list_points_of_sale
from config import DEFAULT_SOURCE_SYSTEMS
from mdm.bulk_load import load_file
from mdm.clock import utc_now
from mdm.db import make_engine, make_session_factory, transaction, upgrade_database
from mdm.match_settings import configured_match_settings
from mdm.models import GoldenRecord, PointOfSaleStint
from mdm.movements import REASONS, refresh_movements, stint_rows
from mdm.points_of_sale import import_points_of_sale
from mdm.resolution import ACTIVE, GoldenChanges, current_links, resolve_all

TOLERANCE_DAYS = 7
NONE = "-"  # a stint on one side only


@dataclass(frozen=True, slots=True)
class Found:
    """A stint as compared: whose, where, from where, since when, why."""

    entity: str
    network: str
    point_of_sale: str
    from_point_of_sale: str | None
    start: date
    reason: str


def true_stints(stints: Iterable[Stint]) -> list[Found]:
    """The generator's stints with the point of sale each one took over from (the stint of the same client that
    ends the day it starts, of the same network when two do)."""
    by_entity: dict[str, list[Stint]] = defaultdict(list)
    for stint in stints:
        by_entity[stint.entity_id].append(stint)
    found = []
    for entity, own in by_entity.items():
        for stint in own:
            origin = None
            if stint.reason != "initial":
                before = [s for s in own if s.end_date == stint.start_date and s is not stint]
                before.sort(key=lambda s: s.network != stint.network)
                origin = before[0].point_of_sale if before else None
            found.append(Found(entity, stint.network, stint.point_of_sale, origin, stint.start_date, stint.reason))
    return found


def pair_up(truth: list[Found], detected: list[Found], tolerance: int) -> list[tuple[Found, Found]]:
    """One-to-one pairs of the same client, point of sale and origin, starting at most ``tolerance`` days apart."""
    waiting: dict[tuple[str, str, str | None], list[Found]] = defaultdict(list)
    for stint in detected:
        waiting[(stint.entity, stint.point_of_sale, stint.from_point_of_sale)].append(stint)
    pairs = []
    for stint in truth:
        options = waiting.get((stint.entity, stint.point_of_sale, stint.from_point_of_sale), [])
        near = [o for o in options if abs((o.start - stint.start).days) <= tolerance]
        if near:
            best = min(near, key=lambda o: abs((o.start - stint.start).days))
            options.remove(best)
            pairs.append((stint, best))
    return pairs


def report_movements(truth: list[Found], detected: list[Found]) -> None:
    true_moves = [s for s in truth if s.from_point_of_sale is not None]
    found_moves = list({s for s in detected if s.from_point_of_sale is not None})
    print(f"\nmovements: {len(true_moves):,} true, {len(found_moves):,} detected")
    for label, tolerance in (("exact date", 0), (f"within {TOLERANCE_DAYS} days", TOLERANCE_DAYS)):
        matched = len(pair_up(true_moves, found_moves, tolerance))
        print(f"  {label:<16} precision {matched / max(1, len(found_moves)):.4f}  "
              f"recall {matched / max(1, len(true_moves)):.4f}")
    pairs = pair_up(truth, list(set(detected)), TOLERANCE_DAYS)
    confusion = Counter((t.reason, d.reason) for t, d in pairs)
    paired_truth, paired_found = Counter(t.reason for t, _ in pairs), Counter(d.reason for _, d in pairs)
    for reason, count in Counter(t.reason for t in truth).items():
        confusion[(reason, NONE)] = count - paired_truth[reason]
    for reason, count in Counter(d.reason for d in set(detected)).items():
        confusion[(NONE, reason)] = count - paired_found[reason]
    report_reasons(pairs, truth, detected)
    labels = [*REASONS, NONE]
    print(f"\nreasons of stints paired within {TOLERANCE_DAYS} days (rows: true, columns: detected; "
          f"'{NONE}': on one side only)")
    print(" " * 20 + "".join(f"{label[:18]:>19}" for label in labels))
    for true_reason in labels:
        print(f"{true_reason[:19]:<20}" + "".join(f"{confusion[(true_reason, found)]:>19,}" for found in labels))


def report_reasons(pairs: list[tuple[Found, Found]], truth: list[Found], detected: list[Found]) -> None:
    """Per reason: precision and recall of the stints given that reason (paired with a true stint of that reason
    within the tolerance), and the share of the true stints of that reason found whose reason is right."""
    right = Counter(t.reason for t, d in pairs if t.reason == d.reason)
    found = Counter(t.reason for t, _ in pairs)
    true_count, detected_count = Counter(t.reason for t in truth), Counter(d.reason for d in set(detected))
    print(f"\nper reason (stints paired within {TOLERANCE_DAYS} days)")
    print(f"{'reason':<20}{'true':>9}{'detected':>10}{'precision':>11}{'recall':>8}{'reason right':>14}")
    for reason in REASONS:
        precision, recall = right[reason] / max(1, detected_count[reason]), right[reason] / max(1, true_count[reason])
        print(f"{reason:<20}{true_count[reason]:>9,}{detected_count[reason]:>10,}{precision:>11.4f}{recall:>8.4f}"
              f"{right[reason] / max(1, found[reason]):>14.4f}")
    moves = [(t, d) for t, d in pairs if t.from_point_of_sale is not None]
    print(f"reason accuracy of the moves found: {sum(t.reason == d.reason for t, d in moves) / max(1, len(moves)):.4f}"
          f" ({len(moves):,} moves)")


def time_one_at_a_time(sessions: sessionmaker[Session], golden_ids: list[str], model_version: str,
                       samples: int = 300) -> None:
    """The online case: one golden record refreshed in its own transaction, as after one POST /records."""
    chosen = random.Random(1).sample(golden_ids, min(samples, len(golden_ids)))
    seconds = []
    for golden_id in chosen:
        with transaction(sessions) as session:
            one = frozenset({golden_id})
            started = time.perf_counter()
            refresh_movements(session, GoldenChanges("online", model_version, utc_now(), frozenset(), {},
                                                     frozenset(), frozenset(), (), one), configured_match_settings())
            seconds.append(time.perf_counter() - started)
    seconds.sort()
    print(f"one golden record refreshed: p50 {seconds[len(seconds) // 2] * 1000:.1f} ms  "
          f"p95 {seconds[int(len(seconds) * 0.95)] * 1000:.1f} ms  ({len(seconds)} samples)")


def run(records: int, seed: int, database_url: str | None, workers: int, movement_traps: bool = False) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench_movements_"))
    url = database_url or f"sqlite:///{folder / 'movements.sqlite3'}"
    started = time.perf_counter()
    feed, entity_of_record = folder / "feed.jsonl", {}
    with feed.open("wb") as out:
        for generated in generate(records, seed, movement_traps):
            out.write(orjson.dumps(generated.record) + b"\n")
            key = (str(generated.record["source_system"]), str(generated.record["source_record_id"]))
            entity_of_record[key] = generated.entity_id
    truth = true_stints(iter_stints(records, seed, movement_traps))
    print(f"generated {records:,} records, {len(truth):,} true stints in {time.perf_counter() - started:.1f} s")

    engine = make_engine(url)
    upgrade_database(engine)
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    with transaction(sessions) as session:
        # The reference file's rows, as `python -m mdm import-points-of-sale` reads them.
        import_points_of_sale(session, ({"code": p.code, "network": p.network, "city": p.city, "name": p.name,
                                         **({"closed_on": p.closed_on.isoformat(), "successor": p.successor or ""}
                                            if p.closed_on else {})}
                                        for p in list_points_of_sale(records, seed, movement_traps)), utc_now())
    loaded = load_file(sessions, feed, DEFAULT_SOURCE_SYSTEMS, lambda *_: None)
    print(f"loaded {loaded.stored:,} records in {time.perf_counter() - started:.1f} s")
    summary = resolve_all(sessions, workers=workers)
    print(f"resolved into {summary.golden_records:,} golden records in {summary.seconds:.1f} s (movements included)")

    with transaction(sessions) as session:
        golden_ids = frozenset(session.scalars(select(GoldenRecord.id).where(GoldenRecord.status == ACTIVE)))
        session.execute(delete(PointOfSaleStint))
        started = time.perf_counter()
        moves = refresh_movements(session, GoldenChanges(
            "resolution", summary.model_version, utc_now(), golden_ids, {}, frozenset(), frozenset(), (), golden_ids),
            configured_match_settings())
        rebuilt = time.perf_counter() - started
    print(f"movement history of {len(golden_ids):,} golden records rebuilt in {rebuilt:.1f} s "
          f"({len(moves):,} movements)")
    time_one_at_a_time(sessions, sorted(golden_ids), summary.model_version)

    with sessions() as session:
        golden_of = {(system, record_id): golden for system, record_id, golden in current_links(session)}
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for key, golden in golden_of.items():
            votes[golden][entity_of_record[key]] += 1
        entity_of_golden = {golden: counts.most_common(1)[0][0] for golden, counts in votes.items()}
        detected = [Found(entity_of_golden[golden], s.network, s.point_of_sale, s.from_point_of_sale, s.start_date,
                          s.reason) for golden, s in stint_rows(session)]
    report_movements(truth, detected)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--workers", type=int, default=2, help="processes that standardise records")
    parser.add_argument("--movement-traps", action="store_true", help="the synthetic feed's harder variant")
    args = parser.parse_args()
    run(args.records, args.seed, args.database_url, args.workers, args.movement_traps)


if __name__ == "__main__":
    main()
