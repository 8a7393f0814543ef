"""one proactive message per order, enforced by a partial unique index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 22:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "message_kind = 'proactive' AND status IN ('pending', 'blocked', 'approved')"


def upgrade() -> None:
    op.create_index(
        "uq_drafts_one_proactive_per_order",
        "drafts",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("uq_drafts_one_proactive_per_order", table_name="drafts")
