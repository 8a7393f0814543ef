"""`GET /stats`: response times, acceptance and edit rates, findings, LLM usage and cost.

Everything is computed from the stored drafts whose buyer message arrived in the window
`since ≤ received_at < until`, so the same window always gives the same answer. The figures and
their exact meaning are listed in `DEFINITIONS`, which every response carries.

A *message* is one buyer message: the drafts of one order with the same `received_at` (a full
reply and an acknowledgement, or a rejected draft and its redraft, answer the same message).
Proactive drafts answer no message: they count as drafts, never as messages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from service.config import Price
from service.ops.llm_usage import Row, llm_usage, percentile, rate, rounded
from service.store.models import Draft, utcnow

DEFAULT_WINDOW = timedelta(days=30)
OPEN = ("pending", "blocked")

DEFINITIONS: dict[str, str] = {
    "window": "drafts whose buyer message was received in since ≤ received_at < until (UTC); "
    "default: the 30 days before now",
    "message": "one buyer message: the non-proactive drafts of one order with the same received_at",
    "messages.received": "messages in the window",
    "messages.answered": "messages with at least one approved draft",
    "messages.response_time_s": "per answered message, the first approval's reviewed_at − "
    "received_at in seconds; median and p90 by linear interpolation between closest ranks",
    "messages.due": "messages that need a reply (not no_response_needed) and are answered or "
    "past respond_by now",
    "messages.answered_within_24h": "due messages whose first approval was at or before "
    "respond_by (Amazon's 24-hour clock)",
    "messages.share_within_24h": "answered_within_24h / due (null when nothing is due)",
    "messages.overdue_now": "messages needing a reply with no approved draft, an open (pending "
    "or blocked) draft, and respond_by already past",
    "drafts.approved_unedited": "approved drafts sent exactly as drafted (edited = false)",
    "drafts.acceptance_rate": "approved_unedited / approved (null when none approved)",
    "drafts.mean_edit_ratio": "mean over approved drafts of the normalised Levenshtein distance "
    "between draft and sent text (0 unchanged, 1 rewritten)",
    "drafts.rejected": "drafts an agent rejected",
    "drafts.blocked": "drafts the guardrails blocked when drafted (whatever happened after)",
    "findings_by_rule": "guardrail findings on the drafts as drafted, by rule and action",
    "by_agent": "the same figures over the drafts each agent reviewed (reviewed_by)",
    "guardrail_acceptance": "per rule: drafts the rule fixed, how many of those were approved, "
    "and how many of the approvals the agent undid (the fix had to be made again on the "
    "agent's text, or the inserted text was removed); undo_rate = undone / approved",
    "sources": "per KB entry used by approved drafts: approvals, edited approvals and mean "
    "edit ratio, most edited first: the entries to improve",
    "llm.calls": "drafts that asked the LLM (generator llm, or a template after an LLM failure)",
    "llm.fallback_rate": "per reason, fallbacks / calls",
    "llm.latency_ms": "p50 and p95 of the LLM wait per call, fallbacks included",
    "llm.cost_usd": "tokens × the per-million-token price of REPLYDESK_LLM_PRICES; models "
    "without a price are listed in unpriced_models and left out of the sum",
}


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime
    until: datetime

    @classmethod
    def of(cls, since: datetime | None, until: datetime | None, *, now: datetime) -> Window:
        end = until or now
        return cls(since=since or end - DEFAULT_WINDOW, until=end)


# Only the columns the figures use, as plain rows: ten times faster than ORM objects.
_COLUMNS = (
    "order_id", "received_at", "respond_by", "status", "reviewed_at", "reviewed_by",
    "no_response_needed", "policy", "edited", "edit_ratio", "guardrails_passed", "findings",
    "undone_fixes", "sources", "intent", "language", "generator_kind", "generator_model",
    "fallback_reason", "latency_ms", "prompt_tokens", "completion_tokens",
)  # fmt: skip


def load(session: Session, window: Window) -> list[Row]:
    table: sa.Table = Draft.__table__  # type: ignore[attr-defined]
    statement = sa.select(*(table.c[name] for name in _COLUMNS)).where(
        table.c.received_at >= window.since, table.c.received_at < window.until
    )
    return list(session.connection().execute(statement).all())


def is_proactive(draft: Row) -> bool:
    return bool(draft.policy.get("message_kind") == "proactive")


def _messages(drafts: Iterable[Row], *, now: datetime) -> dict[str, Any]:
    grouped: dict[tuple[str, datetime], list[Row]] = defaultdict(list)
    for draft in drafts:
        if not is_proactive(draft):
            grouped[(draft.order_id, draft.received_at)].append(draft)
    answered = due = on_time = overdue = silent = 0
    times: list[float] = []
    for (_order, received_at), group in grouped.items():
        approvals = sorted(d.reviewed_at for d in group if d.status == "approved" and d.reviewed_at)
        respond_by = min(d.respond_by for d in group)
        needs_reply = not all(d.no_response_needed for d in group)
        silent += not needs_reply
        if approvals:
            answered += 1
            times.append((approvals[0] - received_at).total_seconds())
        if needs_reply and (approvals or respond_by <= now):
            due += 1
            on_time += bool(approvals) and approvals[0] <= respond_by
        if needs_reply and not approvals and respond_by < now:
            overdue += any(d.status in OPEN for d in group)
    return {
        "received": len(grouped),
        "answered": answered,
        "no_response_needed": silent,
        "due": due,
        "answered_within_24h": on_time,
        "share_within_24h": rate(on_time, due),
        "overdue_now": overdue,
        "response_time_s": {
            "median": rounded(percentile(times, 0.5)),
            "p90": rounded(percentile(times, 0.9)),
        },
    }


def _drafts(drafts: Sequence[Row]) -> dict[str, Any]:
    approved = [d for d in drafts if d.status == "approved"]
    unedited = sum(1 for d in approved if d.edited is False)
    ratios = [d.edit_ratio for d in approved if d.edit_ratio is not None]
    return {
        "total": len(drafts),
        "pending": sum(1 for d in drafts if d.status == "pending"),
        "approved": len(approved),
        "approved_unedited": unedited,
        "acceptance_rate": rate(unedited, len(approved)),
        "mean_edit_ratio": round(sum(ratios) / len(ratios), 4) if ratios else None,
        "rejected": sum(1 for d in drafts if d.status == "rejected"),
        "blocked": sum(1 for d in drafts if not d.guardrails_passed),
    }


def _findings(drafts: Iterable[Row]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for draft in drafts:
        for finding in draft.findings:
            counts[finding["rule"]][finding["action"]] += 1
    return {rule: dict(sorted(c.items())) for rule, c in sorted(counts.items())}


def figures(drafts: Sequence[Row], *, now: datetime) -> dict[str, Any]:
    return {
        "messages": _messages(drafts, now=now),
        "drafts": _drafts(drafts),
        "findings_by_rule": _findings(drafts),
    }


def _by(
    drafts: Sequence[Row], key: Callable[[Row], str | None], *, now: datetime
) -> dict[str, Any]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for draft in drafts:
        name = key(draft)
        if name is not None:
            groups[name].append(draft)
    return {name: figures(group, now=now) for name, group in sorted(groups.items())}


def guardrail_acceptance(drafts: Iterable[Row]) -> dict[str, dict[str, Any]]:
    fixed: Counter[str] = Counter()
    approved: Counter[str] = Counter()
    undone: Counter[str] = Counter()
    for draft in drafts:
        rules = {f["rule"] for f in draft.findings if f["action"] == "fixed"}
        fixed.update(rules)
        if draft.status == "approved":
            approved.update(rules)
            undone.update(set(draft.undone_fixes) & rules)
    return {
        rule: {
            "fixed": fixed[rule],
            "approved": approved[rule],
            "undone": undone[rule],
            "undo_rate": rate(undone[rule], approved[rule]),
        }
        for rule in sorted(fixed, key=lambda r: (-undone[r], r))
    }


def sources(drafts: Iterable[Row]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    ratios: dict[str, list[float]] = defaultdict(list)
    for draft in drafts:
        if draft.status != "approved":
            continue
        for source in draft.sources:
            row = seen.setdefault(
                source["id"], {"id": source["id"], "kind": source.get("kind"), "approved": 0}
            )
            row["approved"] += 1
            ratios[source["id"]].append(draft.edit_ratio or 0.0)
    for source_id, row in seen.items():
        values = ratios[source_id]
        row["edited"] = sum(1 for r in values if r > 0)
        row["mean_edit_ratio"] = round(sum(values) / len(values), 4)
    return sorted(seen.values(), key=lambda r: (-r["mean_edit_ratio"], -r["approved"], r["id"]))


def compute(
    session: Session,
    *,
    since: datetime | None,
    until: datetime | None,
    prices: dict[str, Price],
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    window = Window.of(since, until, now=now)
    drafts = load(session, window)
    return {
        "since": window.since,
        "until": window.until,
        "generated_at": now,
        **figures(drafts, now=now),
        "by_agent": _by(drafts, lambda d: d.reviewed_by, now=now),
        "by_intent": _by(drafts, lambda d: d.intent, now=now),
        "by_language": _by(drafts, lambda d: d.language, now=now),
        "guardrail_acceptance": guardrail_acceptance(drafts),
        "sources": sources(drafts),
        "llm": llm_usage(drafts, prices=prices),
        "definitions": DEFINITIONS,
    }
