"""Reloading the knowledge base: last good versions, the `/kb` endpoints and hot reload."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.knowledge import load_kb
from tests.conftest import draft_request

FRONT = "id: {id}\nkind: {kind}\ntitle: {title}\nlanguage: en\nintents: [{intents}]"
OTHER = "Hello {{ buyer_name }},\n\nThis is about order {{ order_id }}: {word}.\n"


def write(
    root: Path,
    name: str,
    body: str,
    *,
    kind: str = "template",
    title: str = "Reply",
    intents: str = "other",
) -> Path:
    path = root / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    front = FRONT.format(id=name, kind=kind, title=title, intents=intents)
    path.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return path


def kb_dir(tmp_path: Path, word: str = "apricot") -> Path:
    root = tmp_path / "kb"
    write(root, "general/other", OTHER.format(word=word))
    write(root, "policies/returns", "Returns are accepted within 30 days.", kind="article")
    return root


def test_a_broken_file_keeps_its_last_good_entry_and_is_reported(tmp_path: Path) -> None:
    root = kb_dir(tmp_path)
    first = load_kb(root)
    (root / "general" / "other.md").write_text("---\nid: general/other\n", encoding="utf-8")
    second = load_kb(root, previous=first)
    assert second.get("general/other") == first.get("general/other")
    assert second.stale == ("general/other.md",)
    assert [str(e) for e in second.errors] == [
        "general/other.md:1: front matter is not closed by a '---' line"
    ]
    assert load_kb(root).get("general/other") is None  # a cold start has no last good version


def test_edits_additions_and_deletions_are_picked_up_and_unchanged_files_reused(
    tmp_path: Path,
) -> None:
    root = kb_dir(tmp_path)
    first = load_kb(root)
    write(root, "general/other", OTHER.format(word="banana"))
    write(root, "policies/warranty", "Two years of warranty.", kind="article")
    (root / "policies" / "returns.md").unlink()
    second = load_kb(root, previous=first)
    assert [e.id for e in second.entries] == ["general/other", "policies/warranty"]
    other = second.get("general/other")
    assert other is not None and "banana" in other.body
    assert second.errors == () and second.stale == ()
    third = load_kb(root, previous=second)
    assert third.files["policies/warranty.md"] is second.files["policies/warranty.md"]


def test_a_vanished_directory_keeps_the_previous_entries(tmp_path: Path) -> None:
    root = kb_dir(tmp_path)
    first = load_kb(root)
    second = load_kb(tmp_path / "gone", previous=first)
    assert second.entries == first.entries
    assert "directory not found" in str(second.errors[0])


@pytest.fixture
def kb_client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(kb_dir=kb_dir(tmp_path))


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


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the change was not picked up in time"
        time.sleep(0.05)


def test_an_edit_changes_the_next_draft_without_a_restart(
    kb_client: TestClient, tmp_path: Path
) -> None:
    def draft_text() -> str:
        response = kb_client.post("/draft", json=draft_request("Hello, a question."))
        assert response.status_code == 201, response.text
        text: str = response.json()["text"]
        return text

    assert "apricot" in draft_text()
    write(tmp_path / "kb", "general/other", OTHER.format(word="banana"))
    wait_for(lambda: "banana" in draft_text())
    write(tmp_path / "kb", "extra/new", "A new article about descaling.", kind="article")
    wait_for(lambda: "extra/new" in {e["id"] for e in kb_client.get("/kb").json()["data"]})
    (tmp_path / "kb" / "extra" / "new.md").unlink()
    wait_for(lambda: "extra/new" not in {e["id"] for e in kb_client.get("/kb").json()["data"]})


def test_requests_in_flight_never_fail_during_reloads(
    kb_client: TestClient, tmp_path: Path
) -> None:
    statuses: list[int] = []
    stop = threading.Event()

    def drafter() -> None:
        while not stop.is_set():
            statuses.append(kb_client.post("/draft", json=draft_request()).status_code)

    threads = [threading.Thread(target=drafter) for _ in range(4)]
    for thread in threads:
        thread.start()
    for i in range(15):
        write(tmp_path / "kb", "general/other", OTHER.format(word=f"word{i}"))
        assert kb_client.post("/kb/reload").status_code == 200
    stop.set()
    for thread in threads:
        thread.join()
    assert statuses and set(statuses) == {201}
