"""The records of one resolution by position, and the golden record each joined, without a dict per record: a full
run's million records would take ~100 MB for each such dict, held at the run's peak of memory."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from itertools import pairwise


class ResolvedRecords:
    """``record_ids``: the resolution's records in ascending id order (each one's position is its place in the
    resolution's features); ``assignment``: the positions each golden record holds."""

    def __init__(self, record_ids: Sequence[int], assignment: Mapping[str, Sequence[int]]) -> None:
        if any(earlier >= later for earlier, later in pairwise(record_ids)):
            raise ValueError("a resolution's record ids come in ascending order")
        self.record_ids = record_ids
        golden_at: list[str | None] = [None] * len(record_ids)
        for golden_id, members in assignment.items():
            for position in members:
                golden_at[position] = golden_id
        self._golden_at = golden_at

    def position(self, record_id: int) -> int | None:
        """Where the record sits, None when the resolution does not hold it."""
        index = bisect_left(self.record_ids, record_id)
        return index if index < len(self.record_ids) and self.record_ids[index] == record_id else None

    def golden_of(self, record_id: int) -> str | None:
        position = self.position(record_id)
        return None if position is None else self._golden_at[position]
