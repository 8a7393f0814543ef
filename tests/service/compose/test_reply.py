"""`draft_reply` (`service.compose.reply`) with a fake drafter at the Drafter seam: the job it
builds, the template whenever the model fails, the policy block it stores, and a 503 when there
is neither a template nor a model's answer."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import pytest
import sqlalchemy as sa

import guardrails
from guardrails import commitments
from guardrails.commitments import read_ahead
from service.compose.pipeline import grounding
from service.compose.reply import draft_reply
from service.errors import Unavailable
from service.generate.drafter import FallbackReason
from service.knowledge import KnowledgeBase, render
from service.knowledge.live import LiveKB
from service.resources import Resources
from service.store.models import Draft, DraftRequest, DraftStatus, MessageKind
from tests.conftest import ORDER_ID, draft_request
from tests.factories import with_fields
from tests.fakes.drafter import FakeDrafter
from tests.service.knowledge.support import entry

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # business hours in the default calendar
FRIDAY_EVENING = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)  # 19:30 in Berlin
WISMO = "Where is my package? It has not arrived yet."
ANSWER = "Hello Jane,\n\nyour parcel is with UPS and arrives by Saturday.\n\nKind regards"


def reply(
    resources: Resources, text: str = WISMO, *, now: datetime = TUESDAY, **fields: Any
) -> Draft:
    body = draft_request(text)
    body["message"]["received_at"] = now.isoformat()
    request = DraftRequest.model_validate(with_fields(body, **fields))
    return asyncio.run(draft_reply(request, resources=resources, now=now))


def with_kb(resources: Resources, kb: KnowledgeBase) -> Resources:
    return replace(resources, knowledge=LiveKB(Path("unused"), kb=kb))


def stored(resources: Resources) -> int:
    with resources.engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM drafts")).scalar_one())


def test_the_job_holds_the_template_articles_facts_and_the_request(base: Resources) -> None:
    fake = FakeDrafter(answers=[ANSWER])
    thread = [{"from": "seller", "text": "Thanks for your order!"}]
    draft = reply(
        replace(base, llm=fake),
        message__language="en-US",
        thread=thread,
        instructions="Offer a replacement",
        tone="warm",
    )
    [job] = fake.jobs
    assert (job.message, job.language, job.intent, job.purpose) == (
        WISMO, "en", "where_is_my_order", "reply",
    )  # fmt: skip
    assert job.template is not None
    assert job.template.entry.id == "shipping/where-is-my-order"
    assert job.template_text == render(job.template.entry, job.order_facts)
    assert ORDER_ID in job.template_text and "1Z999AA10123456784" in job.template_text
    facts = job.order_facts
    assert (facts["buyer_name"], facts["carrier"], facts["item_title"], facts["quantity"]) == (
        "Jane", "UPS", "Blender X2", 1,
    )  # fmt: skip
    assert facts["latest_delivery_date"] == "November 21, 2026"  # the buyer's language
    assert facts["delivered_at"] is None  # every documented key, None when unknown
    assert 1 <= len(job.articles) <= 3
    assert all(h.entry.kind == "article" and h.score > 0 for h in job.articles)
    assert job.thread == [{"sender": "seller", "text": "Thanks for your order!", "sent_at": None}]
    assert (job.instructions, job.tone) == ("Offer a replacement", "warm")
    # The model's answer is the draft, with what it was made from.
    assert (draft.generator_kind, draft.generator_model, draft.raw_text) == (
        "llm", "fake-model", ANSWER,
    )  # fmt: skip
    ids = [source["id"] for source in draft.sources]
    assert ids == [h.entry.id for h in job.articles] + ["shipping/where-is-my-order"]
    assert draft.message_kind == MessageKind.reply


def test_a_german_buyer_gets_a_german_template_and_german_dates(base: Resources) -> None:
    fake = FakeDrafter()
    reply(
        replace(base, llm=fake),
        "Wo ist mein Paket? Es ist noch nicht angekommen.",
        order__marketplace="amazon.de",
        message__language="de-DE",
    )
    [job] = fake.jobs
    assert job.language == "de"
    assert job.template is not None and job.template.entry.language == "de"
    assert job.order_facts["latest_delivery_date"] == "21. November 2026"
    assert all(h.entry.language == "de" for h in job.articles)


@pytest.mark.parametrize("reason", get_args(FallbackReason))
def test_every_model_failure_falls_back_to_the_template_and_says_why(
    base: Resources, reason: str
) -> None:
    fake = FakeDrafter(answers=[reason])
    draft = reply(replace(base, llm=fake))
    [job] = fake.jobs
    assert (draft.generator_kind, draft.fallback_reason) == ("template", reason)
    assert draft.raw_text == job.template_text
    assert draft.generator_model is None and draft.prompt_tokens == 0
    assert [source["id"] for source in draft.sources] == ["shipping/where-is-my-order"]
    assert draft.status == DraftStatus.pending


TEMPLATES = KnowledgeBase(
    entries=[
        entry("en/wismo", "Where is my order", "Hello, order {{ order_id }} is on its way.",
              kind="template", intents=("where_is_my_order",)),
        entry("en/other", "General", "Hello, about order {{ order_id }}.", kind="template"),
        entry("de/other", "Allgemein", "Hallo, zu Bestellung {{ order_id }}.", kind="template",
              language="de"),
        entry("en/returns", "Returns", "Returns are accepted within 30 days."),
    ]
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "fields", "template"),
    [
        (WISMO, {}, "en/wismo"),
        # The buyer's language first, even its general template, then English.
        (
            "Wo ist mein Paket? Es ist noch nicht angekommen.",
            {"order__marketplace": "amazon.de", "message__language": "de-DE"},
            "de/other",
        ),
        # Portuguese has no intent examples: the message names "tracking", as buyers mixing
        # English do, for the model to read it as where-is-my-order at all.
        ("Onde está a minha encomenda? O tracking não mostra nada.",
         {"message__language": "pt-BR"}, "en/wismo"),
        ("Please cancel my order, I ordered it twice.", {}, "en/other"),
    ],
)  # fmt: skip
def test_the_intents_template_in_the_buyers_language_else_the_general_one_else_english(
    base: Resources, text: str, fields: dict[str, Any], template: str
) -> None:
    draft = reply(with_kb(base, TEMPLATES), text, **fields)
    assert draft.generator_kind == "template"
    assert draft.sources[0]["id"] == template


def test_no_template_and_no_answer_is_503_and_nothing_stored(base: Resources) -> None:
    articles_only = with_kb(base, KnowledgeBase(entries=[entry("en/a", "A", "Returns: 30 days.")]))
    before = stored(base)
    for resources in (articles_only, replace(articles_only, llm=FakeDrafter(["timeout"]))):
        with pytest.raises(Unavailable, match="add a template to the knowledge base") as error:
            reply(resources)
        assert error.value.status_code == 503
    assert stored(base) == before
    # A model's answer needs no template.
    draft = reply(replace(articles_only, llm=FakeDrafter([ANSWER])))
    assert (draft.generator_kind, [s["id"] for s in draft.sources]) == ("llm", [])
    assert stored(base) == before + 1


def test_the_policy_block_holds_the_clock_and_the_suggestion(base: Resources) -> None:
    draft = reply(base)
    policy = draft.policy
    assert policy["message_kind"] == "reply"
    assert policy["respond_by"] == "2026-11-25T10:00:00+00:00"
    assert policy["received_in_business_hours"] is True
    assert policy["acknowledgement_suggested"] is False
    assert "answer_by" not in policy
    # A case that needs research: a holding reply is suggested, with what it may promise.
    claim = reply(base, "I will open an A-to-z claim if this is not solved today.")
    assert claim.escalation["recommended"] is True
    assert claim.policy["acknowledgement_suggested"] is True
    assert claim.policy["answer_by"] == "2026-11-24T16:00:00+00:00"


def test_draft_suggests_an_acknowledgement_only_when_the_target_cannot_be_met(
    base: Resources,
) -> None:
    berlin = replace(base, settings=base.settings.model_copy(update={"timezone": "Europe/Berlin"}))
    german = {"order__marketplace": "amazon.de", "order__buyer_name": "Jana"}
    text = "Mein Mixer ist defekt, was kann ich tun?"
    policy = reply(berlin, text, now=FRIDAY_EVENING, **german).policy
    assert policy["acknowledgement_suggested"] is True  # nobody works before Saturday 07:30
    assert policy["target_by"].startswith("2026-11-28T06:30:00")
    assert policy["answer_by"].startswith("2026-11-30T14:00:00")
    tuesday = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    policy = reply(berlin, text, now=tuesday, **german).policy
    assert policy["acknowledgement_suggested"] is False
    assert policy["received_in_business_hours"] is True


@pytest.mark.parametrize(
    ("text", "filed"),
    [
        ("Hello, I have opened an A-to-z Guarantee claim for this order.", True),
        ("Hello, nothing works with this order. I will file an A-to-z claim tomorrow.", False),
    ],
)
def test_the_claim_template_says_a_claim_was_received_only_when_one_was_made(
    base: Resources, text: str, filed: bool
) -> None:
    draft = reply(base, text)
    assert draft.intent == "a_to_z_claim" and draft.generator_kind == "template"
    said = "We have received the A-to-z Guarantee claim" in draft.text
    assert said is filed
    if not filed:
        assert "A-to-z Guarantee remains open to you" in draft.text


@pytest.mark.parametrize(
    ("now", "late"),
    [
        (datetime(2026, 11, 20, 9, 0, tzinfo=UTC), False),  # the latest date, 21 Nov, is ahead
        (datetime(2026, 12, 6, 9, 0, tzinfo=UTC), True),  # it passed a fortnight ago
    ],
)
def test_a_delivery_date_already_past_reads_as_late(
    base: Resources, now: datetime, late: bool
) -> None:
    draft = reply(base, "Where is my package? Can you give me an update?", now=now)
    assert draft.intent == "where_is_my_order"
    assert ("is running late" in draft.text) is late
    assert ("should arrive by November 21, 2026" in draft.text) is not late


@pytest.mark.parametrize(
    ("text", "marketplace", "intent", "apology"),
    [
        (
            "Kam kaputt an, der Deckel ist gesprungen. Wann bekomme ich mein Geld zurück?",
            "amazon.de",
            "refund_status",
            "Es tut uns leid, dass Ihr Artikel beschädigt angekommen ist.",
        ),
        (
            # Sent back: a refund to wait for ("It arrived cracked. When will I get my refund?"
            # reads as a damaged item, whose template asks for a photo and offers the refund).
            "When will I get my refund? The jar arrived cracked and I sent it back.",
            "amazon.com",
            "refund_status",
            "We are sorry that your item arrived damaged.",
        ),
        ("When will I get my refund? I sent it back last week.", "amazon.com", "refund_status", ""),
    ],
)
def test_a_refund_question_that_says_the_item_arrived_damaged_is_answered_on_both(
    base: Resources, text: str, marketplace: str, intent: str, apology: str
) -> None:
    draft = reply(base, text, order__marketplace=marketplace)
    assert draft.intent == intent and draft.generator_kind == "template"
    if apology:
        assert apology in draft.text
        assert "Damaged" in draft.tags
    else:
        assert "sorry" not in draft.text.lower() and "Damaged" not in draft.tags


def test_drafts_finished_together_are_stored_together_each_with_its_history(
    base: Resources,
) -> None:
    """A burst of drafts costs a few commits, not one each (service/lanes.py), and every draft
    still gets its first history line and its events."""
    commits: list[int] = []

    def count(_: object) -> None:
        commits.append(1)

    sa.event.listen(base.engine, "commit", count)
    before = stored(base)

    async def burst() -> list[Draft]:
        requests = []
        for index in range(12):
            body = draft_request(WISMO, order_id=f"111-{1000000 + index:07d}-3000000")
            body["message"]["received_at"] = TUESDAY.isoformat()
            requests.append(DraftRequest.model_validate(body))
        return list(
            await asyncio.gather(*(draft_reply(r, resources=base, now=TUESDAY) for r in requests))
        )

    try:
        drafts = asyncio.run(burst())
    finally:
        sa.event.remove(base.engine, "commit", count)
    assert stored(base) == before + 12
    assert 1 <= len(commits) < 12
    ids = [d.id for d in drafts]
    with base.engine.connect() as connection:
        history = connection.execute(
            sa.text("SELECT draft_id FROM draft_events WHERE action = 'drafted'")
        ).scalars()
        created = connection.execute(
            sa.text("SELECT draft_id FROM events WHERE type = 'draft.created'")
        ).scalars()
        assert set(ids) <= set(history) and set(ids) <= set(created)


def test_the_grounding_is_read_while_the_model_drafts_and_once(
    base: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the unsupported-commitment rule reads from the job is read in the CPU lane's spare
    time while the model drafts, in the context the answer is checked in: the check after the
    answer reads only the answer."""
    read: list[guardrails.Context] = []

    def recording(ctx: guardrails.Context) -> None:
        read.append(ctx)
        read_ahead(ctx)

    monkeypatch.setattr(guardrails, "read_ahead", recording)
    commitments._support.cache_clear()
    fake = FakeDrafter(answers=[ANSWER], delay=0.05)
    draft = reply(replace(base, llm=fake))
    assert draft.generator_kind == "llm"
    [ctx] = read
    assert ctx.grounding == grounding(fake.jobs[0])
    assert commitments._support.cache_info().misses == 1  # read once, ahead; the check reused it
    # A template's draft needs no grounding: what was read for it is not read again.
    commitments._support.cache_clear()
    assert reply(replace(base, llm=FakeDrafter(["timeout"]))).generator_kind == "template"
    assert commitments._support.cache_info().hits == 0
