"""Source records, their append-only versions, and points of sale.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PAYLOAD = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "point_of_sale",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("network", sa.String(length=32), nullable=False),
        sa.Column("city", sa.String(length=128), nullable=True),
        sa.Column("name", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_point_of_sale")),
    )
    op.create_table(
        "source_record",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("source_system", sa.String(length=32), nullable=False),
        sa.Column("source_record_id", sa.String(length=128), nullable=False),
        sa.Column("party_type", sa.String(length=16), nullable=False),
        sa.Column("point_of_sale_code", sa.String(length=64), nullable=True),
        sa.Column("product_line", sa.String(length=16), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("first_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["point_of_sale_code"], ["point_of_sale.code"],
            name=op.f("fk_source_record_point_of_sale_code_point_of_sale"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record")),
        sa.UniqueConstraint("source_record_id", "source_system", name="uq_source_record_key"),
    )
    op.create_table(
        "source_record_version",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("is_tombstone", sa.Boolean(), nullable=False),
        sa.Column("party_type", sa.String(length=16), nullable=False),
        sa.Column("point_of_sale_code", sa.String(length=64), nullable=True),
        sa.Column("product_line", sa.String(length=16), nullable=True),
        sa.Column("payload", PAYLOAD, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["source_record.id"], name=op.f("fk_source_record_version_record_id_source_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record_version")),
        sa.UniqueConstraint("record_id", "version", name="uq_source_record_version_record_version"),
    )
    op.create_index("ix_source_record_version_recorded_at", "source_record_version", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_source_record_version_recorded_at", table_name="source_record_version")
    op.drop_table("source_record_version")
    op.drop_table("source_record")
    op.drop_table("point_of_sale")
