"""audits: stored compliance audits of sent replies and KB templates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sampled", sa.Integer(), nullable=False),
        sa.Column("with_violations", sa.Integer(), nullable=False),
        sa.Column("template_errors", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.String(length=20), nullable=False),
        # The whole report, so an old audit reads as it did the day it ran, whatever the
        # rules and templates have become since.
        sa.Column(
            "report", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audits_created_at", "audits", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audits_created_at", table_name="audits")
    op.drop_table("audits")
