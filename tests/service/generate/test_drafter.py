"""The Drafter seam: the template drafter, and `generate` falling back and saying so."""

from __future__ import annotations

import asyncio
from typing import get_args

import pytest

from service.generate.drafter import (
    DraftJob,
    FallbackReason,
    NoTemplate,
    TemplateDrafter,
    generate,
)
from service.knowledge import Entry, Hit
from tests.fakes.drafter import FakeDrafter


def job(*, template: bool = True) -> DraftJob:
    entry = Entry(
        id="where-is-my-order",
        title="Where is my order",
        kind="template",
        language="en",
        intents=("where_is_my_order",),
        tags=(),
        asins=(),
        body="Your parcel is on its way.",
        path="en/where-is-my-order.md",
        line=8,
    )
    hit = Hit(entry=entry, score=1.0)
    return DraftJob(
        message="Where is my parcel?",
        thread=(),
        language="en",
        intent="where_is_my_order",
        order_facts={"order_id": "114-3941689-8772232"},
        template=hit if template else None,
        template_text="Hello, your parcel is on its way." if template else None,
        articles=(),
    )


def test_without_a_model_the_template_is_the_draft() -> None:
    generated = asyncio.run(generate(job(), llm=None, fallback=TemplateDrafter()))
    assert generated.kind == "template"
    assert generated.text == "Hello, your parcel is on its way."
    assert generated.fallback_reason is None
    assert [hit.entry.id for hit in generated.sources] == ["where-is-my-order"]


def test_the_model_answer_is_used_when_it_comes() -> None:
    fake = FakeDrafter(answers=["A model's reply, long enough to be used."])
    generated = asyncio.run(generate(job(), llm=fake, fallback=TemplateDrafter()))
    assert (generated.kind, generated.text) == ("llm", "A model's reply, long enough to be used.")
    assert fake.jobs and fake.jobs[0].message == "Where is my parcel?"


@pytest.mark.parametrize("reason", get_args(FallbackReason))
def test_every_failure_falls_back_to_the_template_with_its_reason(reason: str) -> None:
    fake = FakeDrafter(answers=[reason])
    generated = asyncio.run(generate(job(), llm=fake, fallback=TemplateDrafter()))
    assert generated.kind == "template"
    assert generated.fallback_reason == reason
    assert generated.text == "Hello, your parcel is on its way."


def test_no_template_and_no_model_is_said_plainly() -> None:
    with pytest.raises(NoTemplate, match="no template for intent 'where_is_my_order'"):
        asyncio.run(generate(job(template=False), llm=None, fallback=TemplateDrafter()))


def test_a_failing_model_without_a_template_is_no_made_up_answer() -> None:
    with pytest.raises(NoTemplate):
        asyncio.run(
            generate(job(template=False), llm=FakeDrafter(["timeout"]), fallback=TemplateDrafter())
        )
