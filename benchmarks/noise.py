"""Errors that clerks, scanners and exports put into labelled feeds, and the writing of a labelled feed to disk.

Every function takes the generator's own `random.Random`, so a seed still gives the same feed."""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from benchmarks.synthetic import open_output

# What optical character recognition of old registers reads for a letter group, and the reverse.
OCR_CONFUSIONS = (("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("li", "h"), ("h", "li"), ("l", "1"),
                  ("I", "l"), ("O", "0"), ("o", "0"), ("e", "c"), ("c", "e"), ("u", "n"), ("n", "u"), ("S", "5"),
                  ("B", "8"), ("a", "o"), ("vv", "w"), ("w", "vv"), ("f", "t"))
KEYBOARD_LETTERS = "abcdefghijklmnoprstuvz"

Record = dict[str, object]


def misspell(rng: random.Random, text: str) -> str:
    """One keyboard edit away from the letter after the first: dropped, doubled, swapped or replaced."""
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.randrange(4)
    if op == 0:
        return text[:i] + text[i + 1:]
    if op == 1:
        return text[:i] + text[i] + text[i:]
    if op == 2:
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
    letter = rng.choice(KEYBOARD_LETTERS)
    return text[:i] + (letter.upper() if text[i].isupper() else letter) + text[i + 1:]


def misread(rng: random.Random, text: str) -> str:
    """One OCR confusion that applies to the text (rn/m, cl/d, l/1, O/0, …); a keyboard edit where none does."""
    found = [(source, target) for source, target in OCR_CONFUSIONS if source in text]
    if not found:
        return misspell(rng, text)
    source, target = rng.choice(found)
    starts = [i for i in range(len(text)) if text.startswith(source, i)]
    i = rng.choice(starts)
    return text[:i] + target + text[i + len(source):]


@dataclass(frozen=True, slots=True)
class BirthDate:
    year: int
    month: int
    day: int


def distort_date(rng: random.Random, birth: BirthDate, year_shift: float, day_month_swap: float,
                 day_typo: float) -> BirthDate:
    """The date as another record has it: year one or two off (age given instead of a date, or misread), day
    and month swapped (a day of 12 or less read in the other order), or a wrong day."""
    u = rng.random()
    if u < year_shift:
        return BirthDate(birth.year + rng.choice((-2, -1, -1, 1, 1, 2)), birth.month, birth.day)
    u -= year_shift
    if u < day_month_swap and birth.day <= 12 and birth.day != birth.month:
        return BirthDate(birth.year, birth.day, birth.month)
    u -= day_month_swap
    if u < day_typo:
        return BirthDate(birth.year, birth.month, min(28, max(1, birth.day + rng.choice((-10, -1, 1, 10)))))
    return birth


def write_labelled(records: Sequence[Record], entities: Sequence[str], out: Path, truth: Path | None) -> None:
    """Records as JSON lines (gzip for .gz, same bytes for the same records) and the truth as
    source_system,source_record_id,entity_id in the same order."""
    with open_output(out) as handle:
        handle.write(b"".join(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE) for record in records))
    if truth is None:
        return
    with truth.open("w", newline="", encoding="utf-8") as source:
        writer = csv.writer(source, lineterminator="\n")
        writer.writerow(("source_system", "source_record_id", "entity_id"))
        writer.writerows((record["source_system"], record["source_record_id"], entity)
                         for record, entity in zip(records, entities, strict=True))


def labelled_feed_main(argv: Sequence[str] | None, prog: str, description: str, default_records: int,
                       generate: Callable[[int, int], tuple[list[Record], list[str]]]) -> int:
    """The command line every labelled-feed generator shares: --records, --seed, --out, --truth."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--records", type=int, default=default_records, help="number of records to generate")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    parser.add_argument("--out", type=Path, required=True, help="records file, .jsonl or .jsonl.gz")
    parser.add_argument("--truth", type=Path, help="CSV source_system,source_record_id,entity_id")
    args = parser.parse_args(argv)
    if args.records < 0:
        parser.error("--records must be >= 0")
    records, entities = generate(args.records, args.seed)
    write_labelled(records, entities, args.out, args.truth)
    print(f"records: {len(records)}  entities: {len(set(entities))}")
    return 0
