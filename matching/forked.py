"""Work on large arrays split over forked processes, which inherit their inputs instead of receiving them pickled.

A batch's feature table and candidate pairs are hundreds of megabytes at a million records: pickling them to each
worker would cost more than the work. A forked worker sees them as they were at the fork, copy-on-write, and
only its part of the result travels back.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

# What the next forked workers inherit: the function and its inputs. Set only for the length of one split.
_inherited: tuple[Callable[..., Any], tuple[Any, ...]] | None = None


def _run_part(bounds: tuple[int, int]) -> Any:
    assert _inherited is not None
    function, inputs = _inherited
    return function(*inputs, *bounds)


def split_over_processes(function: Callable[..., T], inputs: tuple[Any, ...], total: int, workers: int,
                         minimum: int) -> Sequence[T]:
    """``function(*inputs, start, stop)`` over consecutive parts of ``range(total)``, one part per worker, results
    in order. Below ``minimum`` items (or with one worker) it runs here in one part: a fork costs more than a
    small job."""
    if workers <= 1 or total < minimum:
        return [function(*inputs, 0, total)]
    global _inherited
    _inherited = (function, inputs)
    try:
        step = -(-total // workers)
        bounds = [(start, min(start + step, total)) for start in range(0, total, step)]
        with multiprocessing.get_context("fork").Pool(len(bounds)) as pool:
            return pool.map(_run_part, bounds)
    finally:
        _inherited = None
