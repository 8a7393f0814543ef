"""draft review: reviewer, time, edit measures, reject reason, queue index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("edited", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("edit_ratio", sa.Float(), nullable=True))
        # Existing rows get an empty list, so the column can be NOT NULL like the other JSON ones.
        batch_op.add_column(
            sa.Column(
                "undone_fixes",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
        batch_op.add_column(sa.Column("reject_reason", sa.Text(), nullable=True))
        batch_op.create_index("ix_drafts_status_respond_by", ["status", "respond_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index("ix_drafts_status_respond_by")
        batch_op.drop_column("reject_reason")
        batch_op.drop_column("undone_fixes")
        batch_op.drop_column("edit_ratio")
        batch_op.drop_column("edited")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")
