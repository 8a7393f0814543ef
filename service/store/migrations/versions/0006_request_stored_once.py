"""the request stored once; status and message kind checked by the database

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 06:00:00

`drafts.message` and `drafts.order` repeated what `drafts.request` holds. Rows are kept: a
request that lacks either (none should) gets it from the column before the column goes.
`status` and `message_kind` keep their VARCHAR type and gain CHECK constraints (the values of
`DraftStatus` and `MessageKind`), so no other value can be stored.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STATUSES = ("pending", "blocked", "approved", "rejected")
KINDS = ("reply", "acknowledgement", "proactive")
SLOT_WHERE = "message_kind = 'proactive' AND status IN ('pending', 'blocked', 'approved')"

drafts = sa.table(
    "drafts",
    sa.column("id", sa.String),
    sa.column("message", JSON),
    sa.column("order", JSON),
    sa.column("request", JSON),
    sa.column("message_kind", sa.String),
    sa.column("proactive_kind", sa.String),
)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _pages(*columns: Any) -> Iterator[Sequence[sa.Row[Any]]]:
    """All drafts, a thousand rows at a time (by id), so a large table never sits in memory."""
    bind = op.get_bind()
    last = ""
    while True:
        page = bind.execute(
            sa.select(drafts.c.id, *columns)
            .where(drafts.c.id > last)
            .order_by(drafts.c.id)
            .limit(1000)
        ).all()
        if not page:
            return
        yield page
        last = page[-1].id


def upgrade() -> None:
    bind = op.get_bind()
    rows = (
        row for page in _pages(drafts.c.message, drafts.c.order, drafts.c.request) for row in page
    )
    for row in rows:
        request: dict[str, Any] = dict(row.request or {})
        missing = {}
        if "order" not in request:
            missing["order"] = row.order
        if "message" not in request and (row.message or {}).get("text"):
            missing["message"] = row.message
        if missing:
            bind.execute(
                drafts.update().where(drafts.c.id == row.id).values(request=request | missing)
            )
    # The batch copy on SQLite would not carry the partial index's WHERE over: drop and rebuild.
    op.drop_index("uq_drafts_one_proactive_per_order", table_name="drafts")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("message")
        batch_op.drop_column("order")
        batch_op.create_check_constraint("ck_drafts_status", _in("status", STATUSES))
        batch_op.create_check_constraint("ck_drafts_message_kind", _in("message_kind", KINDS))
    _slot_index()


def downgrade() -> None:
    op.drop_index("uq_drafts_one_proactive_per_order", table_name="drafts")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_constraint("ck_drafts_message_kind", type_="check")
        batch_op.drop_constraint("ck_drafts_status", type_="check")
        batch_op.add_column(sa.Column("message", JSON, nullable=True))
        batch_op.add_column(sa.Column("order", JSON, nullable=True))
    bind = op.get_bind()
    rows = (row for page in _pages(drafts.c.request, drafts.c.proactive_kind) for row in page)
    for row in rows:
        request = row.request or {}
        message = request.get("message") or {"text": "", "proactive_kind": row.proactive_kind}
        bind.execute(
            drafts.update()
            .where(drafts.c.id == row.id)
            .values(message=message, order=request.get("order") or {})
        )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.alter_column("message", existing_type=JSON, nullable=False)
        batch_op.alter_column("order", existing_type=JSON, nullable=False)
    _slot_index()


def _slot_index() -> None:
    op.create_index(
        "uq_drafts_one_proactive_per_order",
        "drafts",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text(SLOT_WHERE),
        postgresql_where=sa.text(SLOT_WHERE),
    )
