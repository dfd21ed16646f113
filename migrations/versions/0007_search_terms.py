"""The search index: terms per record and the spelling variants of name words.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "search_term",
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
    )
    op.create_index("ix_search_term_term", "search_term", ["term", "record_id"])
    op.create_index("ix_search_term_record_id", "search_term", ["record_id"])
    op.create_table(
        "search_name_variant",
        sa.Column("variant", sa.Text(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("variant", "word", name=op.f("pk_search_name_variant")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("search_name_variant")
    op.drop_index("ix_search_term_record_id", table_name="search_term")
    op.drop_index("ix_search_term_term", table_name="search_term")
    op.drop_table("search_term")
