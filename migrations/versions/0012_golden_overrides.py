"""Steward overrides of golden records (merge, split, unmerge), append-only.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    payload = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table(
        "golden_override",
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("golden_id", sa.String(32), nullable=False),
        sa.Column("before", payload, nullable=False),
        sa.Column("after", payload, nullable=False),
        sa.Column("judgement_ids", payload, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undoes", big_id, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_golden_override"),
        sa.ForeignKeyConstraint(["undoes"], ["golden_override.id"], name="fk_golden_override_undoes_golden_override"),
    )


def downgrade() -> None:
    op.drop_table("golden_override")
