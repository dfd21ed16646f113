"""Stewardship tasks (the queue) and the task counts of each resolution run.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    open_only = sa.text("status = 'open'")
    op.create_table(
        "stewardship_task",
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("record_a_id", big_id, nullable=False),
        sa.Column("record_b_id", big_id, nullable=False),
        sa.Column("version_a", sa.Integer(), nullable=False),
        sa.Column("version_b", sa.Integer(), nullable=False),
        sa.Column("party_type", sa.String(16), nullable=False),
        sa.Column("source_system_a", sa.String(32), nullable=False),
        sa.Column("source_system_b", sa.String(32), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("model_version", sa.String(32), nullable=True),
        sa.Column("detail", sa.String(64), nullable=True),
        sa.Column("records_involved", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("ended_by", sa.String(64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("judgement_id", big_id, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stewardship_task"),
        sa.ForeignKeyConstraint(["record_a_id"], ["source_record.id"],
                                name="fk_stewardship_task_record_a_id_source_record"),
        sa.ForeignKeyConstraint(["record_b_id"], ["source_record.id"],
                                name="fk_stewardship_task_record_b_id_source_record"),
        sa.ForeignKeyConstraint(["judgement_id"], ["judgement.id"], name="fk_stewardship_task_judgement_id_judgement"),
    )
    op.create_index("uq_stewardship_task_open_pair", "stewardship_task", ["record_a_id", "record_b_id"], unique=True,
                    sqlite_where=open_only, postgresql_where=open_only)
    op.create_index("ix_stewardship_task_open_record_b", "stewardship_task", ["record_b_id"],
                    sqlite_where=open_only, postgresql_where=open_only)
    op.create_index("ix_stewardship_task_queue", "stewardship_task", ["status", "priority", "id"])
    with op.batch_alter_table("resolution_run") as table:
        for column in ("tasks_opened", "tasks_refreshed", "tasks_closed"):
            table.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("resolution_run") as table:
        for column in ("tasks_closed", "tasks_refreshed", "tasks_opened"):
            table.drop_column(column)
    op.drop_table("stewardship_task")
