"""The hub's batch pipeline next to Splink 5 (DuckDB backend) on the same synthetic Moroccan feed, in one run.

    python3 -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install -r requirements-bench.txt
    /tmp/peers-venv/bin/python -m benchmarks.compare_peers --records 50000 [--seed 11]

Splink is a benchmark-only dependency (requirements-bench.txt): the hub never imports it.

Both tools see the same records and neither uses a label: the hub trains its model by EM as in production;
Splink follows its documented recipe, one linker per party type: the prior from deterministic rules, u by
random sampling, m by EM over two blocking rules, then predict and connected components at the hub's match
threshold. Splink reads the hub's standardised values (`standardise_record`: upper-case ASCII names, E.164
phones split into mobiles and landlines, ISO birth dates, compact ids, ICE, court-qualified RC number, company
names without legal form) with rule-detected placeholders already blanked; it does not get the hub's phonetic
name keys nor its frequency-based placeholder detection, which are part of the hub's matching itself.
Splink's time includes that standardisation, as the hub's does; DuckDB uses every core, the hub one process.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from benchmarks.bench_matching import PARTY_NAMES, report
from benchmarks.synthetic import generate
from matching.evaluate import Evaluation, evaluate_clusters
from matching.features import ORGANIZATION, PERSON
from matching.pipeline import resolve_batch
from matching.settings import shipped_settings
from matching.standardise import StandardisedRecord, standardise_record

MATCH_PROBABILITY = shipped_settings().match_probability

if TYPE_CHECKING:
    from splink.internals.blocking_rule_creator import BlockingRuleCreator

Row = dict[str, Any]
BIRTH_YEAR = "substr(birth_date, 1, 4)"
# Random pairs for u: Splink's documentation calls 1e7 "often adequate"; 1e8 moves F1 by under 0.001 here
# and makes Splink's run several times longer.
U_MAX_PAIRS = 1e7


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


def run_splink(records: Sequence[Mapping[str, object]], seed: int) -> tuple[dict[int, str], npt.NDArray[np.int8]]:
    """Splink's clusters (record position -> cluster id) and the party type of each record."""
    standardised = [standardise_record(record) for record in records]
    party = np.array([ORGANIZATION if r.party_type == "organization" else PERSON for r in standardised],
                     dtype=np.int8)
    persons = [person_row(i, r) for i, r in enumerate(standardised) if party[i] == PERSON]
    organisations = [organisation_row(i, r) for i, r in enumerate(standardised) if party[i] == ORGANIZATION]
    cluster = cluster_with_splink(persons, PERSONS, seed)
    cluster.update(cluster_with_splink(organisations, ORGANISATIONS, seed))
    return cluster, party


def evaluate_parties(cluster: Mapping[int, object], party: npt.NDArray[np.int8],
                     entities: Sequence[str]) -> dict[int, Evaluation]:
    return {
        code: evaluate_clusters({i: cluster[i] for i in positions}, {i: entities[i] for i in positions})
        for code in PARTY_NAMES
        if (positions := np.flatnonzero(party == code).tolist())
    }


def print_table(count: int, seed: int, results: Sequence[tuple[str, dict[int, Evaluation], float]]) -> None:
    print(f"\n{count:,} synthetic records (seed {seed}); clusters at match probability {MATCH_PROBABILITY};"
          " pairwise precision / recall / F1")
    header = "".join(f"  {PARTY_NAMES[code] + ' P / R / F1':<26}" for code in PARTY_NAMES)
    print(f"{'tool':<8}{header}  {'seconds':>8}")
    for tool, scores, seconds in results:
        cells = "".join(
            f"  {f'{s.pairwise.precision:.4f} / {s.pairwise.recall:.4f} / {s.pairwise.f1:.4f}':<26}"
            for s in (scores[code] for code in PARTY_NAMES)
        )
        print(f"{tool:<8}{cells}  {seconds:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000, help="records of the synthetic feed")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    records, entities = [], []
    for generated in generate(args.records, args.seed):
        records.append(generated.record)
        entities.append(generated.entity_id)

    started = time.perf_counter()
    resolution = resolve_batch(records)
    hub_seconds = time.perf_counter() - started
    report(f"Hub (seed {args.seed})", resolution, entities, hub_seconds)
    hub_cluster = dict(enumerate(resolution.cluster.tolist()))

    started = time.perf_counter()
    splink_cluster, party = run_splink(records, args.seed)
    splink_seconds = time.perf_counter() - started

    print_table(args.records, args.seed, [
        ("hub", evaluate_parties(hub_cluster, resolution.features.party, entities), hub_seconds),
        ("splink", evaluate_parties(splink_cluster, party, entities), splink_seconds),
    ])


if __name__ == "__main__":
    main()
