"""Features of raw records as the shipped settings read them: their extra fields (birth place, occupation) too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from matching.features import FeatureTable, build_features, extract_columns
from matching.settings import shipped_settings
from matching.standardise import standardise_record


def shipped_features(records: Iterable[Mapping[str, Any]], **options: Any) -> FeatureTable:
    extra = shipped_settings().extra_fields
    return build_features(extract_columns([standardise_record(record, extra_fields=extra) for record in records],
                                          extra), **options)
