"""`POST /drafts/{id}/regenerate`: the model drafts a reply again, told what to change.

An agent who wants a different reply ("offer a replacement instead", "shorter, and mention the
tracking number") says so instead of rewriting it. The buyer's message is read again as
`/draft` reads it, with the agent's instructions in the prompt; the model's answer goes through
the same quality gate, repair and guard as a first draft; the new text replaces the draft's,
which stays in its history (`regenerated`, with the instructions, the text before and after and
the findings). The draft stays in review: pending, or blocked when the guard blocks the new text.

When the model fails (no answer in time, an answer that fails the quality gate…), nothing
changes: the answer says why (`regenerated: false`, the reason, the checks that failed) and the
history records the attempt. Without a model configured there is nothing to ask: 409.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from anyio import to_thread
from pydantic import ValidationError

import guardrails
from service import lanes
from service.compose.pipeline import grounding, stored_context, text_fields
from service.compose.repair import repair
from service.compose.reply import prepare
from service.errors import ServiceError
from service.generate.drafter import LLMFailure
from service.resources import Resources
from service.review.actions import history_event, load_open, transition
from service.store.models import (
    Draft,
    DraftPublic,
    DraftRequest,
    EventType,
    RegenerateResponse,
    utcnow,
)


class NoModel(ServiceError):
    status_code = 409
    problem_type = "no-model"


class NotAReply(ServiceError):
    status_code = 409
    problem_type = "not-a-reply"


async def regenerate(
    resources: Resources, *, draft_id: str, agent_id: str, instructions: str
) -> RegenerateResponse:
    llm = resources.llm
    if llm is None:
        raise NoModel("no model is configured (REPLYDESK_LLM_BASE_URL): edit the draft instead")
    draft = await to_thread.run_sync(load_open, resources.engine, draft_id)
    try:
        request = DraftRequest.model_validate(draft.request)
    except ValidationError:
        request = None
    if request is None or draft.proactive_kind or draft.message_kind != "reply":
        raise NotAReply(
            f"draft {draft_id!r} answers no buyer message: draft a proactive message again "
            "with POST /proactive"
        )
    request = request.model_copy(update={"instructions": instructions})
    now = utcnow()
    kb = resources.kb
    # The intent the model chose for this draft, when it chose, stands: the new draft answers
    # the same concern the stored one does (its tags, priority and clock are the stored ones).
    chosen = draft.intent if draft.intent_source == "llm" else None
    prepared = await lanes.cpu(
        lambda: prepare(request, kb=kb, resources=resources, now=now, chosen=chosen)
    )
    job = prepared.job
    details: dict[str, Any] = {"status_before": draft.status.value, "instructions": instructions}
    try:
        generated = await llm.draft(job)
    except LLMFailure as failure:
        details |= {"fallback_reason": failure.reason, "quality": list(failure.checks)}
        event = history_event(
            draft, action="regenerated", actor=agent_id, at=now, text_after=None, details=details
        )
        prompt_tokens, completion_tokens = failure.tokens
        values: dict[str, Any] = {
            "updated_at": now,
            "prompt_tokens": draft.prompt_tokens + prompt_tokens,
            "completion_tokens": draft.completion_tokens + completion_tokens,
        }
        await to_thread.run_sync(
            lambda: transition(resources.engine, draft, values=values, event=event, announce=[])
        )
        return RegenerateResponse(
            draft_id=draft.id,
            regenerated=False,
            reason=failure.reason,
            quality=list(failure.checks),
            draft=_public(draft, values),
        )
    ctx = replace(stored_context(draft, now=now), grounding=grounding(job))
    report = None
    if resources.settings.llm_repair:
        generated, report = await repair(generated, job=job, llm=llm, ctx=ctx)
    if report is None:
        report = await lanes.cpu(guardrails.check, generated.text, ctx)
    values = text_fields(generated, report) | {
        # The draft's record counts every call made for it.
        "latency_ms": draft.latency_ms + generated.latency_ms,
        "prompt_tokens": draft.prompt_tokens + generated.prompt_tokens,
        "completion_tokens": draft.completion_tokens + generated.completion_tokens,
        "updated_at": now,
    }
    details |= {"status": values["status"].value, "findings": values["findings"]}
    event = history_event(
        draft, action="regenerated", actor=agent_id, at=now, text_after=report.text, details=details
    )
    announce = [EventType.regenerated]
    await to_thread.run_sync(
        lambda: transition(resources.engine, draft, values=values, event=event, announce=announce)
    )
    return RegenerateResponse(
        draft_id=draft.id, regenerated=True, reason=None, quality=[], draft=_public(draft, values)
    )


def _public(draft: Draft, values: dict[str, Any]) -> DraftPublic:
    """The draft as the transaction left it."""
    return DraftPublic.model_validate(draft.model_copy(update=values))
