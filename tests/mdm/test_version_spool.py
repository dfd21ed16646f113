"""The spool gives back each version a full run read, by its position, exactly as it was appended."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

import orjson

from mdm.version_spool import VersionSpool, read_spooled


def test_versions_come_back_by_position_with_their_provenance_and_payload_intact() -> None:
    casablanca = timezone(timedelta(hours=1))
    appended = [
        ("AGENT", f"A-{index}", index % 3 + 1, datetime(2026, 1, 1, 8, index % 60, tzinfo=UTC),
         "AGENT" if index % 2 else "WEB", f"PV{index}" if index % 5 else None,
         datetime(2025, 6, 1, tzinfo=casablanca), datetime(2026, 2, 1, 12, 30, 15, 250, tzinfo=UTC),
         orjson.dumps({"last_name": "ÉL AMRANI\nبن", "index": index, "note": "x" * (index * 7_000)}).decode())
        for index in range(400)]  # some entries far larger than what is gathered before a write
    with VersionSpool() as spool:
        for version in appended:
            spool.append(*version)
        assert len(spool) == 400
        wanted = [399, 0, 17, 17, 250]
        read = list(read_spooled(spool.path, spool.spans(wanted)))
        for position, version in zip(wanted, read, strict=True):
            *provenance, payload = version
            assert tuple(provenance) == appended[position][:8]
            assert orjson.loads(payload) == orjson.loads(appended[position][8])
        assert list(read_spooled(spool.path, spool.spans([]))) == []
        path = spool.path
    assert not os.path.exists(path)  # nothing of the clients' data stays behind on disk


def _entry(index: int) -> tuple[str, str, int, datetime, str, str | None, datetime, datetime, str]:
    moment = datetime(2026, 3, 1, 9, index % 60, tzinfo=UTC)
    return ("WEB", f"W-{index}", 1, moment, "WEB", None, moment, moment, orjson.dumps({"index": index}).decode())


def test_a_reader_sees_entries_appended_after_its_last_read_and_each_spool_its_own() -> None:
    with VersionSpool() as first, VersionSpool() as second:
        for index in range(3):
            first.append(*_entry(index))
            second.append(*_entry(100 + index))
        assert [orjson.loads(entry[8])["index"] for entry in read_spooled(first.path, first.spans([2, 0]))] == [2, 0]
        for index in range(3, 5000):  # the file grows well past what was read from it before
            first.append(*_entry(index))
        assert [orjson.loads(entry[8])["index"] for entry in read_spooled(first.path, first.spans([4999, 1]))] == [
            4999, 1]
        assert [orjson.loads(entry[8])["index"] for entry in read_spooled(second.path, second.spans([1]))] == [101]
        assert [orjson.loads(entry[8])["index"] for entry in read_spooled(first.path, first.spans([3]))] == [3]


def test_reading_one_spool_does_not_cut_short_a_read_of_another_under_way() -> None:
    with VersionSpool() as first, VersionSpool() as second:
        for index in range(3):
            first.append(*_entry(index))
            second.append(*_entry(100 + index))
        under_way = read_spooled(first.path, first.spans([0, 1, 2]))
        assert orjson.loads(next(under_way)[8])["index"] == 0
        assert [orjson.loads(entry[8])["index"] for entry in read_spooled(second.path, second.spans([2]))] == [102]
        assert [orjson.loads(entry[8])["index"] for entry in under_way] == [1, 2]
