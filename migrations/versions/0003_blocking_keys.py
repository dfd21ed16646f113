"""The persisted blocking index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "blocking_key",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["source_record.id"],
                                name=op.f("fk_blocking_key_record_id_source_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocking_key")),
    )
    op.create_index("ix_blocking_key_key", "blocking_key", ["key"])
    op.create_index("ix_blocking_key_record_id", "blocking_key", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_blocking_key_record_id", table_name="blocking_key")
    op.drop_index("ix_blocking_key_key", table_name="blocking_key")
    op.drop_table("blocking_key")
