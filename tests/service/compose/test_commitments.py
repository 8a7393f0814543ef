"""`/draft` reads a model's promises against what the model was given (unsupported_commitment):
the order's facts, the knowledge base, the template and the agent's instructions, never the
buyer's message. A template draft says only what its template says."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from service.compose.reply import draft_reply
from service.resources import Resources
from service.store.models import Draft, DraftRequest
from tests.factories import draft_request
from tests.fakes.drafter import FakeDrafter

REFUNDED = (
    "Hello Jane,\n\nYour order has been refunded in full, and the blender will reach you on "
    "December 24.\n\nKind regards,\nAnna"
)
ASK = "Where is my package? If it does not come by Friday I want my $89.99 back."


def drafted(
    resources: Resources, answer: str | None, buyer: str = "Where is my package?", **fields: str
) -> Draft:
    body = draft_request(buyer) | fields
    llm = FakeDrafter(answers=[answer]) if answer is not None else None
    request = DraftRequest.model_validate(body)
    return asyncio.run(draft_reply(request, resources=replace(resources, llm=llm)))


def unsupported(draft: Draft) -> list[str]:
    return [f["match"] for f in draft.findings if f["rule"] == "unsupported_commitment"]


def test_a_promise_from_nowhere_is_flagged_and_the_draft_still_passes(base: Resources) -> None:
    draft = drafted(base, REFUNDED)
    assert draft.generator_kind == "llm"
    assert unsupported(draft) == ["refunded", "December 24"]
    assert draft.guardrails_passed  # flagged: an agent looks before approving
    assert "refunded in full" in draft.text


def test_the_agents_instructions_and_the_order_facts_support_a_promise(base: Resources) -> None:
    text = REFUNDED.replace("December 24", "November 21")  # the order's latest delivery date
    draft = drafted(base, text, instructions="Tell her the full refund went out today.")
    assert unsupported(draft) == []


def test_the_buyers_own_words_support_nothing(base: Resources) -> None:
    text = "Hello Jane,\n\nWe will pay $89.99 back by Friday.\n\nKind regards,\nAnna"
    assert unsupported(drafted(base, text, ASK)) == ["$89.99", "by Friday"]


def test_a_template_draft_is_not_read_for_promises(base: Resources) -> None:
    draft = drafted(base, None)
    assert draft.generator_kind == "template"
    assert unsupported(draft) == []
