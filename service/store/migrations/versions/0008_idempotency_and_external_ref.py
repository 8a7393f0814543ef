"""idempotency keys; the help desk's ticket id on drafts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 00:10:00

`idempotency_keys` holds each claimed `Idempotency-Key` (route, body fingerprint, who holds it);
`drafts.idempotency_key` (unique) names the key a draft was made under, so storing the draft
completes the claim. `drafts.external_ref` is the help desk's ticket id, filterable. Existing
rows have neither: NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("external_ref", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_drafts_idempotency_key", ["idempotency_key"], unique=True)
        batch_op.create_index("ix_drafts_external_ref", ["external_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index("ix_drafts_external_ref")
        batch_op.drop_index("ix_drafts_idempotency_key")
        batch_op.drop_column("external_ref")
        batch_op.drop_column("idempotency_key")
    op.drop_table("idempotency_keys")
