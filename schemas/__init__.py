"""Marshmallow schemas: the HTTP contract of the hub's REST API."""

# The largest id a BIGINT column holds (SQLite's INTEGER too): a larger number names nothing and must not reach SQL.
ID_MAX = 2**63 - 1
