"""the model's rewrites of its own drafts after the guard

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 08:10:00

`drafts.repairs` records each rewrite the model was asked for (service/compose/repair.py): what
called for it, the findings before and after, whether it was kept, its cost. Existing rows had
none: an empty list.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("repairs", JSON, nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("repairs")
