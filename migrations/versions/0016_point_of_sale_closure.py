"""A point of sale can be declared closed on a day, with the successor that takes over its clients.

Plain ALTER TABLE on both backends (SQLite adds and drops a column in place): a batch copy of ``point_of_sale``
would drop the table that records' versions refer to, which SQLite refuses once records exist.

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
    op.add_column("point_of_sale", sa.Column("closed_on", sa.Date(), nullable=True))
    op.add_column("point_of_sale", sa.Column("successor", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("point_of_sale", "successor")
    op.drop_column("point_of_sale", "closed_on")
