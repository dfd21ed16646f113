"""The capture journal: versions created, modified and retracted per day and per month, and the fields captured
(one column per field of the record format, a row per field outside it); 0018 fills it from the versions already
stored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COUNTS = ("created", "modified", "retracted")
# The fields of the record format (DESIGN §3) at this revision, each counted in a with_<field> column.
FORMAT_FIELDS = (
    "address_line", "birth_date", "city", "civility", "company_name", "contact_person", "email", "first_name",
    "full_name", "ice", "id_type", "last_name", "legal_form", "loyalty_card", "national_id", "party_type",
    "payment_incidents", "phone", "phone_alt", "point_of_sale", "postal_code", "product_line", "products",
    "professional_tax_number", "rc_court", "rc_number", "received_at", "source_record_id", "source_system", "tax_id",
    "trade_name",
)


def _create_journal_table(name: str, keys: list[sa.Column[str]], counts: tuple[str, ...]) -> None:
    op.create_table(
        name, *keys, *(sa.Column(count, sa.BigInteger(), nullable=False) for count in counts),
        sa.PrimaryKeyConstraint(*(key.name for key in keys), name=f"pk_{name}"),
    )


def _key(name: str, length: int | None = None) -> sa.Column[str]:
    return sa.Column(name, sa.String(length) if length else sa.Date(), nullable=False)


def upgrade() -> None:
    _create_journal_table("journal_capture_day", [
        _key("day"), _key("network", 32), _key("product_line", 16), _key("party_type", 16),
    ], COUNTS)
    _create_journal_table("journal_capture_month", [
        _key("month"), _key("network", 32), _key("point_of_sale", 64), _key("product_line", 16),
        _key("party_type", 16),
    ], COUNTS)
    _create_journal_table("journal_field_month", [
        _key("month"), _key("network", 32), _key("point_of_sale", 64), _key("party_type", 16),
    ], ("captures", *(f"with_{field}" for field in FORMAT_FIELDS)))
    _create_journal_table("journal_unknown_field_month", [
        _key("month"), _key("network", 32), _key("point_of_sale", 64), _key("party_type", 16), _key("field", 64),
    ], ("present",))
    # A hub that already holds versions gets a journal that counts them from revision 0018 on, which fills it with
    # the code of its own revision (rows that add up: this revision's key constraint would refuse them).


def downgrade() -> None:
    op.drop_table("journal_unknown_field_month")
    op.drop_table("journal_field_month")
    op.drop_table("journal_capture_month")
    op.drop_table("journal_capture_day")
