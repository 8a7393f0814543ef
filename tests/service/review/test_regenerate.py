"""`POST /drafts/{id}/regenerate` (`service.review.regenerate`) against the fake OpenAI server:
the agent's instructions reach the model, the new text is gated and guarded and replaces the
draft's, the history and the events keep the attempt; a failing model changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ORDER_ID, draft_request
from tests.fakes import openai_server

Client = Callable[..., TestClient]
FakeLLM = tuple[str, openai_server.FakeState]
ASK = "Offer a replacement and keep it short"


def _regenerate(client: TestClient, draft_id: str, **body: Any) -> Any:
    payload = {"agent_id": "anna", "instructions": ASK} | body
    return client.post(f"/drafts/{draft_id}/regenerate", json=payload)


def test_the_model_drafts_again_with_the_instructions_and_the_draft_keeps_its_history(
    db_url: str, make_client: Client, fake_llm: FakeLLM
) -> None:
    base_url, state = fake_llm
    first = make_client(
        database_url=db_url, llm_base_url=base_url, llm_model="violations", llm_repair=False
    )
    draft = first.post("/draft", json=draft_request()).json()
    assert draft["guardrails"]["findings"]  # the first draft needed fixing
    client = make_client(database_url=db_url, llm_base_url=base_url, llm_model="good")
    response = _regenerate(client, draft["draft_id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["regenerated"], body["reason"], body["quality"]) == (True, None, [])
    new = body["draft"]
    prompt = state.requests[-1]["messages"][1]["content"]
    assert f"<<<AGENT_INSTRUCTIONS\n{ASK}\nAGENT_INSTRUCTIONS>>>" in prompt
    assert new["text"] == openai_server.GOOD_DRAFT.format(order_id=ORDER_ID)
    assert (new["status"], new["guardrails"]["passed"]) == ("pending", True)
    assert new["generator"]["model"] == "good"
    assert new["generator"]["usage"]["prompt_tokens"] == 2 * 321  # both calls on record
    stored = client.get(f"/drafts/{draft['draft_id']}").json()
    assert stored["text"] == new["text"] and stored["raw_text"] == new["text"]
    last = stored["history"][-1]
    assert (last["action"], last["actor"]) == ("regenerated", "anna")
    assert last["text_before"] == draft["text"] and last["text_after"] == new["text"]
    assert last["details"]["instructions"] == ASK
    assert last["details"]["status_before"] == "pending"
    events = client.get("/events").json()["data"]
    assert events[-1]["type"] == "draft.regenerated"


def test_a_new_text_that_breaks_the_rules_is_fixed_by_the_guard(
    db_url: str, make_client: Client, fake_llm: FakeLLM
) -> None:
    base_url, _ = fake_llm
    client = make_client(
        database_url=db_url, llm_base_url=base_url, llm_model="violations", llm_repair=False
    )
    draft = client.post("/draft", json=draft_request()).json()
    new = _regenerate(client, draft["draft_id"]).json()["draft"]
    assert "https://" not in new["text"] and "help@" not in new["text"]
    assert {"external_link", "email_address"} <= {f["rule"] for f in new["guardrails"]["findings"]}


def test_a_failing_model_changes_nothing_and_says_why(
    db_url: str, make_client: Client, fake_llm: FakeLLM
) -> None:
    base_url, _ = fake_llm
    good = make_client(database_url=db_url, llm_base_url=base_url, llm_model="good")
    draft = good.post("/draft", json=draft_request()).json()
    echo = make_client(database_url=db_url, llm_base_url=base_url, llm_model="echo_buyer")
    response = _regenerate(echo, draft["draft_id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["regenerated"], body["reason"]) == (False, "low_quality")
    assert "echo" in [check["check"] for check in body["quality"]]
    assert body["draft"]["text"] == draft["text"]
    stored = echo.get(f"/drafts/{draft['draft_id']}").json()
    assert stored["text"] == draft["text"] and stored["status"] == "pending"
    last = stored["history"][-1]
    assert last["action"] == "regenerated" and last["text_after"] is None
    assert last["details"]["fallback_reason"] == "low_quality"
    assert echo.get("/events").json()["data"][-1]["type"] == "draft.created"


def test_without_a_model_or_out_of_review_it_is_409_and_bad_input_422(
    db_url: str, make_client: Client, fake_llm: FakeLLM
) -> None:
    template_only = make_client(database_url=db_url)
    draft = template_only.post("/draft", json=draft_request()).json()
    response = _regenerate(template_only, draft["draft_id"])
    assert response.status_code == 409 and "no model" in response.text
    client = make_client(database_url=db_url, llm_base_url=fake_llm[0], llm_model="good")
    assert _regenerate(client, "no-such-draft").status_code == 404
    assert _regenerate(client, draft["draft_id"], instructions="  ").status_code == 422
    approved = client.post(f"/drafts/{draft['draft_id']}/approve", json={"agent_id": "anna"})
    assert approved.status_code == 200
    assert _regenerate(client, draft["draft_id"]).status_code == 409


@pytest.mark.parametrize("missing", ["agent_id", "instructions"])
def test_agent_and_instructions_are_required(
    make_client: Client, fake_llm: FakeLLM, missing: str
) -> None:
    client = make_client(llm_base_url=fake_llm[0], llm_model="good")
    draft = client.post("/draft", json=draft_request()).json()
    body = {"agent_id": "anna", "instructions": ASK}
    del body[missing]
    response = client.post(f"/drafts/{draft['draft_id']}/regenerate", json=body)
    assert response.status_code == 422
