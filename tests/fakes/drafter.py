"""An in-process drafter at the `Drafter` seam: answers from a script, records every job.

For tests of the pipeline that need a model's behaviour (a text, a failure, a slow answer)
without HTTP. The end-to-end tests against `tests/fakes/openai_server.py` exercise the real
client; this one exercises everything around it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast, get_args

from guardrails import Finding
from service.generate.drafter import (
    DraftJob,
    FallbackReason,
    Generated,
    IntentChoice,
    LLMFailure,
    Translated,
)

Answer = str | FallbackReason | Callable[[DraftJob], str]


@dataclass
class FakeDrafter:
    """Answers each job with the next of `answers` (the last one repeats): a text, a fallback
    reason (raised as `LLMFailure`), or a function of the job. A request to repair a draft is
    answered from `repair_answers` the same way (by default the model fails to answer, and the
    guarded first draft stands); `repairs` records what each was given. A question about a
    message's intent is answered from `intent_answers` (an intent or a fallback reason; by
    default no usable answer, and the classifier's reading stands); `intent_questions` records
    the messages asked about."""

    answers: Sequence[Answer] = ("Hello Jane,\n\nThank you for your message.\n\nBest regards",)
    delay: float = 0.0
    model: str = "fake-model"
    jobs: list[DraftJob] = field(default_factory=list)
    repair_answers: Sequence[Answer] = ("unusable_response",)
    repairs: list[tuple[str, tuple[Finding, ...]]] = field(default_factory=list)
    closed: bool = False
    glosses: list[str] = field(default_factory=list)
    intent_answers: Sequence[str] = ("unusable_response",)
    intent_questions: list[str] = field(default_factory=list)

    async def draft(self, job: DraftJob) -> Generated:
        self.jobs.append(job)
        return await self._answer(job, self.answers[min(len(self.jobs), len(self.answers)) - 1])

    async def repair(self, job: DraftJob, *, draft: str, findings: Sequence[Finding]) -> Generated:
        self.repairs.append((draft, tuple(findings)))
        index = min(len(self.repairs), len(self.repair_answers)) - 1
        return await self._answer(job, self.repair_answers[index])

    async def _answer(self, job: DraftJob, answer: Answer) -> Generated:
        if self.delay:
            await asyncio.sleep(self.delay)
        if callable(answer):
            text = answer(job)
        elif answer in _REASONS:
            raise LLMFailure(cast(FallbackReason, answer), "scripted failure")
        else:
            text = answer
        return Generated(
            text=text,
            kind="llm",
            model=self.model,
            prompt_version="fake@0",
            latency_ms=round(self.delay * 1000),
            prompt_tokens=100,
            completion_tokens=len(text.split()),
            sources=tuple(job.articles) + ((job.template,) if job.template else ()),
        )

    async def gloss(self, *, message: str, draft: str, target: str) -> Translated:
        """Each text marked with the target language, as a translation stands in for here."""
        self.glosses.append(target)
        return Translated(f"[{target}] {message}", f"[{target}] {draft}", self.model, 50, 40)

    async def choose_intent(
        self, *, message: str, language: str, intents: Sequence[str]
    ) -> IntentChoice:
        self.intent_questions.append(message)
        answer = self.intent_answers[min(len(self.intent_questions), len(self.intent_answers)) - 1]
        if self.delay:
            await asyncio.sleep(self.delay)
        if answer in _REASONS:
            raise LLMFailure(cast(FallbackReason, answer), "scripted failure", tokens=(60, 3))
        if answer not in intents:
            raise ValueError(f"the script names no intent of the list: {answer!r}")
        return IntentChoice(answer, self.model, "fake-intent@0", 60, 3)

    async def aclose(self) -> None:
        self.closed = True


_REASONS: frozenset[str] = frozenset(get_args(FallbackReason))
