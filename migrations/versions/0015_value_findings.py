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
down_revision = "0012"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "record_finding",
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(32), nullable=False),
        sa.Column("point_of_sale", sa.String(64), nullable=True),
        sa.Column("party_type", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("rule", sa.String(32), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
    )
    op.create_index("ix_record_finding_record_id", "record_finding", ["record_id"])
    op.create_index("ix_record_finding_scope", "record_finding",
                    ["source_system", "point_of_sale", "party_type", "received_at", "kind", "field", "record_id"])
    op.create_index("ix_source_record_scope", "source_record",
                    ["is_deleted", "source_system", "point_of_sale_code", "party_type", "last_received_at"])


def downgrade() -> None:
    op.drop_index("ix_source_record_scope", table_name="source_record")
    op.drop_index("ix_record_finding_scope", table_name="record_finding")
    op.drop_index("ix_record_finding_record_id", table_name="record_finding")
    op.drop_table("record_finding")
