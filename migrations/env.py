"""Alembic environment: runs against the engine handed over by mdm.db (or MDM_DATABASE_URL)."""

from __future__ import annotations

from alembic import context

from mdm.models import metadata


def _engine():  # type: ignore[no-untyped-def]
    engine = context.config.attributes.get("engine")
    if engine is None:
        from config import Config
        from mdm.db import make_engine

        engine = make_engine(Config.DATABASE_URL)
    return engine


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
