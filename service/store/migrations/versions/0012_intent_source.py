"""what decided a draft's intent, and the model's answer when it was asked

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 07:20:00

`drafts.intent_source` says what decided the intent: `model` (the classifier), `escalation`
(an A-to-z claim made) or `llm` (the configured model, asked because the classifier was
unsure; service/compose/intent_choice.py). `drafts.intent_choice` records that question.
Rows stored before this revision say neither: both stay null (nobody recorded which decided).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intent_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("intent_choice", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("intent_choice")
        batch_op.drop_column("intent_source")
