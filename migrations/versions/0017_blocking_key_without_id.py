"""The blocking index has no surrogate id: nothing refers to a key row by it, and numbering each of a full run's
millions of rows from a sequence, then indexing the numbers, cost a third of the index's rebuild.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blocking_key") as batch:  # SQLite copies the table: its id is the primary key
        batch.drop_column("id")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The rows there are numbered as they are added: a new serial column fills itself.
        op.execute("ALTER TABLE blocking_key ADD COLUMN id BIGSERIAL, ADD CONSTRAINT pk_blocking_key PRIMARY KEY (id)")
        return
    with op.batch_alter_table("blocking_key", recreate="always") as batch:
        batch.add_column(sa.Column("id", sa.Integer(), nullable=True))
        batch.create_primary_key("pk_blocking_key", ["id"])
