"""The match settings the hub trains and scores with: the file ``MDM_MATCH_SETTINGS`` names (the shipped settings
otherwise), read and checked once per file, so that a broken file stops the hub at start."""

from __future__ import annotations

from functools import lru_cache

from config import Config
from matching.settings import MatchSettings, load_match_settings


@lru_cache(maxsize=4)
def _load_once(path: str) -> MatchSettings:
    return load_match_settings(path)


def configured_match_settings() -> MatchSettings:
    """The configured settings; a ``SettingsError`` names the file and the problem."""
    return _load_once(str(Config.MATCH_SETTINGS))
