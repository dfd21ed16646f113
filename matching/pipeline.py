"""The batch path: from raw records to clusters in vectorised steps, with a timing of each step."""

from __future__ import annotations

import gc
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt
import orjson

from matching.blocking import candidate_pairs
from matching.clustering import Clustering, cluster_records
from matching.dates import DEFAULT_BIRTH_DATE_WINDOW, BirthDateWindow
from matching.distinct import distinct
from matching.features import FeatureColumns, FeatureTable, build_features, extract_columns
from matching.model import MATCH, POSSIBLE, MatchModel, ScoredPairs, compare_by_party, score_pairs, train_model
from matching.settings import MatchSettings, shipped_settings
from matching.settled_apart import ClusterPair, clusters_settled_apart
from matching.standardise import standardise_record
from matching.uncertain import UncertainPair, find_uncertain_pairs

RawInput = Mapping[str, object] | bytes | str  # a record, or its JSON text
CHUNK_SIZE = 5000


@dataclass(slots=True)
class BatchResolution:
    features: FeatureTable | None  # None once released (`release_features`)
    model: MatchModel
    scored: ScoredPairs
    clustering: Clustering
    pairs_per_rule: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    # Pairs of clusters a possible pair links but whose other records say two clients: not asked of stewards.
    settled_apart: frozenset[ClusterPair] = frozenset()
    # What the match could not settle alone, for stewards (`matching.uncertain`).
    uncertain: list[UncertainPair] = field(default_factory=list)

    def release_features(self) -> None:
        """Let go of the features once nothing more is built from them: at a million records they hold ~700 MB,
        which a full run would otherwise carry through every step of writing its results."""
        self.features = None

    @property
    def cluster(self) -> npt.NDArray[np.int64]:
        return self.clustering.cluster

    def records_with_possible_pairs(self) -> int:
        possible = self.scored.pairs[self.scored.bands == POSSIBLE]
        return len(distinct(possible))


def _standardise_chunk(window: BirthDateWindow, extra_fields: tuple[str, ...], chunk: list[RawInput]) -> FeatureColumns:
    return extract_columns([standardise_record(orjson.loads(item) if isinstance(item, (bytes, str)) else item, window,
                                               extra_fields) for item in chunk], extra_fields)


def _chunks(records: Iterable[RawInput], size: int) -> Iterator[list[RawInput]]:
    chunk: list[RawInput] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def standardise_columns(records: Iterable[RawInput], workers: int = 1,
                        window: BirthDateWindow = DEFAULT_BIRTH_DATE_WINDOW, extra_fields: tuple[str, ...] = (),
                        ) -> FeatureColumns:
    """Standardise a stream of raw records (dicts, or their JSON text) into feature columns, with the extra
    fields of their payloads that the match settings compare.

    With several workers, chunks are standardised in parallel processes; only the compact columns come
    back, so the raw records are never all held in memory at once.
    """
    columns = FeatureColumns()
    standardise_chunk = partial(_standardise_chunk, window, extra_fields)
    if workers <= 1:
        for chunk in _chunks(records, CHUNK_SIZE):
            columns.extend(standardise_chunk(chunk))
        return columns
    # The workers make no reference cycles, and their readers' caches grow to hundreds of thousands of objects that
    # each full collection would walk again: they run without the collector (6 % of their time).
    with multiprocessing.get_context("fork").Pool(workers, initializer=gc.disable) as pool:
        for part in pool.imap(standardise_chunk, _chunks(records, CHUNK_SIZE)):
            columns.extend(part)
    return columns


Constraints = tuple[list[tuple[int, int]], list[tuple[int, int]]]  # must-links, cannot-links, by position


def resolve_batch(
    records: Iterable[RawInput],
    model: MatchModel | None = None,
    workers: int = 1,
    constraints: Callable[[], Constraints] | None = None,
    window: BirthDateWindow = DEFAULT_BIRTH_DATE_WINDOW,
    settings: MatchSettings | None = None,
    features_ready: Callable[[FeatureTable, MatchSettings], None] | None = None,
) -> BatchResolution:
    """Standardise, block, (train,) score and cluster a whole batch of raw records. ``constraints`` answers the
    must-links and cannot-links (steward judgements) by position; it is asked once the records have been read,
    since a streamed batch only knows its records then. ``window`` tells which birth dates are plausible. A given
    model runs with the settings it was trained with; without one, a model is trained with ``settings`` (the
    shipped ones by default). ``features_ready`` is told the features and settings as soon as they are known,
    after the constraints were asked: a caller may start work of its own on them while the batch is matched."""
    if model is not None and settings is not None and not model.trained_with(settings):
        raise ValueError(f"model {model.version} was trained with other match settings")
    settings = model.settings if model is not None else settings or shipped_settings()
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        now = time.perf_counter()
        seconds[step] = now - started
        started = now

    columns = standardise_columns(records, workers, window, settings.extra_fields)
    lap("standardise")
    # A given model brings the placeholders found when it was trained, so every path blanks the same values.
    features = build_features(columns, overused=model.overused if model is not None else None,
                              caps=settings.sharing_caps)
    del columns  # the features hold what is needed of them
    lap("features")
    must_link, cannot_link = constraints() if constraints is not None else ([], [])
    if features_ready is not None:
        features_ready(features, settings)
    pairs_per_rule: dict[str, int] = {}
    candidates = candidate_pairs(features, settings.blocking_rules, report=pairs_per_rule.__setitem__)
    lap("block")
    compared = compare_by_party(features, candidates, settings, workers)
    lap("compare")
    if model is None:
        model = train_model(features, candidates, settings, compared=compared, workers=workers)
        lap("train")
    scored = score_pairs(model, features, candidates, compared)
    del compared  # the comparison vectors (~300 MB at a million records) are not needed to cluster
    lap("score")
    matches = scored.bands == MATCH
    clustering = cluster_records(features, candidates[matches], scored.weights[matches], must_link, cannot_link)
    lap("cluster")
    settled_apart = clusters_settled_apart(model, features, scored, clustering.cluster)
    lap("settle")
    uncertain = find_uncertain_pairs(features, scored, clustering, settled_apart)
    lap("uncertain")
    return BatchResolution(features, model, scored, clustering, pairs_per_rule, seconds, settled_apart, uncertain)
