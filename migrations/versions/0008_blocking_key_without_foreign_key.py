"""The blocking index is derived data, rebuilt from the records: no foreign key, whose check on each of millions of
rows cost more than the rebuild itself.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blocking_key") as batch:
        batch.drop_constraint("fk_blocking_key_record_id_source_record", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("blocking_key") as batch:
        batch.create_foreign_key("fk_blocking_key_record_id_source_record", "source_record", ["record_id"], ["id"])
