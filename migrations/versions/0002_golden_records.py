"""Match model versions, golden records, effective-dated record links, resolution runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PAYLOAD = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "golden_record",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("party_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["merged_into"], ["golden_record.id"],
                                name=op.f("fk_golden_record_merged_into_golden_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golden_record")),
    )
    op.create_table(
        "match_model",
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_on_records", sa.Integer(), nullable=False),
        sa.Column("parameters", PAYLOAD, nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_match_model")),
    )
    op.create_table(
        "resolution_run",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("golden_records", sa.Integer(), nullable=False),
        sa.Column("links_changed", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("merged", sa.Integer(), nullable=False),
        sa.Column("split", sa.Integer(), nullable=False),
        sa.Column("possible_pairs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["model_version"], ["match_model.version"],
                                name=op.f("fk_resolution_run_model_version_match_model")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_run")),
    )
    op.create_table(
        "record_link",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("record_id", BIG_ID, nullable=False),
        sa.Column("golden_id", sa.String(length=32), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("cause", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["golden_id"], ["golden_record.id"],
                                name=op.f("fk_record_link_golden_id_golden_record")),
        sa.ForeignKeyConstraint(["model_version"], ["match_model.version"],
                                name=op.f("fk_record_link_model_version_match_model")),
        sa.ForeignKeyConstraint(["record_id"], ["source_record.id"],
                                name=op.f("fk_record_link_record_id_source_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_link")),
    )
    op.create_index("ix_record_link_golden_id", "record_link", ["golden_id"])
    op.create_index("ix_record_link_record_id_valid_to", "record_link", ["record_id", "valid_to"])


def downgrade() -> None:
    op.drop_index("ix_record_link_record_id_valid_to", table_name="record_link")
    op.drop_index("ix_record_link_golden_id", table_name="record_link")
    op.drop_table("record_link")
    op.drop_table("resolution_run")
    op.drop_table("match_model")
    op.drop_table("golden_record")
