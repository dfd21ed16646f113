"""Giving the memory a process has freed back to the system."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache
from typing import Any


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
