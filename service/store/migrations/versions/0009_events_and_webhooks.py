"""events of the drafts' lifecycle, and where webhook delivery stands

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:40:00

`events` (GET /events, webhooks) is written in the transaction of each change from now on;
drafts made before it have no events (their history is in `draft_events`). `webhook_state`
holds the last event delivered and the delivering worker's lease.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("draft_id", sa.String(length=32), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_draft_id", "events", ["draft_id"], unique=False)
    op.create_table(
        "webhook_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivered_through", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("webhook_state")
    op.drop_index("ix_events_draft_id", table_name="events")
    op.drop_table("events")
