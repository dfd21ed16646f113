"""Where a full run's time goes: each step's wall seconds and the processor seconds of each process that worked.

    MDM_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m benchmarks.bench_resolve_steps --template loaded1m

Copies a PostgreSQL database that holds loaded records (`mdm load FEED --no-resolve`) with `CREATE DATABASE …
TEMPLATE`, migrates the copy, runs `resolve --full` on it in this process, drops it, and prints a row per step of
the run's summary (the steps of "read and match" apart):
- wall seconds;
- processor seconds of the run's main process (its threads included), of its worker processes (standardisation,
  comparison, survivorship, the index rows) and of PostgreSQL's processes;
- the processor seconds left idle on the machine, which tell how much a step could still gain by sharing its work;
- the main process's peak resident memory during the step (sampled every 50 ms; the run's exact peak is printed
  after the table).

Everything is a CPU-bound step on 2 cores, so the columns add up: a step of 10 s has 20 processor seconds to share.
Reads Linux's /proc. Run nothing else meanwhile: every PostgreSQL process counts, whatever database it serves.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_ingest import fresh_database
from benchmarks.processor_time import busy_seconds, children_and_database_seconds
from mdm.db import make_engine, make_session_factory, upgrade_database
from mdm.resolution import ResolutionSummary, resolve_all

_RSS_EVERY = 0.05  # seconds between two readings of the main process's memory
_SCAN_EVERY = 5  # memory readings between two scans of every process (a scan costs ~2 ms of this process's time)


@dataclass(frozen=True, slots=True)
class Sample:
    """Cumulative processor seconds at one moment, and the main process's resident memory then (MiB)."""

    at: float
    main: float
    workers: float
    database: float
    busy: float
    rss: float


@dataclass(frozen=True, slots=True)
class StepCost:
    step: str
    wall: float
    main: float
    workers: float
    database: float
    idle: float
    peak_rss: float


def _rss_mib() -> float:
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _processor_times() -> tuple[float, float, float]:
    """Processor seconds so far of this process, of its workers (reaped or not) and of PostgreSQL's processes."""
    main = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers, database = children_and_database_seconds(os.getpid())
    return main.ru_utime + main.ru_stime, reaped.ru_utime + reaped.ru_stime + workers, database


class Sampler:
    """Reads the processor times every few tenths of a second, and the main process's memory more often, in a
    thread of its own, until stopped."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self._rss: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cost-sampler", daemon=True)

    def _sample(self) -> None:
        main, workers, database = _processor_times()
        self.samples.append(Sample(time.perf_counter(), main, workers, database, busy_seconds(), _rss_mib()))

    def _run(self) -> None:
        readings = 0
        while not self._stop.wait(_RSS_EVERY):
            readings += 1
            if readings % _SCAN_EVERY == 0:
                self._sample()
            else:
                self._rss.append((time.perf_counter(), _rss_mib()))

    def __enter__(self) -> Sampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def peak_rss(self, start: float, end: float) -> float:
        within = [rss for at, rss in self._rss if start <= at <= end]
        within += [sample.rss for sample in self.samples if start <= sample.at <= end]
        return max(within, default=0.0)


def _at(samples: Sequence[Sample], moment: float) -> tuple[float, float, float, float]:
    """The cumulative counters at a moment, interpolated between the samples around it."""
    after = next((index for index, sample in enumerate(samples) if sample.at >= moment), len(samples) - 1)
    right = samples[after]
    left = samples[max(after - 1, 0)]
    share = 0.0 if right.at == left.at else min(max((moment - left.at) / (right.at - left.at), 0.0), 1.0)

    def value(name: str) -> float:
        early: float = getattr(left, name)
        return early + share * (getattr(right, name) - early)

    return value("main"), value("workers"), value("database"), value("busy")


def step_spans(started: float, returned: float, summary: ResolutionSummary) -> Iterator[tuple[str, float, float]]:
    """(step, start, end) of each step, from the moment the run was called to the moment it returned. The summary's
    phases follow each other from the run's start (each is one lap: a step lapped twice would be one sum, with no
    place in time); the steps of "read and match" end when it ends, and what the run did before them (its workers
    forked, its model read) is a step of its own."""
    moment = started
    for phase, seconds in summary.phases.items():
        end = moment + seconds
        if phase == "read and match" and summary.match_phases:
            inner = end - sum(summary.match_phases.values())
            yield "start (workers, model)", moment, inner
            for step, step_seconds in summary.match_phases.items():
                yield step, inner, inner + step_seconds
                inner += step_seconds
        else:
            yield phase, moment, end
        moment = end
    yield "commit", moment, returned


def step_costs(spans: Sequence[tuple[str, float, float]], samples: Sequence[Sample], processors: int,
               peak_rss: dict[str, float]) -> list[StepCost]:
    """Each step's wall seconds and the processor seconds spent during it, from the sampled counters."""
    costs = []
    for step, start, end in spans:
        before, after = _at(samples, start), _at(samples, end)
        main, workers, database, busy = (late - early for early, late in zip(before, after, strict=True))
        costs.append(StepCost(step, end - start, main, workers, database, max(processors * (end - start) - busy, 0.0),
                              peak_rss.get(step, 0.0)))
    return costs


def _print(costs: Sequence[StepCost], summary: ResolutionSummary) -> None:
    print(f"{summary.records:,} records into {summary.golden_records:,} golden records, model {summary.model_version}")
    print(f"{'step':<28}{'wall s':>8}{'main':>8}{'workers':>9}{'database':>10}{'idle':>7}{'peak MiB':>10}")
    for cost in costs:
        print(f"{cost.step:<28}{cost.wall:8.1f}{cost.main:8.1f}{cost.workers:9.1f}{cost.database:10.1f}"
              f"{cost.idle:7.1f}{cost.peak_rss:10,.0f}")
    total = [sum(getattr(cost, name) for cost in costs) for name in ("wall", "main", "workers", "database", "idle")]
    widths = (8, 8, 9, 10, 7)
    print(f"{'total':<28}" + "".join(f"{value:{width}.1f}" for value, width in zip(total, widths, strict=True)))
    print(f"peak RSS of the run (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", required=True, help="PostgreSQL database holding the loaded records")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with fresh_database("postgresql", Path(tempfile.gettempdir()), template=args.template) as url:
        engine = make_engine(url)
        upgrade_database(engine)  # as every command does: the copy gets this code's schema
        try:
            with Sampler() as sampler:
                started = time.perf_counter()
                summary = resolve_all(make_session_factory(engine), workers=args.workers)
                returned = time.perf_counter()
        finally:
            engine.dispose()
    spans = list(step_spans(started, returned, summary))
    peaks = {step: sampler.peak_rss(start, end) for step, start, end in spans}
    _print(step_costs(spans, sampler.samples, os.cpu_count() or 1, peaks), summary)


if __name__ == "__main__":
    main()
