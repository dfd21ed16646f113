"""The labelled feeds other than ours: one seed, one feed; the command line writes it with its truth aligned."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson
import pytest

from benchmarks import abroad, register
from benchmarks.noise import Record

Generate = Callable[[int, int], tuple[list[Record], list[str]]]
Main = Callable[[Sequence[str] | None], int]
FEEDS = [pytest.param(register.generate_register, register.main, id="register"),
         pytest.param(abroad.generate_abroad, abroad.main, id="abroad")]


@pytest.mark.parametrize(("generate", "main"), FEEDS)
def test_same_seed_gives_same_records_and_another_seed_does_not(generate: Generate, main: Main) -> None:
    assert generate(400, 3) == generate(400, 3)
    assert generate(400, 3)[0] != generate(400, 4)[0]


@pytest.mark.parametrize(("generate", "main"), FEEDS)
def test_command_line_writes_records_and_aligned_truth(generate: Generate, main: Main, tmp_path: Path) -> None:
    out, truth = tmp_path / "feed.jsonl.gz", tmp_path / "truth.csv"
    assert main(["--records", "200", "--seed", "2", "--out", str(out), "--truth", str(truth)]) == 0
    with gzip.open(out) as lines:
        records = [orjson.loads(line) for line in lines]
    with truth.open(newline="", encoding="utf-8") as handle:
        rows = [(row["source_system"], row["source_record_id"], row["entity_id"]) for row in csv.DictReader(handle)]
    expected, entities = generate(200, 2)
    assert records == expected
    assert rows == [(r["source_system"], r["source_record_id"], e) for r, e in zip(expected, entities, strict=True)]
    assert len({(r["source_system"], r["source_record_id"]) for r in records}) == 200
