"""Stored audits (`service.ops.audit_store`): the row says what was asked and found, the report
is kept as the JSON that was answered, and a list shows its summary."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from service.knowledge import load_kb
from service.ops.audit_store import run_and_store, summary
from service.store.db import create_db_engine
from service.store.models import Audit, AuditRequest
from tests.service.ops.support import audit_kb, audit_seed


def values(tree: Any) -> list[Any]:
    """Every leaf of a JSON-like tree."""
    if isinstance(tree, dict):
        return [leaf for value in tree.values() for leaf in values(value)]
    if isinstance(tree, list | tuple):
        return [leaf for value in tree for leaf in values(value)]
    return [tree]


def test_an_audit_is_stored_as_the_json_it_answered(db_url: str, tmp_path: Path) -> None:
    seeded = audit_seed(db_url)
    engine = create_db_engine(db_url)
    # A time without a zone is UTC, as everywhere in the API.
    request = AuditRequest.model_validate({"sample_size": 2, "since": "2026-11-01T00:00:00"})
    try:
        audit_id, report = run_and_store(
            engine, kb=load_kb(audit_kb(tmp_path)), request=request, requested_by="anna"
        )
        with Session(engine) as session:
            row = session.get(Audit, audit_id)
    finally:
        engine.dispose()
    assert row is not None
    assert report["audit_id"] == audit_id
    assert row.report == {key: value for key, value in report.items() if key != "audit_id"}
    # Times are ISO text at every depth, so the stored report reads back as it was answered.
    assert not [leaf for leaf in values(report) if isinstance(leaf, datetime)]
    assert row.created_at == datetime.fromisoformat(report["created_at"])
    assert [reply["draft_id"] for reply in report["replies"]] == [seeded["link"], seeded["review"]]
    assert (row.requested_by, row.mode, row.sample_size, row.since) == (
        "anna", "recent", 2, datetime(2026, 11, 1, tzinfo=UTC),
    )  # fmt: skip
    assert (row.sampled, row.with_violations, row.template_errors) == (2, 2, 1)
    assert row.policy_version == report["policy_version"]


def test_the_summary_of_an_audit_names_it_by_id() -> None:
    audit = Audit.model_validate(
        {
            "requested_by": "cli",
            "mode": "random",
            "sample_size": 20,
            "sampled": 12,
            "with_violations": 3,
            "template_errors": 0,
            "policy_version": "2026.11",
            "report": {"summary": {"replies": 12}},
        }
    )
    listed = summary(audit)
    assert listed.model_dump() == {
        "audit_id": audit.id,
        "created_at": audit.created_at,
        "requested_by": "cli",
        "mode": "random",
        "sample_size": 20,
        "since": None,
        "sampled": 12,
        "with_violations": 3,
        "template_errors": 0,
        "policy_version": "2026.11",
    }
