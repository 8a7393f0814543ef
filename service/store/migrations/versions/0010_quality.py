"""the quality checks a model's answer failed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:40:00

`drafts.quality` holds, for a draft that fell back to its template with `low_quality`, the
checks the model's answer failed (service/generate/quality.py): `{"check", "detail"}` each.
Existing rows had none: an empty list.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quality", JSON, nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("quality")
