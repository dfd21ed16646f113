"""A resolution's records are found by id, with the golden record each joined, without a dict per record."""

from __future__ import annotations

import pytest

from mdm.resolved_records import ResolvedRecords


def test_each_record_is_found_at_its_position_with_the_golden_record_it_joined() -> None:
    records = ResolvedRecords([3, 8, 15, 42, 99], {"GC-A": [0, 3], "GC-B": [1, 2, 4]})
    assert [records.position(record_id) for record_id in (3, 8, 15, 42, 99)] == [0, 1, 2, 3, 4]
    assert [records.golden_of(record_id) for record_id in (3, 8, 15, 42, 99)] == [
        "GC-A", "GC-B", "GC-B", "GC-A", "GC-B"]
    # Records the resolution does not hold: before the first, between two, after the last.
    assert [records.position(record_id) for record_id in (1, 9, 100)] == [None, None, None]
    assert records.golden_of(9) is None
    assert ResolvedRecords([], {}).golden_of(3) is None


def test_record_ids_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="ascending"):
        ResolvedRecords([3, 15, 8], {})
    with pytest.raises(ValueError, match="ascending"):
        ResolvedRecords([3, 3], {})
