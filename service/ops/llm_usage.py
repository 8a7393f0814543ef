"""LLM usage from the stored drafts: calls, tokens, fallbacks, latency and a cost estimate.

Every draft records its LLM call (architecture: "every LLM call is recorded"), so usage needs
no counters of its own: the same window of drafts as `/stats` gives the same answer every time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from service.config import Price

Row = sa.Row[Any]  # a drafts row with the columns service.ops.stats loads


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def llm_usage(drafts: Iterable[Row], *, prices: dict[str, Price]) -> dict[str, Any]:
    calls = [d for d in drafts if d.generator_kind == "llm" or d.fallback_reason]
    reasons = Counter(d.fallback_reason for d in calls if d.fallback_reason)
    latencies = [float(d.latency_ms) for d in calls]
    by_model: dict[str, dict[str, Any]] = {}
    for draft in calls:
        # A fallback draft records no model: its tokens (none were billed) count as "unknown".
        name = draft.generator_model or "unknown"
        row = by_model.setdefault(name, {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0})
        row["calls"] += 1
        row["prompt_tokens"] += draft.prompt_tokens
        row["completion_tokens"] += draft.completion_tokens
    total_cost = 0.0
    unpriced: list[str] = []
    for name, row in sorted(by_model.items()):
        price = prices.get(name)
        if price is None:
            row["cost_usd"] = None
            if row["prompt_tokens"] or row["completion_tokens"]:
                unpriced.append(name)
            continue
        cost = row["prompt_tokens"] * price.prompt + row["completion_tokens"] * price.completion
        row["cost_usd"] = round(cost / 1_000_000, 6)
        total_cost += cost / 1_000_000
    return {
        "calls": len(calls),
        "prompt_tokens": sum(d.prompt_tokens for d in calls),
        "completion_tokens": sum(d.completion_tokens for d in calls),
        "fallbacks": sum(reasons.values()),
        "fallback_rate": {
            reason: {"count": n, "rate": rate(n, len(calls))}
            for reason, n in sorted(reasons.items())
        },
        "latency_ms": {
            "p50": rounded(percentile(latencies, 0.5)),
            "p95": rounded(percentile(latencies, 0.95)),
        },
        "by_model": dict(sorted(by_model.items())),
        "cost_usd": round(total_cost, 6),
        "unpriced_models": unpriced,
    }
