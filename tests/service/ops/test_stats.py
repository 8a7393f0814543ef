"""`GET /stats` on seeded drafts whose every figure is known (see ops_support.stats_seed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.config import DEFAULT_LLM_PRICES
from service.ops import stats
from tests.service.ops.support import at, stats_seed, store

WINDOW = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-20T00:00:00Z"}
HOUR = 3600.0


@pytest.fixture
def seeded(db_url: str) -> str:
    store(db_url, list(stats_seed().values())).dispose()
    return db_url


@pytest.fixture
def figures(seeded: str, make_client: Callable[..., TestClient]) -> dict[str, Any]:
    client = make_client(database_url=seeded)
    response = client.get("/stats", params=WINDOW)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_message_figures(figures: dict[str, Any]) -> None:
    assert figures["messages"] == {
        "received": 5,  # M1–M5: the proactive draft and the 25 November one do not count
        "answered": 3,
        "no_response_needed": 1,
        "due": 4,  # M1–M3 answered, M4 overdue; M5 needs no reply
        "answered_within_24h": 2,  # M3's first approval came after 36 h
        "share_within_24h": 0.5,
        "overdue_now": 1,  # M4, blocked
        "response_time_s": {"median": 6 * HOUR, "p90": 30 * HOUR},  # of 2 h, 6 h, 36 h
    }


def test_draft_figures_and_findings(figures: dict[str, Any]) -> None:
    assert figures["drafts"] == {
        "total": 7,
        "pending": 1,
        "approved": 4,
        "approved_unedited": 2,
        "acceptance_rate": 0.5,
        "mean_edit_ratio": 0.175,  # (0 + 0.2 + 0.5 + 0) / 4
        "rejected": 1,
        "blocked": 1,
    }
    assert figures["findings_by_rule"] == {
        "external_link": {"fixed": 2},
        "language_mismatch": {"blocked": 1},
        "review_solicitation": {"fixed": 1},
    }


def test_per_agent_intent_and_language(figures: dict[str, Any]) -> None:
    anna, ben = figures["by_agent"]["anna"], figures["by_agent"]["ben"]
    assert set(figures["by_agent"]) == {"anna", "ben"}
    assert anna["messages"]["answered"] == 2
    assert anna["messages"]["share_within_24h"] == 1.0
    assert anna["messages"]["response_time_s"]["median"] == 4 * HOUR
    assert anna["drafts"]["approved"] == 3
    assert anna["drafts"]["acceptance_rate"] == 0.6667
    assert anna["drafts"]["mean_edit_ratio"] == 0.0667
    assert ben["messages"]["share_within_24h"] == 0.0
    assert ben["messages"]["response_time_s"] == {"median": 36 * HOUR, "p90": 36 * HOUR}
    assert ben["drafts"]["rejected"] == 1
    assert ben["drafts"]["acceptance_rate"] == 0.0
    assert ben["findings_by_rule"] == {"review_solicitation": {"fixed": 1}}

    assert set(figures["by_intent"]) == {
        "where_is_my_order", "damaged_item", "positive_feedback", "other"
    }  # fmt: skip
    where = figures["by_intent"]["where_is_my_order"]
    assert where["messages"]["received"] == 3  # M1, M3, M4
    assert where["messages"]["overdue_now"] == 1
    assert where["drafts"]["total"] == 4
    assert figures["by_language"]["de"]["drafts"]["mean_edit_ratio"] == 0.2
    assert figures["by_language"]["en"]["messages"]["received"] == 4


def test_guardrail_acceptance_and_most_edited_sources(figures: dict[str, Any]) -> None:
    assert figures["guardrail_acceptance"] == {
        "external_link": {"fixed": 2, "approved": 2, "undone": 1, "undo_rate": 0.5},
        "review_solicitation": {"fixed": 1, "approved": 0, "undone": 0, "undo_rate": None},
    }
    assert figures["sources"] == [
        {"id": "shipping/where-is-my-order", "kind": "template", "approved": 2, "edited": 1,
         "mean_edit_ratio": 0.25},
        {"id": "product-issues/damaged", "kind": "template", "approved": 1, "edited": 1,
         "mean_edit_ratio": 0.2},
        {"id": "shipping/faq", "kind": "article", "approved": 1, "edited": 0,
         "mean_edit_ratio": 0.0},
    ]  # fmt: skip


def test_llm_usage_and_cost(figures: dict[str, Any]) -> None:
    llm = figures["llm"]
    assert llm["calls"] == 4  # three LLM drafts and one timeout fallback
    assert (llm["prompt_tokens"], llm["completion_tokens"]) == (3500, 700)
    assert llm["fallbacks"] == 1
    assert llm["fallback_rate"] == {"timeout": {"count": 1, "rate": 0.25}}
    assert llm["latency_ms"] == {"p50": 1000.0, "p95": 17180.0}  # of 600, 800, 1200, 20000
    price = DEFAULT_LLM_PRICES["gpt-4o-mini"]
    expected = (3500 * price.prompt + 700 * price.completion) / 1_000_000
    assert llm["cost_usd"] == pytest.approx(expected)
    assert llm["by_model"]["gpt-4o-mini"]["calls"] == 3
    assert llm["by_model"]["unknown"] == {
        "calls": 1, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": None
    }  # fmt: skip
    assert llm["unpriced_models"] == []


def test_every_figure_is_defined_and_window_is_echoed(figures: dict[str, Any]) -> None:
    assert figures["since"] == "2026-11-01T00:00:00Z"
    assert figures["until"] == "2026-11-20T00:00:00Z"
    for name in ("messages.share_within_24h", "drafts.acceptance_rate", "llm.cost_usd"):
        assert name in figures["definitions"]


def test_default_window_is_the_last_30_days(seeded: str) -> None:
    from service.store.db import create_db_engine

    engine = create_db_engine(seeded)
    with Session(engine) as session:
        result = stats.compute(session, since=None, until=None, prices={}, now=at(26))
    engine.dispose()
    # 27 October to 26 November: all eight drafts, the 25 November one too.
    assert result["drafts"]["total"] == 8
    assert result["messages"]["received"] == 6
