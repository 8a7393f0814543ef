"""The knowledge base being served (`service.knowledge.live`): a whole snapshot per request,
swapped by reloads that run one at a time and keep a broken file's last good version."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.knowledge import KnowledgeBase, live, load_kb
from service.knowledge.live import LiveKB
from tests.conftest import draft_request
from tests.service.knowledge.support import OTHER, entry, kb_dir, write


def body_of(kb: KnowledgeBase, entry_id: str) -> str:
    found = kb.get(entry_id)
    assert found is not None, entry_id
    return found.body


def test_it_serves_what_it_loaded_or_what_it_was_given(tmp_path: Path) -> None:
    loaded = LiveKB(kb_dir(tmp_path))
    assert [e.id for e in loaded.current.entries] == ["general/other", "policies/returns"]
    given = KnowledgeBase(entries=[entry("a/one", "One", "Text.")])
    # Given a snapshot, nothing is read: the directory need not even exist.
    assert LiveKB(tmp_path / "nowhere", kb=given).current is given


def test_a_reload_swaps_the_snapshot_and_leaves_the_old_one_whole(tmp_path: Path) -> None:
    root = kb_dir(tmp_path)
    served = LiveKB(root)
    before = served.current
    write(root, "general/other", OTHER.format(word="banana"))
    write(root, "policies/warranty", "Two years of warranty.", kind="article")
    after = served.reload()
    assert served.current is after is not before
    assert "banana" in body_of(after, "general/other")
    assert after.get("policies/warranty") is not None
    # A request that took the old snapshot still reads it, unchanged.
    assert "apricot" in body_of(before, "general/other")
    assert before.get("policies/warranty") is None


def test_a_reload_keeps_a_broken_files_last_good_version(tmp_path: Path) -> None:
    root = kb_dir(tmp_path)
    served = LiveKB(root)
    (root / "general" / "other.md").write_text("---\nid: [\n---\nHi", encoding="utf-8")
    kb = served.reload()
    assert "apricot" in body_of(kb, "general/other")
    assert kb.stale == ("general/other.md",)
    assert [e.path for e in kb.errors] == ["general/other.md"]


def test_file_errors_are_logged_at_load_and_at_each_reload(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = kb_dir(tmp_path)
    (root / "broken.md").write_text("no front matter\n", encoding="utf-8")
    caplog.set_level(logging.INFO, logger=live.__name__)
    served = LiveKB(root)
    served.reload()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["knowledge base: broken.md:1: no front matter: the file must start "
                        "with a '---' line"] * 2  # fmt: skip
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert infos == [
        "knowledge base reloaded: 2 entries, 1 errors, 0 files on their last good version"
    ]


def test_reloads_run_one_at_a_time_each_on_the_one_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = LiveKB(kb_dir(tmp_path))
    initial = served.current
    guard = threading.Lock()
    running = 0
    most = 0
    given: list[KnowledgeBase | None] = []
    built: list[KnowledgeBase] = []

    def slow_load(kb_dir: Path, *, previous: KnowledgeBase | None = None) -> KnowledgeBase:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.02)  # time for the other reloads to arrive and overlap
        kb = load_kb(kb_dir, previous=previous)
        with guard:
            running -= 1
            given.append(previous)
            built.append(kb)
        return kb

    monkeypatch.setattr(live, "load_kb", slow_load)
    threads = [threading.Thread(target=served.reload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1
    # Each reload started from the snapshot the one before it served: none was lost, and an
    # older one never replaced a newer one.
    assert given == [initial, *built[:-1]]
    assert served.current is built[-1]


@pytest.fixture
def kb_client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(kb_dir=kb_dir(tmp_path))


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
