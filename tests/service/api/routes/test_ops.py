"""`/audit`, `/audits`, `/stats` and `/metrics`: the ops role, stored audits in three formats,
and a statistics window taken as UTC that must run forwards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.problems import problem
from tests.service.ops.support import audit_kb, audit_seed, stats_seed, store

KEYS = "plugin:p,agent:a,ops:o"
AGENT = {"Authorization": "Bearer a"}
OPS = {"Authorization": "Bearer o"}
WINDOW = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-20T00:00:00Z"}


@pytest.fixture
def seeded(db_url: str) -> dict[str, str]:
    """The audit's drafts (see support.audit_seed)."""
    return audit_seed(db_url)


@pytest.fixture
def ops(db_url: str, tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(database_url=db_url, kb_dir=audit_kb(tmp_path))


@pytest.fixture
def stats_seeded(db_url: str) -> str:
    store(db_url, list(stats_seed().values())).dispose()
    return db_url


def _audit(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/audit", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# --- Audits -------------------------------------------------------------------------------


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


def test_audits_are_listed_newest_first_a_page_at_a_time(
    ops: TestClient, seeded: dict[str, str]
) -> None:
    ids = [_audit(ops, sample_size=n)["audit_id"] for n in (1, 2, 3)]
    page = ops.get("/audits", params={"limit": 1, "offset": 1}).json()
    assert page["count"] == 3
    assert [row["audit_id"] for row in page["data"]] == [ids[1]]
    assert page["data"][0]["sample_size"] == 2
    stored = ops.get(f"/audits/{ids[0]}", params={"format": "md"})
    assert stored.headers["content-type"].startswith("text/markdown")
    assert "## By agent" in stored.text
    page_html = ops.get(f"/audits/{ids[0]}", params={"format": "html"})
    assert '<table id="agents"' in page_html.text
    assert ops.get("/audits", params={"limit": 0}).status_code == 422


# --- Statistics ---------------------------------------------------------------------------


def test_prices_come_from_settings(
    stats_seeded: str, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(
        database_url=stats_seeded, llm_prices={"gpt-4o-mini": {"prompt": 1.0, "completion": 2.0}}
    )
    llm = client.get("/stats", params=WINDOW).json()["llm"]
    assert llm["cost_usd"] == pytest.approx((3500 * 1.0 + 700 * 2.0) / 1_000_000)


def test_stats_needs_ops_and_a_sane_window(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_keys="agent:a,ops:o")
    assert client.get("/stats", headers={"Authorization": "Bearer a"}).status_code == 403
    ops = {"Authorization": "Bearer o"}
    backwards = {"since": "2026-11-20T00:00:00Z", "until": "2026-11-01T00:00:00Z"}
    assert client.get("/stats", params=backwards, headers=ops).status_code == 400
    assert client.get("/stats", params={"since": "yesterday"}, headers=ops).status_code == 422
    empty = client.get("/stats", headers=ops).json()
    assert empty["messages"]["share_within_24h"] is None
    assert empty["drafts"]["acceptance_rate"] is None


def test_a_window_without_a_zone_is_utc(
    stats_seeded: str, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(database_url=stats_seeded)

    def figures(window: dict[str, str]) -> dict[str, Any]:
        result: dict[str, Any] = client.get("/stats", params=window).json()
        del result["generated_at"]
        return result

    naive = {name: value.removesuffix("Z") for name, value in WINDOW.items()}
    assert figures(naive) == figures(WINDOW)
    assert figures(naive)["since"] == WINDOW["since"]
    # A naive and an aware end compare as times, not as a type error.
    mixed = {"since": "2026-11-20T00:00:00", "until": "2026-11-01T00:00:00Z"}
    response = client.get("/stats", params=mixed)
    problem(response, 400, "since must be before until")


# --- Metrics ------------------------------------------------------------------------------


def test_metrics_take_the_ops_key_as_bearer(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_keys=KEYS)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=AGENT).status_code == 403
    assert client.get("/metrics", headers=OPS).status_code == 200
