"""Match settings: the comparisons and their levels, the blocking rules and their caps, the match and possible
thresholds, the vetoes, the placeholder sharing caps, when clusters settle a possible pair apart and which
comparisons' evidence counts once, as a JSON file a user can read and change.

The shipped file (``match_settings.json``) is the hub's own matching. A settings file is checked whole when it is
read: anything it names must exist (a kind of comparison, a party type, a level, a feature), so a typo stops the
hub at start with the file and the problem named, not halfway through a consolidation. A model keeps the settings
it was trained with (``MatchModel.settings``): what it scores with, and what an explanation shows.

Fields beyond the standard features (an ``occupation``, a ``birth_place`` the hub keeps in the payload) are listed
in ``extra_fields``; comparisons and blocking rules may then use them, read from the payload as folded text.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from matching.blocking import DERIVED_KEYS, BlockingRule
from matching.comparisons import (
    KINDS,
    SCORERS,
    SIMILARITY_LEVELS,
    Comparison,
    ComparisonParameters,
    where_address_is_not_the_same,
)
from matching.features import CODED_FEATURES, ORGANIZATION, PERSON, TEXT_FEATURES
from matching.strict_json import load_strict_json_file

SHIPPED_SETTINGS = Path(__file__).with_name("match_settings.json")
PARTIES: dict[str, int] = {"person": PERSON, "organization": ORGANIZATION}
_REQUIRED = ("thresholds", "comparisons", "blocking_rules")
_OPTIONAL = ("extra_fields", "placeholder_sharing_caps", "clusters_apart", "counted_once")
_COMPARISON_KEYS = frozenset({"name", "kind", "levels", "vetoes", "term_frequency", "shared_by_households",
                              "silent_where_same_address", "shown", "note"})
_RULE_KEYS = frozenset({"name", "on", "cap", "note"})
# Names of extra fields and blocking rules: a rule's name prefixes its keys ("name:value"), a colon would not do.
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_MISSING_LEVEL = "missing"  # what an explanation calls level 0


class SettingsError(ValueError):
    """The match settings cannot be used; the message names the file (when there is one) and the problem."""


@dataclass(frozen=True, slots=True)
class ClustersApart:
    """Two clusters a possible pair links are two clients when at least ``share`` of the pairs of records across
    them weigh ``weight`` bits or less: the records the pair leaves out disagree (two birth dates, two ids)."""

    weight: float
    share: float


@dataclass(frozen=True, slots=True, eq=False)
class MatchSettings:
    """Checked match settings, ready to run; two settings are the same when their documents are."""

    comparisons: dict[int, tuple[Comparison, ...]]
    blocking_rules: tuple[BlockingRule, ...]
    match_probability: float
    possible_probability: float
    sharing_caps: dict[str, int]
    extra_fields: tuple[str, ...]
    # When the records around a possible pair settle it apart (None: every possible pair across clusters is asked).
    clusters_apart: ClustersApart | None
    # Per party type, groups of comparisons (their positions) whose evidence for a match counts once.
    counted_once: dict[int, tuple[tuple[int, ...], ...]]
    # The settings as written (notes included): what a model version stores and an explanation shows.
    document: dict[str, Any]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MatchSettings) and self.document == other.document

    def __hash__(self) -> int:
        return hash(json.dumps(self.document, sort_keys=True))

    @property
    def blocking_caps(self) -> dict[str, int]:
        """Each blocking rule's cap by its name, the prefix of its keys."""
        return {rule.name: rule.cap for rule in self.blocking_rules}

    def similarity_threshold(self, party: str, comparison: str, level: str) -> float | None:
        """The similarity (0-100) from which two values reach ``level`` of the party's text comparison named
        ``comparison``; None when the settings have no such comparison, or it no such level of similarity."""
        for item in self.document["comparisons"].get(party, []):
            if item["name"] == comparison:
                built = next(c for c in self.comparisons[PARTIES[party]] if c.name == comparison)
                # A text comparison's levels after "exact" go with its thresholds, highest first.
                return dict(zip(built.levels[1:], item.get("thresholds", ()), strict=False)).get(level)
        return None


def load_match_settings(path: str | Path) -> MatchSettings:
    """Read and check a settings file."""
    return load_strict_json_file(path, "match settings", read_settings, SettingsError)


@lru_cache(maxsize=1)
def shipped_settings() -> MatchSettings:
    """The settings shipped with the hub: its own matching."""
    return load_match_settings(SHIPPED_SETTINGS)


def read_settings(document: Any) -> MatchSettings:
    """Check a settings document (parsed JSON) and build what it describes; a ValueError names the problem."""
    if not isinstance(document, dict):
        raise ValueError("must be a JSON object of settings (" + ", ".join(_REQUIRED + _OPTIONAL) + ")")
    _only_keys("the settings", document, frozenset(_REQUIRED + _OPTIONAL))
    for key in _REQUIRED:
        if key not in document:
            raise ValueError(f"{key!r} is missing")
    extra = _extra_fields(document.get("extra_fields", []))
    features = frozenset(CODED_FEATURES) | set(extra)
    texts = frozenset(TEXT_FEATURES) | set(extra)
    match_probability, possible_probability = _thresholds(document["thresholds"])
    comparisons = {
        PARTIES[party]: tuple(_comparison(party, item, features, texts) for item in items)
        for party, items in _by_party("comparisons", document["comparisons"]).items()
    }
    for party, built in comparisons.items():
        _distinct(f"{_party_name(party)} comparison", [comparison.name for comparison in built])
    rules = tuple(_blocking_rule(party, item, features)
                  for party, items in _by_party("blocking_rules", document["blocking_rules"]).items() for item in items)
    _distinct("blocking rule", [rule.name for rule in rules])
    caps = _sharing_caps(document.get("placeholder_sharing_caps", {}), features)
    apart = _clusters_apart(document["clusters_apart"]) if "clusters_apart" in document else None
    once = _counted_once(document.get("counted_once", {}), comparisons)
    return MatchSettings(comparisons, rules, match_probability, possible_probability, caps, extra, apart, once,
                         document)


def _party_name(party: int) -> str:
    return next(name for name, code in PARTIES.items() if code == party)


def _only_keys(where: str, item: dict[str, Any], allowed: frozenset[str]) -> None:
    if unknown := sorted(set(item) - allowed):
        raise ValueError(f"{where} has an unknown key {unknown[0]!r} (expected {', '.join(sorted(allowed))})")


def _distinct(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what} name {name!r} is used twice")
        seen.add(name)


def _names(where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(name, str) and name for name in value):
        raise ValueError(f"{where} must be a non-empty list of names")
    _distinct(where, value)
    return value


def _extra_fields(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError("extra_fields must be a list of payload field names")
    for name in value:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"extra_fields holds {json.dumps(name)}, which is not a field name "
                             "(lower-case letters, digits and _)")
        if name in CODED_FEATURES or name in DERIVED_KEYS:
            raise ValueError(f"extra field {name!r} is already a standard feature")
    _distinct("extra field", value)
    return tuple(value)


def _thresholds(value: Any) -> tuple[float, float]:
    if not isinstance(value, dict):
        raise ValueError("thresholds must be an object with the match and possible probabilities")
    _only_keys("thresholds", value, frozenset({"match", "possible"}))
    found: dict[str, float] = {}
    for key in ("match", "possible"):
        number: Any = value.get(key)
        if not _is_number(number) or not 0 < number < 1:
            raise ValueError(f"the {key} threshold must be a probability between 0 and 1 (exclusive), "
                             f"not {json.dumps(number)}")
        found[key] = float(number)
    if found["possible"] > found["match"]:
        raise ValueError(f"the possible threshold ({found['possible']}) is above the match threshold "
                         f"({found['match']})")
    return found["match"], found["possible"]


def _clusters_apart(value: Any) -> ClustersApart:
    if not isinstance(value, dict):
        raise ValueError("clusters_apart must be an object with a weight and a share")
    _only_keys("clusters_apart", value, frozenset({"weight", "share", "note"}))
    weight: Any = value.get("weight")
    share: Any = value.get("share")
    if not _is_number(weight) or weight >= 0:
        raise ValueError(f"the clusters_apart weight must be a negative number (evidence against one client, in "
                         f"bits), not {json.dumps(weight)}")
    if not _is_number(share) or not 0 < share <= 1:
        raise ValueError(f"the clusters_apart share must be above 0 and at most 1, not {json.dumps(share)}")
    return ClustersApart(float(weight), float(share))


def _counted_once(value: Any, comparisons: dict[int, tuple[Comparison, ...]]) -> dict[int, tuple[tuple[int, ...], ...]]:
    """Groups of comparisons that say one thing about a household (its home, the town its members were born in):
    their evidence for a match counts once, the strongest."""
    groups: dict[int, tuple[tuple[int, ...], ...]] = {}
    for party, items in _by_party("counted_once", value).items():
        names = [comparison.name for comparison in comparisons.get(PARTIES[party], ())]
        grouped: set[str] = set()
        built = []
        for item in items:
            _only_keys(f"a counted_once group of {party}", item, frozenset({"comparisons", "note"}))
            members = _names(f"counted_once of {party}: comparisons", item.get("comparisons"))
            if len(members) < 2:
                raise ValueError(f"a counted_once group of {party} needs two comparisons or more, not {members}")
            for member in members:
                if member not in names:
                    raise ValueError(f"counted_once names {member!r}, which is not a {party} comparison")
                if member in grouped:
                    raise ValueError(f"counted_once puts the {party} comparison {member!r} in two groups")
                grouped.add(member)
            if not isinstance(item.get("note", ""), str):
                raise ValueError(f"a counted_once group of {party}: a note is text")
            built.append(tuple(names.index(member) for member in members))
        groups[PARTIES[party]] = tuple(built)
    return groups


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _by_party(key: str, value: Any) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be an object of party types ({' and '.join(PARTIES)})")
    for party, items in value.items():
        if party not in PARTIES:
            raise ValueError(f"{key} names an unknown party type {party!r} (expected {' or '.join(PARTIES)})")
        if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
            raise ValueError(f"{key} of {party} must be a non-empty list of objects")
    return value


def _feature(where: str, name: Any, known: frozenset[str], what: str = "feature") -> str:
    if not isinstance(name, str) or name not in known:
        raise ValueError(f"{where} names {json.dumps(name)}, which is not a {what} (a standard feature, or a field "
                         "listed in extra_fields)")
    return name


def _comparison(party: str, item: dict[str, Any], features: frozenset[str], texts: frozenset[str]) -> Comparison:
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"a {party} comparison has no name")
    where = f"{party} comparison {name!r}"
    kind_name = item.get("kind")
    if kind_name not in KINDS:
        raise ValueError(f"{where} has an unknown kind {json.dumps(kind_name)} (known kinds: {', '.join(KINDS)})")
    kind = KINDS[kind_name]
    _only_keys(where, item, _COMPARISON_KEYS | kind.parameters)
    if missing := sorted(kind.parameters - set(item)):
        raise ValueError(f"{where} needs {missing[0]!r} (kind {kind_name})")
    parameters = ComparisonParameters(
        field=_feature(where, item["field"], texts if "scorer" in kind.parameters else features,
                       "text feature" if "scorer" in kind.parameters else "feature") if "field" in item else None,
        fields=tuple(_feature(where, f, features) for f in _names(f"{where} fields", item["fields"]))
        if "fields" in item else (),
        scorer=_scorer(where, item["scorer"]) if "scorer" in item else None,
        thresholds=_similarity_thresholds(where, item["thresholds"]) if "thresholds" in item else (),
    )
    levels = _levels(where, item, kind_name, parameters)
    vetoes = frozenset(levels.index(level) + 1 for level in _vetoes(where, item.get("vetoes", []), levels))
    term_frequency = item.get("term_frequency")
    if term_frequency is not None:
        _feature(where, term_frequency, texts, "text feature")
    if not isinstance(item.get("note", ""), str):
        raise ValueError(f"{where}: a note is text")
    shared_by_households, silent = (_flag(where, item, key) for key in ("shared_by_households",
                                                                          "silent_where_same_address"))
    # What an explanation shows beside the level, when not what is compared (a phone as written, not its digits).
    shown = tuple(_feature(where, f, features) for f in _names(f"{where} shown", item["shown"])) if "shown" in item \
        else kind.shown(parameters)
    compute = kind.build(parameters)
    return Comparison(name, PARTIES[party], levels, where_address_is_not_the_same(compute) if silent else compute,
                      term_frequency, vetoes, shown, shared_by_households)


def _flag(where: str, item: dict[str, Any], key: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key} is true or false")
    return value


def _scorer(where: str, value: Any) -> str:
    if value not in SCORERS:
        raise ValueError(f"{where} has an unknown scorer {json.dumps(value)} (known: {', '.join(SCORERS)})")
    return str(value)


def _similarity_thresholds(where: str, value: Any) -> tuple[float, ...]:
    if (not isinstance(value, list) or not value or not all(_is_number(t) and 0 < t <= 100 for t in value)
            or any(a <= b for a, b in pairwise(value))):
        raise ValueError(f"{where}: thresholds must be similarities between 0 and 100, highest first, "
                         f"not {json.dumps(value)}")
    return tuple(value)


def _levels(where: str, item: dict[str, Any], kind_name: str, parameters: ComparisonParameters) -> tuple[str, ...]:
    kind = KINDS[kind_name]
    if "levels" not in item:
        if len(parameters.thresholds) > len(SIMILARITY_LEVELS):
            raise ValueError(f"{where} has more thresholds than default level names: name its levels")
        return kind.levels(parameters)
    if not kind.renamable:
        raise ValueError(f"{where}: the levels of kind {kind_name} are its own ({', '.join(kind.levels(parameters))})"
                         " and cannot be renamed")
    names = _names(f"{where} levels", item["levels"])
    count = 2 + len(parameters.thresholds)
    if len(names) != count:
        raise ValueError(f"{where} names {len(names)} levels, its kind and thresholds make {count}")
    if _MISSING_LEVEL in names:
        raise ValueError(f"{where}: {_MISSING_LEVEL!r} is the level of a value missing on one side")
    return tuple(names)


def _vetoes(where: str, value: Any, levels: tuple[str, ...]) -> list[str]:
    if value == []:
        return []
    for level in _names(f"{where} vetoes", value):
        if level not in levels:
            raise ValueError(f"{where} vetoes {level!r}, which is not one of its levels ({', '.join(levels)})")
    return list(value)


def _blocking_rule(party: str, item: dict[str, Any], features: frozenset[str]) -> BlockingRule:
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"a {party} blocking rule has no name of lower-case letters, digits and _ "
                         f"({json.dumps(name)})")
    where = f"blocking rule {name!r}"
    _only_keys(where, item, _RULE_KEYS)
    on = tuple(_feature(where, feature, features | set(DERIVED_KEYS))
               for feature in _names(f"{where} on", item.get("on")))
    cap = item.get("cap")
    if not isinstance(cap, int) or isinstance(cap, bool) or cap < 2:
        raise ValueError(f"{where}: cap must be a whole number of records of at least 2, not {json.dumps(cap)}")
    if not isinstance(item.get("note", ""), str):
        raise ValueError(f"{where}: a note is text")
    return BlockingRule(name, PARTIES[party], on, cap)


def _sharing_caps(value: Any, features: frozenset[str]) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ValueError("placeholder_sharing_caps must be an object of features and caps")
    for feature, cap in value.items():
        _feature("placeholder_sharing_caps", feature, features)
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            raise ValueError(f"placeholder_sharing_caps of {feature!r} must be a whole number of clients of at "
                             f"least 1, not {json.dumps(cap)}")
    return dict(value)
