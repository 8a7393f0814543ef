"""`GET /drafts/{id}/gloss` (`service.review.gloss`) against the fake OpenAI server: the model's
translation of the message and the draft, cached per draft and language until the draft
changes; "not available" without a model or when the translation fails."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import draft_request
from tests.fakes import openai_server

Client = Callable[..., TestClient]
FakeLLM = tuple[str, openai_server.FakeState]
GERMAN = "Wo ist mein Paket? Es ist seit einer Woche unterwegs und kommt nicht an."


def _german(client: TestClient) -> dict[str, object]:
    body = draft_request(GERMAN, marketplace="amazon.de")
    draft: dict[str, object] = client.post("/draft", json=body).json()
    assert draft["language"] == "de"
    return draft


def test_the_model_translates_the_message_and_the_draft_once_per_text(
    db_url: str, make_client: Client, fake_llm: FakeLLM
) -> None:
    base_url, state = fake_llm
    client = make_client(database_url=db_url, llm_base_url=base_url, llm_model="polyglot")
    draft = _german(client)
    path = f"/drafts/{draft['draft_id']}/gloss"
    before = len(state.requests)
    first = client.get(path, params={"lang": "en"})
    assert first.status_code == 200, first.text
    gloss = first.json()
    assert gloss["available"] is True and gloss["cached"] is False
    assert gloss["message"] == f"[English] {GERMAN}"
    assert gloss["draft"] == f"[English] {draft['text']}"
    assert gloss["model"] == "polyglot"
    assert len(state.requests) == before + 1
    again = client.get(path, params={"lang": "en"}).json()
    assert again["cached"] is True and again["draft"] == gloss["draft"]
    assert len(state.requests) == before + 1  # from the database
    edited = "Hallo Jane,\n\nIhr Paket kommt morgen an.\n\nBestellnummer: 114-3941689-8772232"
    approved = client.post(
        f"/drafts/{draft['draft_id']}/approve", json={"agent_id": "anna", "text": edited}
    )
    assert approved.status_code == 200, approved.text
    changed = client.get(path, params={"lang": "en"}).json()
    assert changed["cached"] is False
    assert changed["draft"] == f"[English] {approved.json()['text']}"
    french = client.get(path, params={"lang": "fr"}).json()
    assert french["message"] == f"[French] {GERMAN}"


def test_a_draft_in_the_agents_language_needs_no_model(make_client: Client) -> None:
    client = make_client()
    draft = client.post("/draft", json=draft_request()).json()
    gloss = client.get(f"/drafts/{draft['draft_id']}/gloss", params={"lang": "en"}).json()
    assert gloss["available"] is True and gloss["model"] is None
    assert gloss["draft"] == draft["text"]


def test_without_a_model_or_when_the_translation_fails_it_is_not_available(
    make_client: Client, fake_llm: FakeLLM
) -> None:
    template_only = make_client()
    draft = _german(template_only)
    path = f"/drafts/{draft['draft_id']}/gloss"
    gloss = template_only.get(path).json()
    assert gloss["available"] is False and "no model" in gloss["reason"]
    assert gloss["message"] is None and gloss["draft"] is None
    broken = make_client(llm_base_url=fake_llm[0], llm_model="echo_buyer")
    failed = broken.get(path).json()
    assert failed["available"] is False and "unusable_response" in failed["reason"]


def test_an_unknown_draft_is_404_and_an_unknown_language_422(make_client: Client) -> None:
    client = make_client()
    assert client.get("/drafts/nope/gloss").status_code == 404
    draft = client.post("/draft", json=draft_request()).json()
    assert (
        client.get(f"/drafts/{draft['draft_id']}/gloss", params={"lang": "xx"}).status_code == 422
    )
