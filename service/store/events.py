"""Events of the drafts' lifecycle (`GET /events`, webhooks): written in the transaction of the
change they report, so none is lost and none reports a change that was rolled back.

Ids are the order: a reader continues with `after=<last id>`. On PostgreSQL two transactions
could take ids 10 and 11 and commit 11 first; a reader between the two commits would skip 10
for good. So a transaction takes a transaction-scoped advisory lock before it writes its events
and keeps it to its commit: events commit in id order (SQLite has one writer anyway). The lock
is held for the rest of a short insert or update transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from service.store.models import Draft, Event, EventType

TABLE: sa.Table = Event.__table__  # type: ignore[attr-defined]
# Any fixed 64-bit number, the same in every replydesk process: b"rdevents" read as an integer.
EVENTS_LOCK_KEY = int.from_bytes(b"rdevents", "big") & 0x7FFF_FFFF_FFFF_FFFF


def created(draft: Draft) -> list[EventType]:
    """A stored draft's events: created, and escalated when escalation is recommended."""
    escalated = bool(draft.escalation.get("recommended"))
    return [EventType.created, *([EventType.escalated] if escalated else [])]


def record(
    connection: sa.Connection,
    draft: Draft,
    types: Sequence[EventType],
    *,
    at: datetime,
    changes: dict[str, Any] | None = None,
) -> None:
    """Write ``types`` for ``draft`` as ``changes`` (the columns this transaction sets) leave it."""
    record_all(connection, [(draft, types, at)], changes=changes)


def record_all(
    connection: sa.Connection,
    changed: Sequence[tuple[Draft, Sequence[EventType], datetime]],
    *,
    changes: dict[str, Any] | None = None,
) -> None:
    """Write each draft's event ``types``, at its time, in one INSERT."""
    rows: list[dict[str, Any]] = []
    for draft, types, at in changed:
        data = event_data(draft, changes or {}) if types else None
        rows += [
            {"at": at, "type": kind.value, "draft_id": draft.id, "data": data} for kind in types
        ]
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({EVENTS_LOCK_KEY})")
    connection.execute(sa.insert(TABLE), rows)


def event_data(draft: Draft, changes: dict[str, Any]) -> dict[str, Any]:
    def now(name: str) -> Any:
        return changes.get(name, getattr(draft, name))

    status, kind, respond_by = now("status"), now("message_kind"), now("respond_by")
    return {
        "status": getattr(status, "value", status),
        "order_id": draft.order_id,
        "marketplace": draft.marketplace,
        "external_ref": draft.external_ref,
        "message_kind": getattr(kind, "value", kind),
        "intent": draft.intent,
        "language": draft.language,
        "respond_by": respond_by.isoformat(),
        "agent_id": now("reviewed_by"),
        "escalation_reasons": list(draft.escalation.get("reasons") or []),
        "edit_ratio": now("edit_ratio"),
        "reject_reason": now("reject_reason"),
    }


def page(connection: sa.Connection, *, after: int, limit: int) -> list[Event]:
    rows = connection.execute(
        sa.select(TABLE).where(TABLE.c.id > after).order_by(TABLE.c.id).limit(limit)
    ).all()
    return [Event.model_validate(row._mapping) for row in rows]
