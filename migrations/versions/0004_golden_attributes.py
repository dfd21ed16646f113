"""Surviving attributes of golden records, with their provenance.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PAYLOAD = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # Existing golden records get theirs at the next full resolve, which fills every active one still without any.
    with op.batch_alter_table("golden_record") as batch:
        batch.add_column(sa.Column("attributes", PAYLOAD, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("golden_record") as batch:
        batch.drop_column("attributes")
