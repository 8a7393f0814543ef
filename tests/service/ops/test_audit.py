"""The compliance audit (`service.ops.audit`): today's guardrails on sent replies, by rule, agent
and template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.ops.support import audit_kb, audit_seed


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return audit_kb(tmp_path)


@pytest.fixture
def seeded(db_url: str) -> dict[str, str]:
    return audit_seed(db_url)


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
