"""Processor seconds of the processes a benchmark runs, read from Linux's /proc: its own children's, PostgreSQL's,
and the whole machine's, so that a benchmark on a shared machine can tell its own work from the rest."""

from __future__ import annotations

import os

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[str, int, float, float] | None:
    """(command name, parent pid, own processor seconds, processor seconds of its reaped children)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            line = file.read()
    except OSError:  # gone meanwhile
        return None
    name, rest = line[line.index("(") + 1:line.rindex(")")], line[line.rindex(")") + 2:].split()
    return (name, int(rest[1]), (int(rest[11]) + int(rest[12])) / _TICKS, (int(rest[13]) + int(rest[14])) / _TICKS)


def busy_seconds() -> float:
    """Processor seconds the whole machine spent not idle since it started."""
    with open("/proc/stat") as file:
        ticks = [int(value) for value in file.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICKS


def children_and_database_seconds(parent: int) -> tuple[float, float]:
    """Processor seconds so far of the live children of ``parent``, and of PostgreSQL's processes (those gone
    included: the postmaster counts the children it reaped). Every PostgreSQL process counts, whatever database it
    serves: run nothing else meanwhile."""
    children = 0.0
    postgres: dict[int, tuple[int, float, float]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or (stat := _stat(pid)) is None:
            continue
        name, parent_pid, own, reaped = stat
        if parent_pid == parent:
            children += own
        elif name.startswith("postgres"):
            postgres[int(pid)] = (parent_pid, own, reaped)
    database = sum(own + (reaped if parent_pid not in postgres else 0.0)  # the postmaster's reaped backends
                   for parent_pid, own, reaped in postgres.values())
    return children, database
