"""Pure entity resolution of client records: standardise, block, compare, score and cluster."""

from native import search_path

__path__ = search_path(__name__, __path__)
