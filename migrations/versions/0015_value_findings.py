"""Data-quality findings of every live record's current version, and the index that counts live records per
network, point of sale, party type and received date.

The findings are computed where resolution standardises records, so this migration creates the table empty rather
than standardise every record once more: the next full consolidation (``resolve --full``) fills it, and until then
online writes fill it for the records they change.

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _scope_columns() -> list[sa.Column]:
    return [
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("source_system", sa.String(32), nullable=False),
        sa.Column("point_of_sale", sa.String(64), nullable=True),
        sa.Column("party_type", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "record_finding",
        *_scope_columns(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("placeholder_rule", sa.Boolean(), nullable=False),
        sa.Column("placeholder_frequency", sa.Boolean(), nullable=False),
        sa.Column("invalid", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(32), nullable=True),
    )
    op.create_index("ix_record_finding_record_id", "record_finding", ["record_id"])
    op.create_index("ix_record_finding_received_at", "record_finding", ["received_at"])
    op.create_table(
        "placeholder_value_use",
        *_scope_columns(),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("feature", sa.String(32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_index("ix_placeholder_value_use_record_id", "placeholder_value_use", ["record_id"])
    op.create_index("ix_source_record_scope", "source_record",
                    ["is_deleted", "source_system", "point_of_sale_code", "party_type", "last_received_at"])


def downgrade() -> None:
    op.drop_index("ix_source_record_scope", table_name="source_record")
    op.drop_index("ix_placeholder_value_use_record_id", table_name="placeholder_value_use")
    op.drop_table("placeholder_value_use")
    op.drop_index("ix_record_finding_received_at", table_name="record_finding")
    op.drop_index("ix_record_finding_record_id", table_name="record_finding")
    op.drop_table("record_finding")
