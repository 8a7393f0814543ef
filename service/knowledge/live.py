"""The knowledge base the service is serving now, swapped whole when ops change the files.

A request takes `current` once and keeps that snapshot, so none fails or mixes two versions
because of a reload; reloads (the file watcher and `POST /kb/reload`) are serialised so an older
one never overwrites a newer one.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from service.knowledge import KnowledgeBase, load_kb

log = logging.getLogger(__name__)


class LiveKB:
    def __init__(self, kb_dir: Path, kb: KnowledgeBase | None = None) -> None:
        self.kb_dir = kb_dir
        self._current = kb if kb is not None else load_kb(kb_dir)
        self._lock = threading.Lock()
        for error in self._current.errors:
            log.warning("knowledge base: %s", error)

    @property
    def current(self) -> KnowledgeBase:
        return self._current

    def reload(self) -> KnowledgeBase:
        """Read the files again (blocking: call it from a thread) and serve the result."""
        with self._lock:
            kb = load_kb(self.kb_dir, previous=self._current)
            self._current = kb
        for error in kb.errors:
            log.warning("knowledge base: %s", error)
        log.info(
            "knowledge base reloaded: %d entries, %d errors, %d files on their last good version",
            len(kb.entries),
            len(kb.errors),
            len(kb.stale),
        )
        return kb
