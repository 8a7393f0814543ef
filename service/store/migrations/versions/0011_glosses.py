"""glosses: the buyer's message and the draft translated for the agent

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 04:00:00

`glosses` caches `GET /drafts/{id}/gloss?lang=…`: per draft and language, the two translations,
the model that made them and a hash of the texts they translate (a draft edited or regenerated
since is translated again).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "glosses",
        sa.Column("draft_id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("draft", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"]),
        sa.PrimaryKeyConstraint("draft_id", "language"),
    )


def downgrade() -> None:
    op.drop_table("glosses")
