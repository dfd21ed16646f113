"""How a batch process manages its heap: the garbage collector's pace, and the memory freed given back."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

# Allocations between two collections of the garbage collector's youngest generation during a batch (700 by
# default).
BATCH_YOUNG_COLLECTION_EVERY = 70_000


@contextmanager
def batch_collection_pace() -> Iterator[None]:
    """The garbage collector's pace for a batch (a load, a full run), which keeps hundreds of thousands of objects
    alive for a while and allocates millions more. The objects alive when it starts (modules, the engine, the
    configuration) are frozen out of the full passes, and the youngest generation is collected a hundred times less
    often: at the default pace each collection walked the batch's live objects again (a full run spent 8 % of its
    time there, a load's journal tally two thirds of its own). Processes forked meanwhile inherit the pace."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(BATCH_YOUNG_COLLECTION_EVERY, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@cache
def _malloc_trim() -> Callable[[int], Any] | None:
    library = ctypes.util.find_library("c")
    # glibc's; other C libraries have none, and give their free pages back themselves or keep them.
    return getattr(ctypes.CDLL(library), "malloc_trim", None) if library else None


def release_freed_memory() -> None:
    """Return the C allocator's free pages to the system. glibc keeps the pages of freed small objects in its heap:
    after a full run's match, half a gigabyte of its temporaries would otherwise stay resident in the process
    through every later step, and in every process forked from it."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
