"""The review workflow, write side: approval (guardrails again on the final text), rejection.

A draft leaves review exactly once. The transition is a compare-and-set `UPDATE … WHERE id = :id
AND status = :seen`: the database serialises concurrent writers on the row (PostgreSQL re-checks
the WHERE after the row lock, SQLite holds one writer at a time), so of several concurrent
approvals or rejections exactly one updates a row and the rest see a rowcount of 0 and get 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from rapidfuzz.distance import Levenshtein
from sqlmodel import col

import guardrails
from guardrails import Finding
from service.compose.pipeline import stored_context
from service.errors import NotFound, ServiceError
from service.store import events
from service.store.db import session_scope
from service.store.models import (
    ApproveResponse,
    Draft,
    DraftEvent,
    DraftStatus,
    EventType,
    RejectResponse,
    findings_json,
    findings_of,
    utcnow,
)


class Conflict(ServiceError):
    status_code = 409


class StillBlocked(ServiceError):
    """422 whose detail carries the findings, so the agent sees what to fix."""

    status_code = 422
    problem_type = "still-blocked"


def edit_ratio(before: str, after: str) -> float:
    """Normalised Levenshtein distance: 0.0 unchanged, 1.0 nothing in common."""
    return round(Levenshtein.normalized_distance(before, after), 4)


def undone_fixes(draft_findings: list[Finding], final: list[Finding]) -> list[str]:
    """Rules the guardrails had fixed in the draft and had to fix again in the agent's text:
    the agent put back a link, address or wrong order ID, or removed the inserted order ID."""
    fixed_before = {f.rule for f in draft_findings if f.action == "fixed"}
    again = {f.rule for f in final if f.action == "fixed"}
    return sorted(again & fixed_before)


def load_open(engine: sa.Engine, draft_id: str) -> Draft:
    with session_scope(engine) as session:
        draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id!r}")
    if draft.status not in DraftStatus.open():
        raise Conflict(f"draft {draft_id!r} is {draft.status}, no longer pending")
    return draft


def transition(
    engine: sa.Engine,
    draft: Draft,
    *,
    values: dict[str, Any],
    event: DraftEvent,
    announce: list[EventType],
) -> None:
    """Move the draft out of review if nobody else did first; 409 otherwise. ``announce``: the
    events of the move (GET /events, webhooks), in the same transaction."""
    statement = (
        sa.update(Draft)
        .where(col(Draft.id) == draft.id, col(Draft.status) == draft.status)
        .values(**values)
    )
    with session_scope(engine) as session:
        # The UPDATE is the transaction's first statement: on SQLite it takes the write lock
        # before reading, so no stale snapshot can make it fail instead of wait.
        result = session.connection().execute(statement)
        if result.rowcount != 1:
            raise Conflict(f"draft {draft.id!r} was reviewed by someone else meanwhile")
        session.add(event)
        events.record(session.connection(), draft, announce, at=event.at, changes=values)


def approve(
    engine: sa.Engine, *, draft_id: str, agent_id: str, text: str | None
) -> ApproveResponse:
    draft = load_open(engine, draft_id)
    now = utcnow()
    submitted = draft.text if text is None else text
    # The same guard as the draft had, as the message would go out now (a proactive message
    # drafted on day 29 must not go out on day 31).
    report = guardrails.check(submitted, stored_context(draft, now=now))
    findings = list(report.findings)
    if draft.status == DraftStatus.blocked and submitted.strip() == draft.text.strip():
        blocked = [f for f in findings_of(draft.findings) if f.action == "blocked"]
        raise StillBlocked(
            {
                "message": "the draft is blocked: edit the text until it passes, then approve",
                "findings": findings_json(blocked + [f for f in findings if f not in blocked]),
                "text": report.text,
            }
        )
    if not report.passed:
        rules = sorted({f.rule for f in findings if f.action == "blocked"})
        raise StillBlocked(
            {
                "message": f"the final text still has a blocked finding ({', '.join(rules)}): "
                "edit it and try again",
                "findings": findings_json(findings),
                "text": report.text,
            }
        )
    final = report.text
    edited = final != draft.text
    ratio = edit_ratio(draft.text, final)
    undone = undone_fixes(findings_of(draft.findings), findings)
    event = history_event(
        draft,
        action="approved",
        actor=agent_id,
        at=now,
        text_after=final,
        details={
            "status_before": draft.status.value,
            "edited": edited,
            "edit_ratio": ratio,
            "undone_fixes": undone,
            "findings": findings_json(findings),
        },
    )
    transition(
        engine,
        draft,
        values={
            "status": DraftStatus.approved,
            "text": final,
            "updated_at": now,
            "reviewed_by": agent_id,
            "reviewed_at": now,
            "edited": edited,
            "edit_ratio": ratio,
            "undone_fixes": undone,
        },
        event=event,
        announce=[*([EventType.edited] if edited else []), EventType.approved],
    )
    return ApproveResponse.model_validate(
        {
            "draft_id": draft.id,
            "status": "approved",
            "text": final,
            "edited": edited,
            "edit_ratio": ratio,
            "undone_fixes": undone,
            "findings": findings_json(findings),
        }
    )


def reject(engine: sa.Engine, *, draft_id: str, agent_id: str, reason: str) -> RejectResponse:
    draft = load_open(engine, draft_id)
    now = utcnow()
    event = history_event(
        draft,
        action="rejected",
        actor=agent_id,
        at=now,
        text_after=None,
        details={"status_before": draft.status.value, "reason": reason},
    )
    transition(
        engine,
        draft,
        values={
            "status": DraftStatus.rejected,
            "updated_at": now,
            "reviewed_by": agent_id,
            "reviewed_at": now,
            "reject_reason": reason,
        },
        event=event,
        announce=[EventType.rejected],
    )
    return RejectResponse(draft_id=draft.id, status="rejected", reason=reason)


def history_event(
    draft: Draft,
    *,
    action: str,
    actor: str,
    at: datetime,
    text_after: str | None,
    details: dict[str, Any],
) -> DraftEvent:
    return DraftEvent.model_validate(
        {
            "draft_id": draft.id,
            "at": at,
            "action": action,
            "actor": actor,
            "text_before": draft.text,
            "text_after": text_after,
            "details": details,
        }
    )
