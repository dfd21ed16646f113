"""Rows of bulk writes rendered as COPY text by a forked process, while the process that writes them goes on.

A full run rebuilds its blocking and search indexes (millions of rows at a million records) in a thread beside the
match. Making those rows and their COPY text is Python work, and a thread of the run's process shares one
interpreter lock with the match: the two took turns on one core while the other core waited. A forked process
inherits the features at no cost and renders the rows on that other core; only the text travels back, through a
pipe, to the thread that sends it to the database in the run's transaction.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any

from mdm.db import copy_text

Blocks = Callable[[], Iterable[Sequence[Sequence[Any]]]]
"""What makes one table's rows, block by block, each block column by column."""

_END_OF_TABLE = b""


def _render(tables: Sequence[Blocks], pipe: Connection) -> None:
    for blocks in tables:
        for block in blocks():
            if block and len(block[0]):  # an empty block's text would read as the end of the table
                pipe.send_bytes(copy_text(block).encode())
        pipe.send_bytes(_END_OF_TABLE)
    pipe.close()


class RenderedRows:
    """The rows of these tables, in order, rendered by a process forked now: read each table's text in turn with
    ``next_table``, and ``close`` when done (or given up: the process is stopped)."""

    def __init__(self, tables: Sequence[Blocks]) -> None:
        self._pipe, sending = multiprocessing.Pipe(duplex=False)
        # Forked, not spawned: the process inherits the features its tables are made of, copy-on-write. It touches
        # nothing else of its parent's (its database connection least of all) and ends without cleaning up.
        self._process = multiprocessing.get_context("fork").Process(
            target=_render, args=(tables, sending), name="rendered-rows", daemon=True)
        self._process.start()
        sending.close()  # the child's end: a child that dies closes the pipe, and reading it then fails

    def next_table(self) -> Iterator[bytes]:
        """The next table's rows as COPY text, block by block."""
        while True:
            try:
                text = self._pipe.recv_bytes()
            except EOFError:
                raise RuntimeError(f"the process rendering rows ended early (exit code {self._process.exitcode})"
                                   ) from None
            if text == _END_OF_TABLE:
                return
            yield text

    def close(self) -> None:
        self._pipe.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
