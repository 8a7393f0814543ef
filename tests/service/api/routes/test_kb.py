"""`/kb`, `/kb/search` and `/kb/reload`: the knowledge base as plugins and ops see it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.problems import problem
from tests.service.knowledge.support import kb_dir, write


@pytest.fixture
def kb_client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(kb_dir=kb_dir(tmp_path), kb_watch=False)


def test_kb_endpoints_list_search_and_reload(kb_client: TestClient, tmp_path: Path) -> None:
    listing = kb_client.get("/kb").json()
    assert [e["id"] for e in listing["data"]] == ["general/other", "policies/returns"]
    assert listing["data"][0]["path"] == "general/other.md" and listing["errors"] == []
    hits = kb_client.get("/kb/search", params={"q": "return within days", "language": "en"})
    assert hits.status_code == 200
    (hit,) = hits.json()["data"]
    assert hit["id"] == "policies/returns" and hit["score"] > 0 and "30 days" in hit["snippet"]
    bads: list[dict[str, str | int]] = [
        {"k": 0},
        {"intent": "nope"},
        {"language": "english"},
        {"kind": "faq"},
    ]
    for bad in bads:
        assert kb_client.get("/kb/search", params={"q": "x", **bad}).status_code == 422

    root = tmp_path / "kb"
    (root / "general" / "other.md").write_text("---\nid: [\n---\nHi", encoding="utf-8")
    reloaded = kb_client.post("/kb/reload").json()
    assert reloaded["entries"] == 2 and reloaded["stale"] == ["general/other.md"]
    assert reloaded["errors"][0]["path"] == "general/other.md"
    ready = kb_client.get("/readyz").json()
    assert ready["checks"]["knowledge_base"]["errors"][0].startswith("general/other.md:")


def test_the_listing_counts_kinds_and_languages(kb_client: TestClient, tmp_path: Path) -> None:
    write(tmp_path / "kb", "general/hold", "Hello, order {{ order_id }}: soon.", title="Hold")
    kb_client.post("/kb/reload")
    listing = kb_client.get("/kb").json()
    assert (listing["entries"], listing["templates"], listing["articles"]) == (3, 2, 1)
    assert listing["languages"] == {"en": 3}
    first = listing["data"][0]
    assert first == {
        "id": "general/hold",
        "kind": "template",
        "title": "Hold",
        "language": "en",
        "intents": ["other"],
        "asins": [],
        "tags": [],
        "path": "general/hold.md",
        "line": 8,
        "purpose": "reply",
    }


def test_search_filters_and_says_which_intent_it_does_not_know(kb_client: TestClient) -> None:
    def ids(**params: str | int) -> list[str]:
        response = kb_client.get("/kb/search", params={"q": "order returns days", **params})
        assert response.status_code == 200, response.text
        return [hit["id"] for hit in response.json()["data"]]

    assert ids() == ["policies/returns", "general/other"]
    assert ids(kind="template") == ["general/other"]
    assert ids(k=1) == ["policies/returns"]
    assert ids(language="de") == []
    unknown = kb_client.get("/kb/search", params={"q": "x", "intent": "nope"})
    body = problem(unknown, 422, "unknown intent 'nope'")  # the sentence, as before
    assert body["errors"] == [
        {"loc": ["query", "intent"], "msg": "unknown intent 'nope'", "type": "enum"}
    ]


def test_plugins_search_and_only_ops_list_or_reload(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(kb_dir=kb_dir(tmp_path), kb_watch=False, api_keys="plugin:p,agent:a,ops:o")
    plugin, agent, ops = ({"Authorization": f"Bearer {key}"} for key in "pao")
    assert client.get("/kb/search", params={"q": "returns"}, headers=plugin).status_code == 200
    for headers in (plugin, agent):
        assert client.get("/kb", headers=headers).status_code == 403
        assert client.post("/kb/reload", headers=headers).status_code == 403
    assert client.get("/kb", headers=ops).status_code == 200
    assert client.post("/kb/reload", headers=ops).status_code == 200
