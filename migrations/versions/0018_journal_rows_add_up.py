"""The capture journal's rows are counts that add up: a write appends a row per key it counts, the reports sum a
key's rows and the daily run folds them into one. Upserting one row per key made each write update rows scattered
over the whole table (the larger part of a bulk load's time) and made concurrent writers wait for each other.

A hub coming from before the journal (0013 left it empty) gets it filled here from the versions already stored.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Each journal table's key at this revision.
KEYS = {
    "journal_capture_day": ("day", "network", "product_line", "party_type"),
    "journal_capture_month": ("month", "network", "point_of_sale", "product_line", "party_type"),
    "journal_field_month": ("month", "network", "point_of_sale", "party_type"),
    "journal_unknown_field_month": ("month", "network", "point_of_sale", "party_type", "field"),
}


def upgrade() -> None:
    for table in KEYS:
        with op.batch_alter_table(table) as batch:  # SQLite copies the table: its key is the primary key
            batch.drop_constraint(f"pk_{table}", type_="primary")
    bind = op.get_bind()
    journal_empty = bind.execute(sa.text("SELECT count(*) FROM journal_capture_day")).scalar() == 0
    if journal_empty and bind.execute(sa.text("SELECT count(*) FROM source_record_version")).scalar():
        from mdm.capture_journal import rebuild_capture_journal
        with Session(bind=bind) as session:
            rebuild_capture_journal(session)


def downgrade() -> None:
    from mdm.capture_journal import fold_capture_journal
    with Session(bind=op.get_bind()) as session:
        fold_capture_journal(session)  # one row per key, as the key constraint wants
    for table, key in KEYS.items():
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.create_primary_key(f"pk_{table}", list(key))
