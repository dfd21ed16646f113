"""Point-of-sale stints of golden records (movement history).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "point_of_sale_stint",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("golden_id", sa.String(length=32), nullable=False),
        sa.Column("network", sa.String(length=32), nullable=False),
        sa.Column("point_of_sale", sa.String(length=64), nullable=False),
        sa.Column("from_point_of_sale", sa.String(length=64), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("last_seen_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("history_reason", sa.String(length=32), nullable=False),
        sa.Column("evidence_version_id", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_of_sale_stint")),
    )
    op.create_index("ix_point_of_sale_stint_golden_id", "point_of_sale_stint", ["golden_id"])
    op.create_index("ix_point_of_sale_stint_point_of_sale", "point_of_sale_stint", ["point_of_sale", "last_seen_date"])
    op.create_index("ix_point_of_sale_stint_from_point_of_sale", "point_of_sale_stint",
                    ["from_point_of_sale", "start_date"])
    transferred = sa.text("reason = 'portfolio_transfer'")
    op.create_index("ix_point_of_sale_stint_transferred", "point_of_sale_stint", ["from_point_of_sale"],
                    sqlite_where=transferred, postgresql_where=transferred)


def downgrade() -> None:
    op.drop_index("ix_point_of_sale_stint_transferred", table_name="point_of_sale_stint")
    op.drop_index("ix_point_of_sale_stint_from_point_of_sale", table_name="point_of_sale_stint")
    op.drop_index("ix_point_of_sale_stint_point_of_sale", table_name="point_of_sale_stint")
    op.drop_index("ix_point_of_sale_stint_golden_id", table_name="point_of_sale_stint")
    op.drop_table("point_of_sale_stint")
