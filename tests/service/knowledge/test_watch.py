"""Hot reload: an edit, an addition or a deletion of a KB file reaches the next request."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import draft_request
from tests.service.knowledge.support import OTHER, kb_dir, write


@pytest.fixture
def kb_client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(kb_dir=kb_dir(tmp_path))


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
