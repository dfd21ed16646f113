"""Steward judgements on pairs of source records (append-only).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "judgement",
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column("record_a_id", big_id, nullable=False),
        sa.Column("record_b_id", big_id, nullable=False),
        sa.Column("version_a", sa.Integer(), nullable=False),
        sa.Column("version_b", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_judgement"),
        sa.ForeignKeyConstraint(["record_a_id"], ["source_record.id"], name="fk_judgement_record_a_id_source_record"),
        sa.ForeignKeyConstraint(["record_b_id"], ["source_record.id"], name="fk_judgement_record_b_id_source_record"),
    )
    op.create_index("ix_judgement_record_a_id", "judgement", ["record_a_id"])
    op.create_index("ix_judgement_record_b_id", "judgement", ["record_b_id"])


def downgrade() -> None:
    op.drop_table("judgement")
