"""Repair: when the guard had to cut whole sentences out of a model's draft, or blocks it, the
model is asked once to rewrite its draft given the findings (`prompts/repair_reply.*.j2`), and
the rewrite is guarded in turn. The deterministic guard has the last word on whichever text is
kept; the template stays the fallback of a model that fails to answer at all.

Cutting a sentence leaves a draft that may no longer read well or answer everything ("We are
sorry. Your refund"), and a blocked draft costs an agent a rewrite: a model that wrote the
draft can usually say the same without the part that broke the rules. Link, address, emoji and
formatting fixes are exact and local, so they do not call the model again.

Every attempt is on record (`generator.repairs`): what triggered it, the findings before and
after, whether the rewrite was kept, the call's cost.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import guardrails
from guardrails.pipeline import SENTENCE_RULES
from service import lanes
from service.generate.drafter import Drafter, DraftJob, Generated, LLMFailure
from service.store.models import findings_json


def triggers(report: guardrails.Report) -> list[str]:
    """The rules that call for a rewrite: a sentence removed, or anything that blocks."""
    return sorted(
        {
            f.rule
            for f in report.findings
            if f.action == "blocked" or (f.action == "fixed" and f.rule in SENTENCE_RULES)
        }
    )


def _better(first: guardrails.Report, rewrite: guardrails.Report) -> bool:
    """Keep the rewrite unless it is blocked where the first draft was not, or needed more
    sentences cut than the first one did."""
    if rewrite.passed != first.passed:
        return rewrite.passed
    return len(triggers(rewrite)) <= len(triggers(first))


async def repair(
    generated: Generated, *, job: DraftJob, llm: Drafter | None, ctx: guardrails.Context
) -> tuple[Generated, guardrails.Report | None]:
    """`generated`, or the model's rewrite of it, with the attempt recorded in `repairs`; and
    the guard's report on the text it returns, when it made one (the pipeline then reuses it)."""
    if generated.kind != "llm" or llm is None:
        return generated, None
    first = await lanes.cpu(guardrails.check, generated.text, ctx)
    rules = triggers(first)
    if not rules:
        return generated, first
    record: dict[str, Any] = {
        "rules": rules,
        "findings_before": findings_json(first.findings),
        "text_before": generated.text,
    }
    started = time.perf_counter()
    try:
        rewrite = await llm.repair(job, draft=generated.text, findings=first.findings)
    except LLMFailure as failure:
        record |= {
            "outcome": "failed",
            "reason": failure.reason,
            "findings_after": None,
            "latency_ms": round((time.perf_counter() - started) * 1000),
        }
        return replace(generated, repairs=(*generated.repairs, record)), first
    second = await lanes.cpu(guardrails.check, rewrite.text, ctx)
    kept = _better(first, second)
    record |= {
        "outcome": "rewritten" if kept else "kept_first",
        "reason": None,
        "findings_after": findings_json(second.findings),
        "prompt_version": rewrite.prompt_version,
        "latency_ms": rewrite.latency_ms,
        "prompt_tokens": rewrite.prompt_tokens,
        "completion_tokens": rewrite.completion_tokens,
    }
    # The draft's cost is every call it took; its text, the one kept.
    result = replace(
        generated,
        text=rewrite.text if kept else generated.text,
        latency_ms=generated.latency_ms + rewrite.latency_ms,
        prompt_tokens=generated.prompt_tokens + rewrite.prompt_tokens,
        completion_tokens=generated.completion_tokens + rewrite.completion_tokens,
        repairs=(*generated.repairs, record),
    )
    return result, second if kept else first
