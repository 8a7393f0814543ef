"""A German buyer gets a German draft and a Japanese buyer a Japanese one, with and without LLM."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from guardrails.language import identify
from tests.conftest import REPO, draft_request
from tests.fakes import openai_server

BUYERS = [
    # (message, request locale, marketplace, language, language name in the prompt)
    ("Wo ist mein Paket? Ich habe vor einer Woche bestellt.", "de-DE", "amazon.de", "de", "German"),
    (
        "Wo bleibt meine Bestellung? Sie ist noch nicht angekommen.",
        None,
        "amazon.com",
        "de",
        "German",
    ),
    ("荷物はいつ届きますか？まだ届いていません。", "ja_JP", "amazon.co.jp", "ja", "Japanese"),
    ("注文した商品がまだ届きません。今どこにありますか？", None, "amazon.com", "ja", "Japanese"),
]


def _has_templates(language: str) -> bool:
    return any((REPO / "knowledge_base" / language).rglob("*.md"))


@pytest.mark.parametrize(("text", "locale", "marketplace", "language", "_name"), BUYERS)
def test_template_draft_is_in_the_buyers_language(
    client: TestClient, text: str, locale: str | None, marketplace: str, language: str, _name: str
) -> None:
    if not _has_templates(language):
        pytest.skip(f"knowledge_base/{language}/ has no templates yet")
    body = draft_request(text, marketplace=marketplace)
    if locale:
        body["message"]["language"] = locale
    response = client.post("/draft", json=body)
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["language"] == language
    assert draft["intent"] == "where_is_my_order"
    assert draft["generator"]["kind"] == "template"
    assert draft["sources"][0]["id"].startswith(f"{language}/")
    assert identify(draft["text"])[0] == language
    assert "language_mismatch" not in {f["rule"] for f in draft["guardrails"]["findings"]}


@pytest.mark.parametrize(("text", "locale", "marketplace", "language", "name"), BUYERS)
def test_llm_is_told_the_buyers_language_and_answers_in_it(
    make_client: Callable[..., TestClient],
    fake_llm: tuple[str, openai_server.FakeState],
    text: str,
    locale: str | None,
    marketplace: str,
    language: str,
    name: str,
) -> None:
    base_url, state = fake_llm
    client = make_client(llm_base_url=base_url, llm_model="polyglot")
    body = draft_request(text, marketplace=marketplace)
    if locale:
        body["message"]["language"] = locale
    before = len(state.requests)
    response = client.post("/draft", json=body)
    assert response.status_code == 201, response.text
    draft = response.json()
    user = state.requests[before]["messages"][1]["content"]
    assert f"in {name} only" in user.splitlines()[-1]
    assert draft["generator"]["kind"] == "llm"
    assert draft["language"] == language
    assert identify(draft["text"])[0] == language
    assert draft["status"] == "pending", draft["guardrails"]["findings"]
    assert draft["guardrails"]["passed"] is True


def test_no_template_in_the_language_is_said_in_the_findings(client: TestClient) -> None:
    body = draft_request("Onde está a minha encomenda? Ainda não chegou.", marketplace="amazon.com")
    body["message"]["language"] = "pt-BR"
    response = client.post("/draft", json=body)
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["language"] == "pt"
    messages = [f["message"] for f in draft["guardrails"]["findings"]]
    assert any("no 'pt' version of template" in m for m in messages)
    assert draft["status"] == "blocked"
