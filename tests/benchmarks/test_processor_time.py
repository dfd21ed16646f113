"""The processor seconds benchmarks read from /proc: a child's work is counted while it runs."""

from __future__ import annotations

import os
import subprocess
import sys

from benchmarks.processor_time import busy_seconds, children_and_database_seconds

# Burns half a second of processor time, says so, then waits for its standard input to close.
_BUSY_CHILD = ("import sys, time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass\n"
               "print('burnt', flush=True)\nsys.stdin.read()")
# /proc counts in clock ticks and rounds down: half a second burnt may read 0.49.
_TICK_SLACK = 0.1


def _children_seconds() -> float:
    return children_and_database_seconds(os.getpid())[0]


def test_a_running_child_s_processor_seconds_are_counted_and_the_machine_was_busy() -> None:
    others, busy_before = _children_seconds(), busy_seconds()  # any other live child of this process
    child = subprocess.Popen([sys.executable, "-c", _BUSY_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "burnt\n"
        counted = _children_seconds() - others
    finally:
        child.communicate("")
    assert 0.5 - _TICK_SLACK <= counted < 5
    assert busy_seconds() - busy_before >= 0.5 - _TICK_SLACK
    # Once reaped, it is no longer a live child: the kernel's accounting of reaped children has it.
    assert _children_seconds() - others < 0.5 - _TICK_SLACK
