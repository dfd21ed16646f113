"""The capture journal: versions created, modified and retracted per day and per month, and the fields captured,
filled from the versions already stored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COUNTS = ("created", "modified", "retracted")


def _counts(names: tuple[str, ...]) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "journal_capture_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("source_system", sa.String(32), nullable=False),
        sa.Column("product_line", sa.String(16), nullable=False),
        sa.Column("party_type", sa.String(16), nullable=False),
        *_counts(COUNTS),
        sa.PrimaryKeyConstraint("day", "network", "source_system", "product_line", "party_type",
                                name="pk_journal_capture_day"),
    )
    op.create_table(
        "journal_capture_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("point_of_sale", sa.String(64), nullable=False),
        sa.Column("product_line", sa.String(16), nullable=False),
        sa.Column("party_type", sa.String(16), nullable=False),
        *_counts(COUNTS),
        sa.PrimaryKeyConstraint("month", "network", "point_of_sale", "product_line", "party_type",
                                name="pk_journal_capture_month"),
    )
    op.create_table(
        "journal_field_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("point_of_sale", sa.String(64), nullable=False),
        sa.Column("party_type", sa.String(16), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        *_counts(("present",)),
        sa.PrimaryKeyConstraint("month", "network", "point_of_sale", "party_type", "field",
                                name="pk_journal_field_month"),
    )
    # A hub that already holds versions starts with a journal that counts them.
    from mdm.capture_journal import rebuild_capture_journal

    with Session(bind=op.get_bind()) as session:
        rebuild_capture_journal(session)


def downgrade() -> None:
    op.drop_table("journal_field_month")
    op.drop_table("journal_capture_month")
    op.drop_table("journal_capture_day")
