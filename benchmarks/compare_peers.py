"""The hub's whole batch pipeline next to Splink 5 (DuckDB backend) on the same synthetic Moroccan feed, in one run.

    python3 -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install -r requirements-bench.txt
    /tmp/peers-venv/bin/python -m benchmarks.compare_peers --records 50000 [--seed 11] [--folder DIR]

Splink is a benchmark-only dependency (requirements-bench.txt): the hub never imports it.

The feed is written once as .jsonl.gz (`benchmarks.synthetic`, kept in --folder for the next run) and both tools
start from that file, each in processes of its own, one after the other, so that every peak RSS is the kernel's
accounting of one tool's process (wait4) and the two never share the machine:

- the hub: `load --no-resolve` then `resolve --full` (trains the model by EM, writes golden records and links,
  survivorship, movements, audit trail, events, blocking and search indexes) in a fresh PostgreSQL database
  (MDM_BENCH_POSTGRES_URL), migrated beforehand; its seconds are those two commands', its peak RSS the larger of
  theirs, its scores those of the links it stored (as `evaluate --truth` computes them);
- Splink: one process reads the file, standardises the records and clusters them, then writes the clusters; its
  seconds are that process's, from the file to the clusters.

Neither uses a label. Splink follows its documented recipe, one linker per party type: the prior from
deterministic rules, u by random sampling, m by EM over two blocking rules, then predict and connected components
at the hub's match threshold. Splink reads the hub's standardised values (`standardise_record`: upper-case ASCII
names, E.164 phones split into mobiles and landlines, ISO birth dates, compact ids, ICE, court-qualified RC number,
company names without legal form) with rule-detected placeholders already blanked; it does not get the hub's
phonetic name keys nor its frequency-based placeholder detection, which are part of the hub's matching itself.
Splink's time includes that standardisation, as the hub's does; DuckDB uses every core, the hub worker processes
where it standardises and in survivorship. Both are scored over the same records: those the hub stored (it rejects
invalid lines).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from benchmarks.bench_ingest import PYTHON, fresh_database, run_measured
from benchmarks.bench_resolve import synthetic_feed
from matching.evaluate import Evaluation, evaluate_clusters
from matching.settings import shipped_settings
from matching.standardise import StandardisedRecord, standardise_record
from mdm.db import make_engine, make_session_factory
from mdm.link_quality import RecordKey, evaluate_links, read_truth
from mdm.resolution import current_links

MATCH_PROBABILITY = shipped_settings().match_probability

if TYPE_CHECKING:
    from splink.internals.blocking_rule_creator import BlockingRuleCreator

Row = dict[str, Any]
BIRTH_YEAR = "substr(birth_date, 1, 4)"
# Random pairs for u: Splink's documentation calls 1e7 "often adequate"; 1e8 moves F1 by under 0.001 here
# and makes Splink's run several times longer.
U_MAX_PAIRS = 1e7
STEP = "step: "  # how the Splink side's process marks its timings among Splink's own messages


@dataclass(frozen=True, slots=True)
class PartySetup:
    """One Splink linker: its settings and the rules its training recipe uses."""

    settings: SettingsCreator
    deterministic_rules: tuple[BlockingRuleCreator, ...]
    # A priori share of the true pairs that the deterministic rules find (not tuned on the truth).
    deterministic_recall: float
    em_rules: tuple[BlockingRuleCreator, ...]


PERSONS = PartySetup(
    settings=SettingsCreator(
        link_type="dedupe_only",
        # The hub's kinds of person blocking keys: ids, contacts, name with birth date or city (plain names
        # here, where the hub uses phonetic keys).
        blocking_rules_to_generate_predictions=[
            block_on("national_id"),
            block_on("mobiles", arrays_to_explode=["mobiles"]),
            block_on("email"),
            block_on("full_name", BIRTH_YEAR),
            block_on("last_name", "birth_date"),
            block_on("first_name", "birth_date"),
            block_on("full_name", "city"),
        ],
        comparisons=[
            # Name words in alphabetical order: swapped and fused first/last names still agree.
            cl.NameComparison("full_name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.LevenshteinAtThresholds("national_id", 1),
            cl.ArrayIntersectAtSizes("mobiles", 1),
            # A landline is shared by a household: its own comparison lets EM weigh it apart from mobiles.
            cl.ArrayIntersectAtSizes("landlines", 1),
            # Term frequencies: an e-mail given by a whole household counts for less than a personal one.
            cl.EmailComparison("email").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address", 0.9).configure(term_frequency_adjustments=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
    ),
    deterministic_rules=(block_on("national_id", "birth_date"), block_on("full_name", "birth_date", "email")),
    deterministic_recall=0.7,
    em_rules=(block_on("full_name"), block_on("birth_date")),
)

ORGANISATIONS = PartySetup(
    settings=SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("ice"),
            block_on("rc"),
            block_on("tax_id"),
            block_on("company_name"),
            block_on("phones", arrays_to_explode=["phones"]),
            block_on("email"),
        ],
        comparisons=[
            cl.NameComparison("company_name"),
            # The whole ICE: a branch (another establishment of the same company) is another client.
            cl.ExactMatch("ice"),
            cl.ExactMatch("rc"),
            cl.ExactMatch("tax_id"),
            cl.ExactMatch("legal_form"),
            cl.ArrayIntersectAtSizes("phones", 1),
            cl.EmailComparison("email").configure(term_frequency_adjustments=True),
            # Term frequencies keep a domiciliation centre's seat address from counting as evidence.
            cl.JaroWinklerAtThresholds("address", 0.9).configure(term_frequency_adjustments=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
    ),
    deterministic_rules=(block_on("ice"), block_on("rc", "company_name")),
    deterministic_recall=0.7,
    em_rules=(block_on("company_name"), block_on("ice")),
)


def person_row(position: int, record: StandardisedRecord) -> Row:
    return {
        "unique_id": position,
        "full_name": " ".join(sorted(record.name_tokens)) or None,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "birth_date": record.birth_date.isoformat() if record.birth_date else None,
        "national_id": record.national_id,
        "mobiles": list(record.mobile_phones) or None,
        "landlines": list(record.fixed_phones) or None,
        "email": record.email,
        "address": record.address,
        "city": record.city,
    }


def organisation_row(position: int, record: StandardisedRecord) -> Row:
    return {
        "unique_id": position,
        "company_name": record.company_name,
        "ice": record.ice.number if record.ice else None,
        # An RC number is only unique within its court.
        "rc": f"{record.rc_court or '?'}|{record.rc_number}" if record.rc_number else None,
        "tax_id": record.tax_id,
        "legal_form": record.legal_form,
        "phones": list(record.mobile_phones + record.fixed_phones) or None,
        "email": record.email,
        "address": record.address,
        "city": record.city,
    }


def cluster_with_splink(rows: list[Row], setup: PartySetup, seed: int) -> dict[int, str]:
    """Train one linker on ``rows`` without labels and cluster them: unique_id -> cluster id."""
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(rows), setup.settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        list(setup.deterministic_rules), recall=setup.deterministic_recall,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
    for rule in setup.em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=MATCH_PROBABILITY)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=MATCH_PROBABILITY,
    )
    return {int(row["unique_id"]): str(row["cluster_id"]) for row in clusters.as_record_list()}


def splink_side(feed: Path, clusters_path: Path, seed: int) -> None:
    """Splink from the feed file to clusters, in this process: writes source_system,source_record_id,party_type,
    cluster_id and prints the seconds of each step."""
    started = time.perf_counter()
    keys: list[tuple[str, str, str]] = []
    persons: list[Row] = []
    organisations: list[Row] = []
    with gzip.open(feed, "rb") as lines:
        for position, line in enumerate(lines):
            record = orjson.loads(line)
            standardised = standardise_record(record)
            party = "organization" if standardised.party_type == "organization" else "person"
            keys.append((str(record["source_system"]).upper(), str(record["source_record_id"]), party))
            if party == "organization":
                organisations.append(organisation_row(position, standardised))
            else:
                persons.append(person_row(position, standardised))
    print(f"{STEP}read and standardise {len(keys):,} records {time.perf_counter() - started:.1f}s", flush=True)
    cluster: dict[int, str] = {}
    for name, rows, setup in (("persons", persons, PERSONS), ("organisations", organisations, ORGANISATIONS)):
        step = time.perf_counter()
        cluster.update(cluster_with_splink(rows, setup, seed))
        print(f"{STEP}{name} {len(rows):,} records {time.perf_counter() - step:.1f}s", flush=True)
    with clusters_path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(("source_system", "source_record_id", "party_type", "cluster_id"))
        writer.writerows((*key, cluster[position]) for position, key in enumerate(keys))


@dataclass(frozen=True, slots=True)
class Measured:
    """One tool's run: seconds per step, the peak RSS of its processes (MB) and its scores per party type."""

    seconds: dict[str, float]
    peak_rss: float
    scores: dict[str, Evaluation]
    notes: list[str]

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def run_hub(feed: Path, truth: dict[RecordKey, str], folder: Path) -> tuple[Measured, set[RecordKey]]:
    """`load --no-resolve` and `resolve --full` in a fresh PostgreSQL database; also answers the records stored."""
    with fresh_database("postgresql", folder) as url:
        env = {**os.environ, "MDM_DATABASE_URL": url}
        run_measured([PYTHON, "-m", "mdm", "migrate"], env)
        load_seconds, load_rss, load_output = run_measured(
            [PYTHON, "-m", "mdm", "load", str(feed), "--no-resolve", "--rejects", str(folder / "rejects.jsonl")],
            env)
        resolve_seconds, resolve_rss, resolve_output = run_measured([PYTHON, "-m", "mdm", "resolve", "--full"], env)
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                scores = evaluate_links(session, truth)
                stored = {(system, record_id) for system, record_id, _ in current_links(session)}
        finally:
            engine.dispose()
    notes = [line.strip() for line in load_output.splitlines() if line.startswith("read ")]
    notes += [line.strip() for line in resolve_output.strip().splitlines()[-2:]]
    return Measured({"load": load_seconds, "resolve": resolve_seconds}, max(load_rss, resolve_rss), scores,
                    notes), stored


def run_splink(feed: Path, truth: dict[RecordKey, str], stored: set[RecordKey], folder: Path,
               seed: int) -> Measured:
    """The Splink side in a process of its own, scored over the records the hub stored."""
    clusters_path = folder / "splink_clusters.csv"
    seconds, rss, output = run_measured(
        [PYTHON, "-m", "benchmarks.compare_peers", "--splink-side", str(feed), "--clusters", str(clusters_path),
         "--seed", str(seed)], dict(os.environ))
    by_party: dict[str, dict[RecordKey, str]] = {"person": {}, "organization": {}}
    with clusters_path.open(newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            key = (row["source_system"], row["source_record_id"])
            if key in stored:
                by_party[row["party_type"]][key] = row["cluster_id"]
    scores = {"all": evaluate_clusters({**by_party["person"], **by_party["organization"]}, truth)}
    scores.update({label: evaluate_clusters(predicted, truth) for label, predicted in
                   (("persons", by_party["person"]), ("organisations", by_party["organization"])) if predicted})
    steps = [line.removeprefix(STEP) for line in output.splitlines() if line.startswith(STEP)]
    return Measured({"splink": seconds}, rss, scores, steps)


def _scores(result: Measured, label: str) -> str:
    score = result.scores.get(label)
    if score is None:
        return f"{'-':<26}"
    return f"{score.pairwise.precision:.4f} / {score.pairwise.recall:.4f} / {score.pairwise.f1:.4f}"


def print_table(records: int, seed: int, hub: Measured, splink: Measured) -> None:
    persons, organisations = (hub.scores.get(label) for label in ("persons", "organisations"))
    stored = hub.scores["all"].records
    print(f"\n{records:,} synthetic records (seed {seed}), one file for both; the hub stored {stored:,} "
          f"({persons.records if persons else 0:,} persons, {organisations.records if organisations else 0:,} "
          f"organisations), both scored over those; clusters at match probability {MATCH_PROBABILITY}")
    print(f"{'':<16}{'seconds':>9}  {'peak RSS':>10}  {'persons P / R / F1':<26}  organisations P / R / F1")
    for step in ("load", "resolve"):
        print(f"{'hub ' + step:<16}{hub.seconds[step]:>9.1f}")
    for label, result in (("hub total", hub), ("splink", splink)):
        print(f"{label:<16}{result.total:>9.1f}  {result.peak_rss:>7,.0f} MB  {_scores(result, 'persons'):<26}  "
              f"{_scores(result, 'organisations')}")
    print(f"{'hub / splink':<16}{hub.total / splink.total:>8.2f}×  {hub.peak_rss / splink.peak_rss:>9.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000, help="records of the synthetic feed")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "mdm-bench",
                        help="where the feed, its truth and the clusters are kept")
    parser.add_argument("--splink-side", type=Path, metavar="FEED", help=argparse.SUPPRESS)
    parser.add_argument("--clusters", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.splink_side:  # the Splink side's own process, started by the run below
        splink_side(args.splink_side, args.clusters, args.seed)
        return

    args.folder.mkdir(parents=True, exist_ok=True)
    feed, truth_path = synthetic_feed(args.records, args.folder, args.seed)
    truth = read_truth(truth_path)
    print(f"{args.records:,} records (seed {args.seed}): {feed}", flush=True)
    hub, stored = run_hub(feed, truth, args.folder)
    print("hub:\n    " + "\n    ".join(hub.notes), flush=True)
    splink = run_splink(feed, truth, stored, args.folder, args.seed)
    print("splink:\n    " + "\n    ".join(splink.notes), flush=True)
    print_table(args.records, args.seed, hub, splink)


if __name__ == "__main__":
    main()
