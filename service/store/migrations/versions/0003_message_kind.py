"""message kinds: reply, acknowledgement, proactive; proactive kind, target_by

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        # Every draft written before 0003 answered a buyer's message.
        batch_op.add_column(
            sa.Column("message_kind", sa.String(length=16), nullable=False, server_default="reply")
        )
        # delivery_followup, usage_guide, … for proactive drafts; null otherwise.
        batch_op.add_column(sa.Column("proactive_kind", sa.String(length=32), nullable=True))
        # The seller's own target (business calendar); respond_by stays Amazon's 24 h.
        batch_op.add_column(sa.Column("target_by", sa.DateTime(timezone=True), nullable=True))
        # "One free-form proactive message per order" and the case pack's timeline look drafts
        # up by order and kind.
        batch_op.create_index(
            "ix_drafts_order_id_message_kind", ["order_id", "message_kind"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index("ix_drafts_order_id_message_kind")
        batch_op.drop_column("target_by")
        batch_op.drop_column("proactive_kind")
        batch_op.drop_column("message_kind")
