"""A point of sale can be declared closed on a day, with the successor that takes over its clients.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("point_of_sale") as table:
        table.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        table.add_column(sa.Column("successor", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("point_of_sale") as table:
        table.drop_column("successor")
        table.drop_column("closed_on")
