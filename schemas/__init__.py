"""Marshmallow schemas: the HTTP contract of the hub's REST API."""
