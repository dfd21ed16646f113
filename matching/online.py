"""The online path: one new record scored against an index of the records already known.

The index keeps each known record's feature values and its blocking keys; a new record is compared only with
the records sharing a key, through the same comparisons and model as the batch path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from matching.blocking import record_keys
from matching.features import FeatureColumns, FeatureTable, build_features, extract_columns
from matching.model import MatchModel, ScoredPairs, score_pairs
from matching.standardise import standardise_record


@dataclass(frozen=True, slots=True)
class OnlineScores:
    """``candidates`` are index positions; ``scored`` pairs are (0 = the new record, k = candidate k - 1)."""

    candidates: list[int]
    features: FeatureTable
    scored: ScoredPairs


class RecordIndex:
    """Known records, addressable by position, with their blocking keys."""

    def __init__(self, model: MatchModel) -> None:
        self.model = model
        self.columns = FeatureColumns()
        self.positions_by_key: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.columns)

    def _values(self, columns: FeatureColumns, position: int) -> dict[str, str | None]:
        blanked = self.model.overused
        return {
            name: None if (name, column[position]) in blanked else column[position]
            for name, column in columns.values.items()
        }

    def add(self, columns: FeatureColumns) -> None:
        """Index records (their feature columns, e.g. from ``standardise_columns`` with the model's extra fields)."""
        start = len(self.columns)
        for offset in range(len(columns)):
            values = self._values(columns, offset)
            for key in record_keys(columns.party[offset], values, self.model.settings.blocking_rules):
                self.positions_by_key.setdefault(key, []).append(start + offset)
        self.columns.extend(columns)

    def candidates(self, columns: FeatureColumns) -> list[int]:
        """Positions sharing a blocking key with the single record of ``columns`` (oversized blocks skipped)."""
        found: set[int] = set()
        rules = self.model.settings.blocking_rules
        for key, cap in record_keys(columns.party[0], self._values(columns, 0), rules).items():
            positions = self.positions_by_key.get(key, ())
            if len(positions) < cap:
                found.update(positions)
        return sorted(found)

    def score(self, raw: Mapping[str, object]) -> OnlineScores:
        """Standardise one raw record and score it against its candidates."""
        extra_fields = self.model.settings.extra_fields
        new = extract_columns([standardise_record(raw, extra_fields=extra_fields)], extra_fields)
        candidates = self.candidates(new)
        table = FeatureColumns(
            party=new.party + [self.columns.party[p] for p in candidates],
            values={name: new.values[name] + [self.columns.values[name][p] for p in candidates]
                    for name in new.values},
            findings=new.findings + [self.columns.findings[p] for p in candidates],
        )
        features = build_features(table, overused=self.model.overused)
        pairs = np.array([[0, k] for k in range(1, len(candidates) + 1)], dtype=np.int64).reshape(-1, 2)
        return OnlineScores(candidates, features, score_pairs(self.model, features, pairs))
