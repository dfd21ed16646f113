"""The per-step cost table of a full run: steps placed in time from the run's summary, counters charged to them."""

from __future__ import annotations

import pytest

from benchmarks.bench_resolve_steps import Sample, step_costs, step_spans
from mdm.resolution import ResolutionSummary


def _summary(phases: dict[str, float], match_phases: dict[str, float]) -> ResolutionSummary:
    return ResolutionSummary(1, "fs-test", 10, 4, 4, 0, 0, 10, 0, sum(phases.values()), phases,
                             match_phases=match_phases)


def test_steps_follow_each_other_and_the_match_steps_end_with_it() -> None:
    summary = _summary({"read and match": 10.0, "golden records and links": 3.0, "statistics": 1.0},
                       {"standardise": 6.0, "block": 1.5, "score": 0.5})
    spans = list(step_spans(100.0, 115.0, summary))
    assert [step for step, _, _ in spans] == ["start (workers, model)", "standardise", "block", "score",
                                              "golden records and links", "statistics", "commit"]
    assert spans[0][1:] == (100.0, 102.0)  # what the run did before matching
    assert spans[3][1:] == (109.5, 110.0)  # the match's last step ends when "read and match" does
    assert spans[4][1:] == (110.0, 113.0)
    assert spans[-1][1:] == (114.0, 115.0)  # from the last step to the run's return: the commit


def test_counters_are_charged_to_the_step_they_moved_in() -> None:
    samples = [Sample(0.0, 0.0, 0.0, 0.0, 0.0, 100.0), Sample(10.0, 4.0, 12.0, 2.0, 19.0, 300.0),
               Sample(20.0, 14.0, 12.0, 4.0, 31.0, 200.0)]
    first, second = step_costs([("match", 0.0, 10.0), ("write", 10.0, 20.0)], samples, 2,
                               {"match": 300.0, "write": 250.0})
    assert (first.main, first.workers, first.database, first.idle) == (4.0, 12.0, 2.0, 1.0)
    assert (second.main, second.workers, second.database, second.idle) == (10.0, 0.0, 2.0, 8.0)
    assert (first.peak_rss, second.peak_rss) == (300.0, 250.0)


def test_a_step_between_samples_gets_its_share_of_the_counters() -> None:
    samples = [Sample(0.0, 0.0, 0.0, 0.0, 0.0, 0.0), Sample(4.0, 4.0, 8.0, 0.0, 8.0, 0.0)]
    (cost,) = step_costs([("features", 1.0, 2.0)], samples, 2, {})
    assert (cost.wall, cost.main, cost.workers, cost.idle) == (1.0, pytest.approx(1.0), pytest.approx(2.0), 0.0)
