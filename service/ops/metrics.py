"""Prometheus metrics (`GET /metrics`); the request middleware that feeds the HTTP ones is
`service.api.middleware.RequestObserver`.

Each app has its own `CollectorRegistry`, so several apps in one process (the tests) never share
counters. Counters and histograms are updated where things happen: the middleware times every
request by route *template* (`/drafts/{draft_id}`, never an id, so the label set stays small),
and `observe_draft` counts each stored draft. Queue gauges and KB sizes are read at scrape time
by a collector (two indexed queries), so they are right even right after a restart.

With `--workers N` each worker process keeps its own counters: scrape each worker or run one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlmodel import col, func, select

from service.knowledge import KnowledgeBase
from service.store.models import Draft, DraftStatus, utcnow


class Observed(Protocol):
    """What the scrape-time gauges read: the database and the knowledge base now."""

    @property
    def engine(self) -> sa.Engine: ...

    @property
    def kb(self) -> KnowledgeBase: ...


_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_LLM_BUCKETS = (0.25, 0.5, 1, 2, 4, 8, 15, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "replydesk_http_requests",
            "HTTP requests by route template",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "replydesk_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.drafts = Counter(
            "replydesk_drafts",
            "Drafts stored, by generator kind and status",
            ["generator", "status"],
            registry=r,
        )
        self.fallbacks = Counter(
            "replydesk_llm_fallbacks",
            "Template fallbacks after an LLM failure",
            ["reason"],
            registry=r,
        )
        self.findings = Counter(
            "replydesk_guardrail_findings",
            "Guardrail findings on new drafts",
            ["rule", "action"],
            registry=r,
        )
        self.llm_latency = Histogram(
            "replydesk_llm_latency_seconds",
            "Time waited for the LLM per draft, fallbacks included",
            buckets=_LLM_BUCKETS,
            registry=r,
        )
        self.llm_tokens = Counter(
            "replydesk_llm_tokens", "LLM tokens used", ["kind"], registry=r
        )  # fmt: skip

    def observe_draft(self, draft: Draft) -> None:
        self.drafts.labels(draft.generator_kind, draft.status).inc()
        if draft.generator_kind == "llm" or draft.fallback_reason:
            self.llm_latency.observe(draft.latency_ms / 1000)
            self.llm_tokens.labels("prompt").inc(draft.prompt_tokens)
            self.llm_tokens.labels("completion").inc(draft.completion_tokens)
        if draft.fallback_reason:
            self.fallbacks.labels(draft.fallback_reason).inc()
        for finding in draft.findings:
            self.findings.labels(finding["rule"], finding["action"]).inc()

    def watch(self, resources: Callable[[], Observed | None]) -> None:
        self.registry.register(_StateCollector(resources))


class _StateCollector(Collector):
    """Queue and KB gauges, read when Prometheus scrapes."""

    def __init__(self, resources: Callable[[], Observed | None]) -> None:
        self._resources = resources

    def describe(self) -> list[Metric]:
        return []  # no queries at registration time, when there is no database yet

    def collect(self) -> Iterator[Metric]:
        resources = self._resources()
        if resources is None:
            return
        kb = GaugeMetricFamily(
            "replydesk_kb_entries", "Knowledge-base entries loaded", labels=["kind", "language"]
        )
        counts: dict[tuple[str, str], int] = {}
        for entry in resources.kb.entries:
            counts[(entry.kind, entry.language)] = counts.get((entry.kind, entry.language), 0) + 1
        for (kind, language), n in sorted(counts.items()):
            kb.add_metric([kind, language], n)
        yield kb
        open_drafts = GaugeMetricFamily(
            "replydesk_drafts_open", "Drafts waiting for an agent", labels=["status"]
        )
        oldest = GaugeMetricFamily(
            "replydesk_oldest_open_draft_age_seconds",
            "Age of the oldest waiting draft's buyer message (0 when none waits)",
        )
        statement = (
            select(col(Draft.status), func.count(), func.min(col(Draft.received_at)))
            .where(col(Draft.status).in_(DraftStatus.open()))
            .group_by(col(Draft.status))
        )
        with resources.engine.connect() as connection:
            rows = connection.execute(statement).all()
        seen: dict[str, tuple[int, Any]] = {str(s): (n, first) for s, n, first in rows}
        firsts: list[datetime] = []
        for status in DraftStatus.open():
            n, first = seen.get(status.value, (0, None))
            open_drafts.add_metric([status.value], n)
            if first is not None:
                firsts.append(_aware(first))
        yield open_drafts
        oldest.add_metric([], (utcnow() - min(firsts)).total_seconds() if firsts else 0.0)
        yield oldest


def _aware(value: Any) -> datetime:
    # Aggregates bypass the column type: SQLite returns text or a naive datetime.
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
