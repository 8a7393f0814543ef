"""The review queue, read side: filters, the `GET /drafts` page, and the page's queue rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, func, or_, select

from service.store.models import Draft, excerpt

QUEUE_LIMIT = 1000  # the page shows this many; the count says how many more wait


@dataclass(frozen=True, slots=True)
class Filters:
    statuses: tuple[str, ...] = ()
    intent: str | None = None
    language: str | None = None
    agent_id: str | None = None
    external_ref: str | None = None  # the help desk's ticket id

    def where(self) -> list[sa.ColumnElement[bool]]:
        clauses: list[sa.ColumnElement[bool]] = []
        if self.statuses:
            clauses.append(col(Draft.status).in_(self.statuses))
        if self.intent:
            clauses.append(col(Draft.intent) == self.intent)
        if self.language:
            clauses.append(col(Draft.language) == self.language)
        if self.agent_id:
            # The agent who asked for the draft or the one who reviewed it.
            clauses.append(
                or_(col(Draft.agent_id) == self.agent_id, col(Draft.reviewed_by) == self.agent_id)
            )
        if self.external_ref:
            clauses.append(col(Draft.external_ref) == self.external_ref)
        return clauses


def list_drafts(
    session: Session, *, filters: Filters, limit: int, offset: int
) -> tuple[list[Draft], int]:
    """One page of drafts, the nearest deadline (or the longest overdue) first, and the total."""
    where = filters.where()
    total = session.exec(select(func.count()).select_from(Draft).where(*where)).one()
    rows = session.exec(
        select(Draft)
        .where(*where)
        # The generator's own text is shown only with the whole draft.
        .options(defer(cast(QueryableAttribute[Any], Draft.raw_text)))
        .order_by(col(Draft.respond_by), col(Draft.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: str
    status: str
    intent: str
    language: str
    priority: str
    respond_by: datetime
    order_id: str
    buyer_name: str | None
    excerpt: str
    fixed: int
    flagged: int
    blocked: int
    escalate: bool


def queue(
    session: Session, *, filters: Filters, limit: int = QUEUE_LIMIT
) -> tuple[list[QueueRow], int]:
    """The queue, nearest deadline first (so the overdue lead), and how many drafts match."""
    where = filters.where()
    total = int(session.exec(select(func.count()).select_from(Draft).where(*where)).one())
    columns = [
        col(Draft.id),
        col(Draft.status),
        col(Draft.intent),
        col(Draft.language),
        col(Draft.priority),
        col(Draft.respond_by),
        col(Draft.order_id),
        # Two values out of the stored request, not the whole of it (a thread can be long).
        col(Draft.request)[("order", "buyer_name")].as_string().label("buyer_name"),
        col(Draft.request)[("message", "text")].as_string().label("message_text"),
        col(Draft.findings),
        col(Draft.escalation),
    ]
    # Plain columns, no ORM objects: a thousand rows render well inside the time budget.
    statement = (
        sa.select(*columns)
        .where(*where)
        .order_by(col(Draft.respond_by), col(Draft.id))
        .limit(limit)
    )
    rows = []
    for row in session.connection().execute(statement):
        actions = [f.get("action") for f in row.findings]
        rows.append(
            QueueRow(
                id=row.id,
                status=row.status,
                intent=row.intent,
                language=row.language,
                priority=row.priority,
                respond_by=row.respond_by,
                order_id=row.order_id,
                buyer_name=row.buyer_name,
                excerpt=excerpt(row.message_text),
                fixed=actions.count("fixed"),
                flagged=actions.count("flagged"),
                blocked=actions.count("blocked"),
                escalate=bool(row.escalation.get("recommended")),
            )
        )
    return rows, total
