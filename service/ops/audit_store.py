"""Stored audits: run one and keep its report, and the summary a list of past audits shows.

The report is stored as JSON (times as ISO text), so an old audit reads as it did the day it ran.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from service.knowledge import KnowledgeBase
from service.ops.audit import run
from service.store.db import session_scope
from service.store.models import Audit, AuditRequest, AuditSummary


def run_and_store(
    engine: sa.Engine, *, kb: KnowledgeBase, request: AuditRequest, requested_by: str | None
) -> tuple[str, dict[str, Any]]:
    """Run the audit, store it, and return its id and the JSON report (times as ISO text)."""
    with session_scope(engine) as session:
        report = run(session, kb=kb, request=request)
    audit = Audit.model_validate(
        {
            "created_at": report["created_at"],
            "requested_by": requested_by,
            "mode": request.mode,
            "sample_size": request.sample_size,
            "since": request.since,
            "sampled": report["sample"]["sampled"],
            "with_violations": report["summary"]["with_violations"],
            "template_errors": report["summary"]["templates_with_errors"],
            "policy_version": report["policy_version"],
            "report": _jsonable(report),
        }
    )
    with session_scope(engine) as session:
        session.add(audit)
    return audit.id, {"audit_id": audit.id, **audit.report}


def summary(audit: Audit) -> AuditSummary:
    return AuditSummary.model_validate(audit.model_dump() | {"audit_id": audit.id})


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
