"""End-to-end tests: the hub served by gunicorn, as `make run` serves it."""
