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
from matching.findings import Finding
from matching.model import MatchModel, ScoredPairs, score_pairs
from matching.standardise import standardise_record
from native import Rebuilt, rebuilt


@dataclass(frozen=True, slots=True)
class OnlineScores:
    """``candidates`` are index positions; ``scored`` pairs are (0 = the new record, k = candidate k - 1)."""

    candidates: list[int]
    features: FeatureTable
    scored: ScoredPairs

    def __reduce__(self) -> Rebuilt:
        return rebuilt(self)


class RecordIndex:
    """Known records, addressable by position, with their blocking keys."""

    def __init__(self, model: MatchModel) -> None:
        self.model = model
        self.party: list[int] = []
        self.values: list[dict[str, str | None]] = []
        self.findings: list[tuple[Finding, ...]] = []
        self.positions_by_key: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.values)

    def _keys(self, party: int, values: Mapping[str, str | None]) -> dict[str, int]:
        blanked = self.model.overused
        unblanked = {name: None if (name, value) in blanked else value for name, value in values.items()}
        return record_keys(party, unblanked, self.model.settings.blocking_rules)

    def add(self, columns: FeatureColumns) -> None:
        """Index records (their feature columns, e.g. from ``standardise_columns`` with the model's extra fields)."""
        by_name = {name: columns.values(name) for name in columns.parts}
        for offset in range(len(columns)):
            values = {name: column[offset] for name, column in by_name.items()}
            for key in self._keys(columns.party[offset], values):
                self.positions_by_key.setdefault(key, []).append(len(self.values))
            self.party.append(columns.party[offset])
            self.values.append(values)
            self.findings.append(columns.findings[offset])

    def candidates(self, columns: FeatureColumns) -> list[int]:
        """Positions sharing a blocking key with the single record of ``columns`` (oversized blocks skipped)."""
        found: set[int] = set()
        values = {name: columns.values(name)[0] for name in columns.parts}
        for key, cap in self._keys(columns.party[0], values).items():
            positions = self.positions_by_key.get(key, ())
            if len(positions) < cap:
                found.update(positions)
        return sorted(found)

    def score(self, raw: Mapping[str, object]) -> OnlineScores:
        """Standardise one raw record and score it against its candidates."""
        extra_fields = self.model.settings.extra_fields
        new = extract_columns([standardise_record(raw, extra_fields=extra_fields)], extra_fields)
        candidates = self.candidates(new)
        table = FeatureColumns.of_values(
            party=new.party + [self.party[p] for p in candidates],
            values={name: new.values(name) + [self.values[p][name] for p in candidates] for name in new.parts},
            findings=new.findings + [self.findings[p] for p in candidates],
        )
        features = build_features(table, overused=self.model.overused)
        pairs = np.array([[0, k] for k in range(1, len(candidates) + 1)], dtype=np.int64).reshape(-1, 2)
        return OnlineScores(candidates, features, score_pairs(self.model, features, pairs))
