"""The compliance audit: today's guardrails on sent replies, by rule, agent and template."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from service.cli import main
from tests.conftest import REPO
from tests.service.ops.support import DAMAGED, SHIPPING, approved, at, draft, store

CLEAN = (
    "Hello Jane,\n\nThank you for your message about order 114-3941689-8772232. Your parcel is "
    "on its way with UPS and should arrive by Friday.\n\nBest regards,\nCustomer Service"
)
# Approved in 2025 under an older rule book that let a review request through.
REVIEW_REQUEST = (
    "Hello Jane,\n\nThank you for your message about order 114-3941689-8772232. The replacement "
    "is on its way. Please leave us a 5-star review once it arrives.\n\nBest regards,\nCustomer "
    "Service"
)
LINK = (
    "Hello Max,\n\nSorry about order 114-3941689-8772232. You can start the return at "
    "https://shop.example.com/returns today.\n\nBest regards,\nCustomer Service"
)
BAD_TEMPLATE = """---
id: returns/start-online
kind: template
title: Start a return on our shop
language: en
intents: [return_request]
---
Hello {{ buyer_name }},

About order {{ order_id }}: start your return at https://shop.example.com/returns.

Kind regards,
Customer Service
"""


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """The shipped where-is-my-order template and one that sends buyers off Amazon."""
    kb = tmp_path / "kb"
    (kb / "en").mkdir(parents=True)
    shutil.copy(REPO / "knowledge_base/en/shipping/where-is-my-order.md", kb / "en/where.md")
    (kb / "en/start-online.md").write_text(BAD_TEMPLATE, encoding="utf-8")
    return kb


@pytest.fixture
def seeded(db_url: str) -> dict[str, str]:
    rows = {
        "clean": approved("anna", at(20, 9), text=CLEAN, sources=[SHIPPING]),
        "review": approved(
            "anna", at(21, 9), text=REVIEW_REQUEST, sources=[SHIPPING], policy_version="2025.01"
        ),
        "link": approved("ben", at(22, 9), 0.3, text=LINK, sources=[DAMAGED]),
        # Never sent: not audited, however bad.
        "pending": draft(text=LINK),
    }
    store(db_url, list(rows.values())).dispose()
    return {name: row.id for name, row in rows.items()}


@pytest.fixture
def ops(db_url: str, kb_dir: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(database_url=db_url, kb_dir=kb_dir)


def _audit(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/audit", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_audit_finds_violations_of_rules_newer_than_the_reply(
    ops: TestClient, seeded: dict[str, str]
) -> None:
    report = _audit(ops)
    assert report["summary"]["replies"] == 3
    assert report["summary"]["with_violations"] == 2
    assert report["summary"]["violation_rate"] == 0.6667
    assert list(report["by_rule"]) == ["external_link", "review_solicitation"]
    review = report["by_rule"]["review_solicitation"]
    assert review["replies"] == 1 and review["actions"] == {"fixed": 1}
    example = review["examples"][0]
    assert example["draft_id"] == seeded["review"]
    assert example["agent"] == "anna"
    assert example["policy_version_when_sent"] == "2025.01"
    assert "5-star review" in example["excerpt"]
    link = report["by_rule"]["external_link"]["examples"][0]
    assert (link["draft_id"], link["agent"]) == (seeded["link"], "ben")
    assert seeded["pending"] not in {r["draft_id"] for r in report["replies"]}


def test_audit_by_agent_and_template_and_what_to_update(
    ops: TestClient, seeded: dict[str, str]
) -> None:
    report = _audit(ops)
    agents = {row["name"]: row for row in report["by_agent"]}
    assert agents["anna"] == {
        "name": "anna", "replies": 2, "with_violations": 1, "violation_rate": 0.5,
        "rules": {"review_solicitation": 1},
    }  # fmt: skip
    assert agents["ben"]["with_violations"] == 1
    assert agents["ben"]["rules"] == {"external_link": 1}
    templates = {row["name"]: row for row in report["by_template"]}
    assert templates["shipping/where-is-my-order"]["replies"] == 2
    assert templates["shipping/where-is-my-order"]["with_violations"] == 1
    assert templates["product-issues/damaged"]["rules"] == {"external_link": 1}
    # Every KB template is checked: the one with a link must be fixed.
    assert report["summary"]["templates_checked"] == 2
    assert report["summary"]["templates_with_errors"] == 1
    [bad] = report["templates"]
    assert bad["id"] == "returns/start-online"
    assert any("external_link" in error for error in bad["errors"])
    advice = "\n".join(report["recommendations"])
    assert "Fix template returns/start-online" in advice
    assert "Retrain agent anna on review_solicitation" in advice
    assert "Review KB entry product-issues/damaged" in advice


def test_audits_are_stored_and_listed(ops: TestClient, seeded: dict[str, str]) -> None:
    first = _audit(ops, sample_size=2)
    assert [r["draft_id"] for r in first["replies"]] == [seeded["link"], seeded["review"]]
    second = _audit(ops, mode="random", seed=7, sample_size=2)
    again = _audit(ops, mode="random", seed=7, sample_size=2)
    assert [r["draft_id"] for r in second["replies"]] == [r["draft_id"] for r in again["replies"]]
    since = _audit(ops, since="2026-11-21T12:00:00Z")
    assert [r["draft_id"] for r in since["replies"]] == [seeded["link"]]
    listing = ops.get("/audits").json()
    assert listing["count"] == 4
    newest = listing["data"][0]
    assert newest["audit_id"] == since["audit_id"]
    assert (newest["sampled"], newest["with_violations"], newest["template_errors"]) == (1, 1, 1)
    stored = ops.get(f"/audits/{first['audit_id']}").json()
    assert stored["summary"] == first["summary"]
    assert ops.get("/audits/nope").status_code == 404


def test_audit_formats(ops: TestClient, seeded: dict[str, str]) -> None:
    markdown = ops.post("/audit?format=md", json={}).text
    assert "## By agent" in markdown
    assert "| anna | 2 | 1 | 50 % | review_solicitation |" in markdown
    page = ops.post("/audit?format=html")
    assert page.headers["content-type"].startswith("text/html")
    assert '<table id="agents"' in page.text
    assert "5-star review" in page.text


def test_audit_input_and_role(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_keys="agent:a,ops:o")
    assert client.post("/audit", headers={"Authorization": "Bearer a"}).status_code == 403
    ops = {"Authorization": "Bearer o"}
    assert client.post("/audit", json={"sample_size": 0}, headers=ops).status_code == 422
    assert client.get("/audits", headers={"Authorization": "Bearer a"}).status_code == 403
    empty = client.post("/audit", headers=ops).json()
    assert empty["summary"]["replies"] == 0
    assert empty["summary"]["violation_rate"] is None


def test_cli_audit_writes_the_report(
    db_url: str, kb_dir: Path, seeded: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("REPLYDESK_DATABASE_URL", db_url)
    monkeypatch.setenv("REPLYDESK_KB_DIR", str(kb_dir))
    from service.config import get_settings

    get_settings.cache_clear()
    out = tmp_path / "audit.json"
    result = CliRunner().invoke(
        main, ["audit", "--sample", "50", "--format", "json", "--out", str(out)]
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["summary"]["with_violations"] == 2
    assert "2 of 3 replies with a violation, 1 templates to fix" in result.output
    html = tmp_path / "audit.html"
    result = CliRunner().invoke(main, ["audit", "--format", "html", "--out", str(html)])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Compliance audit" in html.read_text(encoding="utf-8")
