"""The model as a second opinion on the intent: asked only when the classifier is unsure and an
LLM is configured; its answer decides only when it names one intent of the list; the question
is on record, and a model that does not answer is not waited for twice. Unit tests at the
drafter seam, end to end through POST /draft against the fake OpenAI server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.compose.intent_choice import ask, should_ask
from service.generate.llm import intent_named
from service.understand.analysis import Analysis, analyse
from service.understand.intents import INTENTS
from tests.conftest import draft_request
from tests.fakes import openai_server
from tests.fakes.drafter import FakeDrafter

UNSURE = "Is it supposed to look cracked like this"  # the classifier: product_question, unsure
SURE = "Where is my package? It has not arrived yet."


def _read(text: str) -> Analysis:
    return analyse(text=text, locale=None, marketplace="amazon.com")


def test_only_an_unsure_reading_by_the_classifier_is_put_to_a_configured_model() -> None:
    unsure, sure = _read(UNSURE), _read(SURE)
    assert unsure.intent_confidence < 0.5 <= sure.intent_confidence
    fake = FakeDrafter()
    assert should_ask(unsure, llm=fake, below=0.5)
    assert not should_ask(sure, llm=fake, below=0.5)
    assert not should_ask(unsure, llm=None, below=0.5)
    assert not should_ask(unsure, llm=fake, below=0.0)
    claim = analyse(
        text="Tracking says delivered on Monday but there is no parcel at my door. "
        "I have opened an A-to-z claim.",
        locale=None,
        marketplace="amazon.com",
    )
    assert claim.intent_source == "escalation"  # decided by the escalation: never asked
    assert not should_ask(claim, llm=fake, below=1.0)


def test_the_chosen_intent_decides_with_the_classifier_confidence_in_it() -> None:
    chosen = analyse(text=UNSURE, locale=None, marketplace="amazon.com", chosen="damaged_item")
    assert (chosen.intent, chosen.intent_source) == ("damaged_item", "llm")
    assert chosen.tags == ("Product issue", "Damaged") and chosen.priority == "high"
    assert 0 <= chosen.intent_confidence < 1


def test_a_claim_the_model_named_is_escalated_as_one() -> None:
    chosen = analyse(text=UNSURE, locale=None, marketplace="amazon.com", chosen="a_to_z_claim")
    assert (chosen.intent, chosen.intent_source) == ("a_to_z_claim", "llm")
    assert chosen.escalation.reasons == ("a_to_z_claim",) and chosen.priority == "urgent"


def test_the_answer_counts_only_when_it_names_one_intent_of_the_list() -> None:
    assert intent_named("damaged_item", INTENTS) == "damaged_item"
    assert intent_named("`damaged_item`\n", INTENTS) == "damaged_item"
    assert intent_named("Intent: Damaged item.", INTENTS) == "damaged_item"
    assert intent_named("other", INTENTS) == "other"
    assert intent_named("another question", INTENTS) is None  # "other" only as a word
    assert intent_named("damaged_item or defective_item", INTENTS) is None
    assert intent_named("破損です", INTENTS) is None


def test_the_question_is_recorded_whatever_the_answer() -> None:
    unsure = _read(UNSURE)
    changed = asyncio.run(
        ask(FakeDrafter(intent_answers=("damaged_item",)), message=UNSURE, analysis=unsure)
    )
    assert changed.intent == "damaged_item" and changed.reason is None
    assert changed.record["outcome"] == "changed"
    assert changed.record["intent_before"] == "product_question"
    failed = asyncio.run(ask(FakeDrafter(), message=UNSURE, analysis=unsure))
    assert failed.intent is None and failed.record["outcome"] == "failed"
    assert failed.reason == "unusable_response" and not failed.unanswered
    timed_out = asyncio.run(
        ask(FakeDrafter(intent_answers=("timeout",)), message=UNSURE, analysis=unsure)
    )
    assert timed_out.unanswered and timed_out.tokens == (60, 3)


# -- end to end: POST /draft against a real server speaking the OpenAI protocol -----------------


@dataclass
class Desk:
    """A client on a service drafting with the fake model, and the calls that model got since."""

    client: TestClient
    state: openai_server.FakeState
    before: int

    def draft(self, text: str) -> dict[str, Any]:
        response = self.client.post("/draft", json=draft_request(text))
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def calls(self) -> list[dict[str, Any]]:
        return self.state.requests[self.before :]

    def asked(self) -> list[str]:
        """The user messages of the intent questions the model got."""
        return [
            str(r["messages"][-1]["content"])
            for r in self.calls()
            if openai_server._INTENT_ASK in str(r["messages"][0]["content"])
        ]


@pytest.fixture
def desk_with(
    make_client: Callable[..., TestClient], fake_llm: tuple[str, openai_server.FakeState]
) -> Callable[..., Desk]:
    def make(model: str, **settings: Any) -> Desk:
        base_url, state = fake_llm
        client = make_client(llm_base_url=base_url, llm_model=model, **settings)
        return Desk(client, state, len(state.requests))

    return make


def test_an_unsure_intent_is_asked_of_the_model_and_its_answer_picks_the_template(
    desk_with: Callable[..., Desk],
) -> None:
    desk = desk_with("good")
    body = desk.draft(UNSURE)
    (question,) = desk.asked()
    assert UNSURE in question and "in English" in question
    assert (body["intent"], body["intent_source"]) == ("damaged_item", "llm")
    assert "Damaged" in body["tags"]
    choice = body["generator"]["intent_choice"]
    assert choice["outcome"] == "changed" and choice["answer"] == "damaged_item"
    assert choice["intent_before"] == "product_question"
    assert choice["prompt_version"].startswith("choose_intent@")
    # The draft job was made for the model's intent, and the totals count both calls.
    assert "Detected intent: damaged_item" in desk.calls()[-1]["messages"][1]["content"]
    assert body["generator"]["usage"]["prompt_tokens"] == 2 * 321
    stored = desk.client.get(f"/drafts/{body['draft_id']}").json()
    assert stored["intent_source"] == "llm"
    assert stored["generator"]["intent_choice"] == choice


def test_a_sure_intent_is_not_asked_and_an_unusable_answer_leaves_the_classifier(
    desk_with: Callable[..., Desk],
) -> None:
    desk = desk_with("intent_chatty")
    sure = desk.draft(SURE)
    assert desk.asked() == []
    assert (sure["intent_source"], sure["generator"]["intent_choice"]) == ("model", None)
    unsure = desk.draft(UNSURE)
    assert (unsure["intent"], unsure["intent_source"]) == ("product_question", "model")
    choice = unsure["generator"]["intent_choice"]
    assert (choice["outcome"], choice["reason"]) == ("failed", "unusable_response")
    assert unsure["generator"]["kind"] == "llm"  # the draft call went ahead


def test_a_model_that_does_not_answer_the_question_is_not_waited_for_again(
    desk_with: Callable[..., Desk],
) -> None:
    desk = desk_with("timeout", llm_timeout_s=0.5)
    body = desk.draft(UNSURE)
    assert len(desk.calls()) == 1  # the question only
    assert body["generator"]["kind"] == "template"
    assert body["generator"]["fallback_reason"] == "timeout"
    assert body["generator"]["intent_choice"]["outcome"] == "failed"
    assert body["intent_source"] == "model"


def test_the_question_can_be_turned_off(desk_with: Callable[..., Desk]) -> None:
    desk = desk_with("good", llm_intent_below=0.0)
    body = desk.draft(UNSURE)
    assert desk.asked() == []
    assert body["generator"]["intent_choice"] is None


def test_a_regenerated_draft_keeps_the_intent_the_model_chose(
    desk_with: Callable[..., Desk],
) -> None:
    desk = desk_with("good", api_keys="agent:a-key,plugin:p-key")
    response = desk.client.post(
        "/draft", json=draft_request(UNSURE), headers={"Authorization": "Bearer p-key"}
    )
    assert response.status_code == 201, response.text
    draft_id = response.json()["draft_id"]
    asked = len(desk.asked())
    again = desk.client.post(
        f"/drafts/{draft_id}/regenerate",
        json={"agent_id": "anna", "instructions": "Keep it short"},
        headers={"Authorization": "Bearer a-key"},
    )
    assert again.status_code == 200, again.text
    assert again.json()["regenerated"] and again.json()["draft"]["intent"] == "damaged_item"
    assert len(desk.asked()) == asked  # not asked again
    assert "Detected intent: damaged_item" in desk.calls()[-1]["messages"][1]["content"]
