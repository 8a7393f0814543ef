"""LLM usage from stored drafts (`service.ops.llm_usage`): which drafts were calls, tokens,
fallbacks by reason, latency percentiles and the cost per model."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from service.config import Price
from service.ops import llm_usage

COLUMNS = {
    "generator_kind": "template",
    "generator_model": None,
    "fallback_reason": None,
    "latency_ms": 0,
    "prompt_tokens": 0,
    "completion_tokens": 0,
}
PRICES = {"cheap": Price(prompt=1.0, completion=2.0)}


def rows(*drafts: dict[str, Any]) -> list[sa.Row[Any]]:
    """Database rows with the drafts columns llm_usage reads, as service.ops.stats loads them."""
    engine = sa.create_engine("sqlite://")
    found: list[sa.Row[Any]] = []
    with engine.connect() as connection:
        for draft in drafts:
            values = [sa.literal(draft.get(c, v)).label(c) for c, v in COLUMNS.items()]
            statement: sa.Select[Any] = sa.select(*values)
            found.append(connection.execute(statement).one())
    engine.dispose()
    return found


def llm(model: str, prompt: int, completion: int, latency: int) -> dict[str, Any]:
    return {
        "generator_kind": "llm",
        "generator_model": model,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "latency_ms": latency,
    }


def fallback(reason: str, latency: int) -> dict[str, Any]:
    return {"fallback_reason": reason, "latency_ms": latency}


def test_a_template_draft_without_a_fallback_was_no_call() -> None:
    usage = llm_usage.llm_usage(
        rows({}, llm("cheap", 100, 20, 500), fallback("timeout", 20_000)), prices=PRICES
    )
    assert (usage["calls"], usage["prompt_tokens"], usage["completion_tokens"]) == (2, 100, 20)


def test_fallbacks_are_counted_by_reason_with_their_share_of_the_calls() -> None:
    drafts = [
        llm("cheap", 1, 1, 1),
        fallback("timeout", 1),
        fallback("upstream_error", 1),
        fallback("timeout", 1),
    ]
    usage = llm_usage.llm_usage(rows(*drafts), prices=PRICES)
    assert usage["fallbacks"] == 3
    assert usage["fallback_rate"] == {
        "timeout": {"count": 2, "rate": 0.5},
        "upstream_error": {"count": 1, "rate": 0.25},
    }


def test_latency_percentiles_are_over_the_calls_fallbacks_included() -> None:
    drafts = [{"latency_ms": 99_999}] + [llm("cheap", 1, 1, ms) for ms in (100, 200, 300)]
    usage = llm_usage.llm_usage(rows(*drafts, fallback("timeout", 20_000)), prices=PRICES)
    # Of 100, 200, 300 and 20000 ms: the template draft's 99999 ms is no call.
    assert usage["latency_ms"] == {"p50": 250.0, "p95": 17045.0}


def test_cost_per_model_and_in_total_and_what_has_no_price() -> None:
    drafts = [
        llm("cheap", 1_000, 500, 1),
        llm("cheap", 3_000, 1_500, 1),
        llm("self-hosted", 2_000, 100, 1),
        llm("free-tier", 0, 0, 1),
        fallback("timeout", 1),
    ]
    usage = llm_usage.llm_usage(rows(*drafts), prices=PRICES)
    assert usage["by_model"] == {
        "cheap": {"calls": 2, "prompt_tokens": 4_000, "completion_tokens": 2_000,
                  "cost_usd": 0.008},
        "free-tier": {"calls": 1, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": None},
        "self-hosted": {"calls": 1, "prompt_tokens": 2_000, "completion_tokens": 100,
                        "cost_usd": None},
        # A fallback records no model, and no tokens were billed for it.
        "unknown": {"calls": 1, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": None},
    }  # fmt: skip
    assert usage["cost_usd"] == pytest.approx(0.008)
    assert usage["unpriced_models"] == ["self-hosted"]  # only models whose tokens cost unknown


def test_no_calls_give_zeros_and_no_rates() -> None:
    assert llm_usage.llm_usage(rows({}), prices=PRICES) == {
        "calls": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "fallbacks": 0,
        "fallback_rate": {},
        "latency_ms": {"p50": None, "p95": None},
        "by_model": {},
        "cost_usd": 0.0,
        "unpriced_models": [],
    }


def test_percentile_interpolates_between_ranks() -> None:
    assert llm_usage.percentile([], 0.5) is None
    assert llm_usage.percentile([5.0], 0.9) == 5.0
    assert llm_usage.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert llm_usage.percentile([10.0, 0.0, 20.0], 0.9) == 18.0


def test_rates_and_rounding_leave_nothing_undefined() -> None:
    assert llm_usage.rate(1, 3) == 0.3333
    assert llm_usage.rate(0, 0) is None
    assert llm_usage.rounded(None) is None
    assert llm_usage.rounded(2.25, 1) == 2.2  # round half to even, as Python does
