"""Wiring of the database into the Flask app: one engine per app, one unit of work per write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker

from mdm.db import make_engine, make_session_factory, transaction, upgrade_database


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    if app.config.get("MIGRATE_ON_START", True):
        upgrade_database(engine)
    app.extensions["mdm.engine"] = engine
    app.extensions["mdm.sessions"] = make_session_factory(engine)


def session_factory() -> sessionmaker[Session]:
    factory: sessionmaker[Session] = current_app.extensions["mdm.sessions"]
    return factory


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The transaction a request's use case runs in: committed when it returns, rolled back if it raises."""
    with transaction(session_factory()) as session:
        yield session
