"""The compliance audit the seller guide asks for: a sample of sent replies under today's rules.

Rules change after a reply is sent, so the audit re-runs the *current* guardrails on the text
that was sent (the approved text) and reports every finding as a violation, by rule, by agent
and by the KB entries the draft came from, with examples and what to update. It also lints every
KB template (render + guardrails, as `kb lint` does): a template that breaks a rule would put
the violation back into tomorrow's drafts.

A reply "has a violation" when the current guardrails report any finding on it: `fixed` and
`blocked` ones would stop or change it today, `flagged` ones need a human look. The counts by
action are reported too, so a seller can tell them apart.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

import guardrails
from service.compose.pipeline import stored_context
from service.knowledge import KnowledgeBase
from service.knowledge.lint import lint_template
from service.store.models import AuditRequest, Draft, DraftStatus, utcnow

EXAMPLES_PER_RULE = 3
_EXCERPT = 60  # characters of context either side of a match


def sample(session: Session, request: AuditRequest) -> list[Draft]:
    """The approved replies to audit: the most recent, or a seeded random draw."""
    where = [col(Draft.status) == DraftStatus.approved]
    if request.since is not None:
        where.append(col(Draft.reviewed_at) >= request.since)
    if request.mode == "recent":
        statement = (
            select(Draft)
            .where(*where)
            .order_by(col(Draft.reviewed_at).desc(), col(Draft.id))
            .limit(request.sample_size)
        )
        return list(session.exec(statement).all())
    # Draw ids in Python with a seeded generator: the same on SQLite and PostgreSQL, and
    # repeatable from the seed stored with the audit.
    ids = sorted(session.exec(select(Draft.id).where(*where)).all())
    chosen = random.Random(request.seed).sample(ids, min(request.sample_size, len(ids)))
    rows = session.exec(select(Draft).where(col(Draft.id).in_(chosen))).all()
    return sorted(rows, key=lambda d: d.reviewed_at or d.created_at, reverse=True)


def _excerpt(text: str, start: int, end: int) -> str:
    left = max(0, start - _EXCERPT)
    right = min(len(text), end + _EXCERPT)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def check_reply(draft: Draft) -> list[dict[str, Any]]:
    """Today's guard on the text that was sent, in the circumstances it was sent in."""
    sent_at = draft.reviewed_at or draft.created_at
    report = guardrails.check(draft.text, stored_context(draft, now=sent_at))
    return [
        finding.to_dict() | {"excerpt": _excerpt(draft.text, finding.start, finding.end)}
        for finding in report.findings
    ]


def _group_rows(
    checked: Sequence[tuple[Draft, list[dict[str, Any]]]], keys: Any
) -> list[dict[str, Any]]:
    replies: Counter[str] = Counter()
    violating: Counter[str] = Counter()
    rules: dict[str, Counter[str]] = defaultdict(Counter)
    for draft, findings in checked:
        for key in keys(draft):
            replies[key] += 1
            violating[key] += bool(findings)
            rules[key].update(f["rule"] for f in findings)
    rows = [
        {
            "name": key,
            "replies": replies[key],
            "with_violations": violating[key],
            "violation_rate": round(violating[key] / replies[key], 4),
            "rules": dict(rules[key].most_common()),
        }
        for key in replies
    ]
    return sorted(rows, key=lambda r: (-r["with_violations"], -r["replies"], r["name"]))


def templates(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every KB template rendered and checked; only those with something to fix are listed."""
    rows = []
    for entry in kb.entries:
        if entry.kind != "template":
            continue
        errors, warnings = lint_template(entry)
        if errors or warnings:
            rows.append(
                {
                    "id": entry.id,
                    "path": entry.path,
                    "errors": [f"line {e.line}: {e.message}" for e in errors],
                    "warnings": [f"line {w.line}: {w.message}" for w in warnings],
                }
            )
    return sorted(rows, key=lambda r: r["path"])


def _recommendations(
    by_rule: dict[str, Any],
    by_agent: list[dict[str, Any]],
    by_source: list[dict[str, Any]],
    template_rows: list[dict[str, Any]],
) -> list[str]:
    advice = [
        f"Fix template {row['id']} ({row['path']}): {len(row['errors'])} error(s)"
        for row in template_rows
        if row["errors"]
    ]
    for row in by_source:
        if row["with_violations"]:
            rules = ", ".join(row["rules"])
            advice.append(
                f"Review KB entry {row['name']}: {row['with_violations']} of {row['replies']} "
                f"sent replies drawn from it break {rules}"
            )
    for row in by_agent:
        if row["with_violations"]:
            rules = ", ".join(row["rules"])
            advice.append(
                f"Retrain agent {row['name']} on {rules}: {row['with_violations']} of "
                f"{row['replies']} replies"
            )
    if by_rule and not advice:
        advice.append("Violations came from agents' own words: share the examples with the team")
    return advice


def run(
    session: Session, *, kb: KnowledgeBase, request: AuditRequest, now: datetime | None = None
) -> dict[str, Any]:
    """The audit report as a JSON-ready dict (not stored: see audit_store.run_and_store)."""
    now = now or utcnow()
    if request.mode == "random" and request.seed is None:
        request = request.model_copy(update={"seed": random.SystemRandom().randrange(2**31)})
    drafts = sample(session, request)
    checked = [(draft, check_reply(draft)) for draft in drafts]
    by_rule: dict[str, dict[str, Any]] = {}
    for draft, findings in checked:
        for finding in findings:
            row = by_rule.setdefault(
                finding["rule"],
                {"findings": 0, "replies": set(), "actions": Counter(), "examples": []},
            )
            row["findings"] += 1
            row["replies"].add(draft.id)
            row["actions"][finding["action"]] += 1
            if len(row["examples"]) < EXAMPLES_PER_RULE:
                row["examples"].append(
                    {
                        "draft_id": draft.id,
                        "agent": draft.reviewed_by,
                        "reviewed_at": draft.reviewed_at,
                        "policy_version_when_sent": draft.policy_version,
                        "action": finding["action"],
                        "match": finding["match"],
                        "excerpt": finding["excerpt"],
                        "message": finding["message"],
                    }
                )
    rules = {
        rule: {
            "findings": row["findings"],
            "replies": len(row["replies"]),
            "actions": dict(sorted(row["actions"].items())),
            "examples": row["examples"],
        }
        for rule, row in sorted(
            by_rule.items(), key=lambda item: (-len(item[1]["replies"]), item[0])
        )
    }
    by_agent = _group_rows(checked, lambda d: [d.reviewed_by or "unknown"])
    by_source = _group_rows(checked, lambda d: [s["id"] for s in d.sources])
    by_template = [r for r in by_source if _kind(kb, checked, r["name"]) == "template"]
    template_rows = templates(kb)
    violating = sum(1 for _draft, findings in checked if findings)
    return {
        "created_at": now,
        "policy_version": guardrails.POLICY_VERSION,
        "sample": {
            "mode": request.mode,
            "requested": request.sample_size,
            "since": request.since,
            "seed": request.seed,
            "sampled": len(checked),
        },
        "summary": {
            "replies": len(checked),
            "with_violations": violating,
            "violation_rate": round(violating / len(checked), 4) if checked else None,
            "findings": sum(len(f) for _d, f in checked),
            "templates_checked": sum(1 for e in kb.entries if e.kind == "template"),
            "templates_with_errors": sum(1 for r in template_rows if r["errors"]),
        },
        "by_rule": rules,
        "by_agent": by_agent,
        "by_template": by_template,
        "by_source": by_source,
        "templates": template_rows,
        "replies": [
            {
                "draft_id": draft.id,
                "agent": draft.reviewed_by,
                "reviewed_at": draft.reviewed_at,
                "intent": draft.intent,
                "language": draft.language,
                "sources": [s["id"] for s in draft.sources],
                "rules": sorted({f["rule"] for f in findings}),
            }
            for draft, findings in checked
        ],
        "recommendations": _recommendations(rules, by_agent, by_source, template_rows),
        "definitions": {
            "violation": "any finding of the current guardrails on the text that was sent",
            "sample": "approved replies, most recent review first (mode recent) or a seeded "
            "random draw (mode random), reviewed at or after `since` when given",
            "by_template": "sent replies grouped by the KB template they were drafted from",
            "templates": "every KB template rendered with a full sample order and checked",
        },
    }


def _kind(
    kb: KnowledgeBase, checked: Sequence[tuple[Draft, list[dict[str, Any]]]], source_id: str
) -> str | None:
    entry = kb.get(source_id)
    if entry is not None:
        return entry.kind
    # An entry deleted since: trust the kind stored with the draft.
    for draft, _findings in checked:
        for source in draft.sources:
            if source["id"] == source_id:
                return str(source.get("kind"))
    return None
