"""drafts and draft events

Revision ID: 0001
Revises:
Create Date: 2026-11-27 20:38:15.453819
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.String(length=19), nullable=False),
        sa.Column("marketplace", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=40), nullable=False),
        sa.Column("intent_confidence", sa.Float(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "message", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "order", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "request", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "findings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("guardrails_passed", sa.Boolean(), nullable=False),
        sa.Column("policy_version", sa.String(length=20), nullable=False),
        sa.Column(
            "sources", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "policy", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "escalation", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("no_response_needed", sa.Boolean(), nullable=False),
        sa.Column("generator_kind", sa.String(length=16), nullable=False),
        sa.Column("generator_model", sa.String(length=200), nullable=True),
        sa.Column("prompt_version", sa.String(length=64), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("fallback_reason", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drafts_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_drafts_intent"), ["intent"], unique=False)
        batch_op.create_index(batch_op.f("ix_drafts_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drafts_respond_by"), ["respond_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_drafts_status"), ["status"], unique=False)

    op.create_table(
        "draft_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("text_before", sa.Text(), nullable=True),
        sa.Column("text_after", sa.Text(), nullable=True),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["drafts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("draft_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_events_draft_id"), ["draft_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("draft_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_events_draft_id"))

    op.drop_table("draft_events")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drafts_status"))
        batch_op.drop_index(batch_op.f("ix_drafts_respond_by"))
        batch_op.drop_index(batch_op.f("ix_drafts_order_id"))
        batch_op.drop_index(batch_op.f("ix_drafts_intent"))
        batch_op.drop_index(batch_op.f("ix_drafts_created_at"))

    op.drop_table("drafts")
