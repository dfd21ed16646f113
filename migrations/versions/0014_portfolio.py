"""Client portfolios (per golden record and per network serving it), and the indexes the hub's health reads.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_MOVES_ONLY = sa.text("from_point_of_sale IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "golden_portfolio",
        sa.Column("golden_id", sa.String(32), nullable=False),
        sa.Column("party_type", sa.String(16), nullable=False),
        sa.Column("city", sa.String(128), nullable=True),
        sa.Column("legal_form", sa.String(32), nullable=True),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.Column("years_active", sa.Integer(), nullable=False),
        sa.Column("recruiting_network", sa.String(32), nullable=False),
        sa.Column("recruiting_point_of_sale", sa.String(64), nullable=True),
        sa.Column("networks", sa.Integer(), nullable=False),
        sa.Column("network_set", sa.String(200), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("loyalty_card", sa.Boolean(), nullable=False),
        sa.Column("payment_incidents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("golden_id", name=op.f("pk_golden_portfolio")),
    )
    op.create_index("ix_golden_portfolio_first_seen", "golden_portfolio", ["first_seen"])
    op.create_table(
        "golden_relationship",
        sa.Column("golden_id", sa.String(32), nullable=False),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("party_type", sa.String(16), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("loyalty_card", sa.Boolean(), nullable=False),
        sa.Column("payment_incidents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("golden_id", "network", name=op.f("pk_golden_relationship")),
    )
    op.create_index("ix_golden_relationship_network", "golden_relationship", ["network"])
    op.create_index("ix_audit_event_kind_occurred_at", "audit_event", ["kind", "occurred_at"])
    op.create_index("ix_point_of_sale_stint_moves", "point_of_sale_stint", ["start_date", "reason", "network"],
                    sqlite_where=_MOVES_ONLY, postgresql_where=_MOVES_ONLY)
    _fill_portfolios()


def _fill_portfolios() -> None:
    """Existing hubs get the portfolio of every active golden record, computed as resolution keeps it."""
    from mdm.survivorship import refresh_portfolios  # the upkeep's own computation: the same rows either way

    session = Session(bind=op.get_bind())
    active = session.scalars(sa.text("SELECT id FROM golden_record WHERE status = 'active'")).all()
    refresh_portfolios(session, active)
    session.flush()


def downgrade() -> None:
    op.drop_index("ix_point_of_sale_stint_moves", table_name="point_of_sale_stint")
    op.drop_index("ix_audit_event_kind_occurred_at", table_name="audit_event")
    op.drop_index("ix_golden_relationship_network", table_name="golden_relationship")
    op.drop_table("golden_relationship")
    op.drop_index("ix_golden_portfolio_first_seen", table_name="golden_portfolio")
    op.drop_table("golden_portfolio")
