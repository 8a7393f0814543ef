"""The model as a second opinion on the intent (`REPLYDESK_LLM_INTENT_BELOW`).

When an LLM is configured and the classifier's confidence in the intent it read is below the
setting, the model is asked to name the intent from the intent list (its own prompt files,
``prompts/choose_intent.*.j2``) before anything is retrieved: the intent picks the template,
the knowledge, the tags, the priority and the clock. An intent an escalation decided (an A-to-z
claim made) is never put to the model. The model's answer counts only when it names exactly one
intent of the list; otherwise, or when the call fails, the classifier's reading stands. Either
way the draft records the question (``generator.intent_choice``) and the analysis says which
decided (``intent_source``: ``model``, ``escalation`` or ``llm``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from service.generate.drafter import Drafter, LLMFailure
from service.understand.analysis import Analysis
from service.understand.intents import INTENTS

# A failed question that says the model is not answering at all: the draft does not wait for
# it a second time, it falls back to its template with the same reason.
UNANSWERED = frozenset({"timeout", "connection_error", "queue_timeout", "rate_limited"})


@dataclass(frozen=True, slots=True)
class Asked:
    intent: str | None  # the model's choice; None when its answer did not count
    record: dict[str, Any]  # generator.intent_choice
    reason: str | None = None  # why the call failed (a fallback reason)

    @property
    def unanswered(self) -> bool:
        return self.reason in UNANSWERED

    @property
    def latency_ms(self) -> int:
        return int(self.record["latency_ms"])

    @property
    def tokens(self) -> tuple[int, int]:
        return int(self.record["prompt_tokens"]), int(self.record["completion_tokens"])


def should_ask(analysis: Analysis, *, llm: Drafter | None, below: float) -> bool:
    return (
        llm is not None and analysis.intent_source == "model" and analysis.intent_confidence < below
    )


async def ask(llm: Drafter, *, message: str, analysis: Analysis) -> Asked:
    """The model's intent for ``message``, and the record of the question."""
    record: dict[str, Any] = {
        "intent_before": analysis.intent,
        "confidence_before": analysis.intent_confidence,
    }
    started = time.perf_counter()
    try:
        choice = await llm.choose_intent(
            message=message, language=analysis.language, intents=INTENTS
        )
    except LLMFailure as failure:
        prompt_tokens, completion_tokens = failure.tokens
        record |= {
            "outcome": "failed",
            "answer": None,
            "reason": failure.reason,
            "model": None,
            "prompt_version": None,
            "latency_ms": _since(started),
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
        }
        return Asked(None, record, failure.reason)
    record |= {
        "outcome": "confirmed" if choice.intent == analysis.intent else "changed",
        "answer": choice.intent,
        "reason": None,
        "model": choice.model,
        "prompt_version": choice.prompt_version,
        "latency_ms": _since(started),
        "prompt_tokens": choice.prompt_tokens,
        "completion_tokens": choice.completion_tokens,
    }
    return Asked(choice.intent, record)


def _since(started: float) -> int:
    """Milliseconds the question took, answered or not."""
    return round((time.perf_counter() - started) * 1000)
