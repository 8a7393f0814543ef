"""`GET /metrics`: scraped and parsed like Prometheus does, with known counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import draft_request

KEYS = "plugin:p,agent:a,ops:o"
PLUGIN = {"Authorization": "Bearer p"}
AGENT = {"Authorization": "Bearer a"}
OPS = {"Authorization": "Bearer o"}


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", headers=OPS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_drafts_findings_and_fallbacks(
    make_client: Callable[..., TestClient], fake_llm: Any, tmp_path: Any
) -> None:
    llm = make_client(api_keys=KEYS, llm_base_url=fake_llm[0], llm_model="violations")
    # A second app in the same process, on its own database: its counters must not mix in.
    failing = make_client(
        api_keys=KEYS,
        database_url=f"sqlite:///{tmp_path / 'other.db'}",
        llm_base_url=fake_llm[0],
        llm_model="http500",
        llm_max_retries=0,
    )
    first = llm.post("/draft", json=draft_request(), headers=PLUGIN).json()
    second = llm.post("/draft", json=draft_request(), headers=PLUGIN).json()
    approve = llm.post(
        f"/drafts/{first['draft_id']}/approve", json={"agent_id": "anna"}, headers=AGENT
    )
    assert approve.status_code == 200
    assert failing.post("/draft", json=draft_request(), headers=PLUGIN).status_code == 201
    llm.get("/drafts/nope", headers=AGENT)

    samples = scrape(llm)
    total = "replydesk_http_requests_total"
    assert value(samples, total, method="POST", route="/draft", status="201") == 2
    # Route templates, never ids: the label set stays small.
    approve_route = "/drafts/{draft_id}/approve"
    assert value(samples, total, method="POST", route=approve_route, status="200") == 1
    assert value(samples, total, method="GET", route="/drafts/{draft_id}", status="404") == 1
    duration = "replydesk_http_request_duration_seconds_count"
    assert value(samples, duration, method="POST", route="/draft") == 2
    assert value(samples, "replydesk_drafts_total", generator="llm", status=first["status"]) == 2
    rules: dict[tuple[str, str], int] = {}
    for finding in first["guardrails"]["findings"] + second["guardrails"]["findings"]:
        key = (finding["rule"], finding["action"])
        rules[key] = rules.get(key, 0) + 1
    assert rules, "the 'violations' model writes a draft the guardrails must fix"
    for (rule, action), count in rules.items():
        assert value(samples, "replydesk_guardrail_findings_total", rule=rule, action=action) == (
            count
        )
    assert value(samples, "replydesk_llm_latency_seconds_count") == 2
    assert not [k for k in samples if k[0] == "replydesk_llm_fallbacks_total"]

    other = scrape(failing)
    assert value(other, "replydesk_llm_fallbacks_total", reason="upstream_error") == 1
    assert value(other, "replydesk_drafts_total", generator="template", status="pending") == 1
    assert value(other, total, method="POST", route="/draft", status="201") == 1


def test_metrics_gauges_read_queue_and_kb_at_scrape_time(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(api_keys=KEYS)
    samples = scrape(client)
    assert value(samples, "replydesk_drafts_open", status="pending") == 0
    assert value(samples, "replydesk_oldest_open_draft_age_seconds") == 0
    kb = client.get("/kb", headers=OPS).json()
    entries = sum(v for (name, _labels), v in samples.items() if name == "replydesk_kb_entries")
    assert entries == kb["entries"] > 0
    assert value(samples, "replydesk_kb_entries", kind="template", language="en") > 0

    client.post("/draft", json=draft_request(), headers=PLUGIN)  # received 2026-11-20 09:15
    samples = scrape(client)
    assert value(samples, "replydesk_drafts_open", status="pending") == 1
    received = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    age = value(samples, "replydesk_oldest_open_draft_age_seconds")
    assert abs(age - (datetime.now(UTC) - received).total_seconds()) < 60
