"""Hot reload: when ops add, edit or delete a knowledge-base file, the next draft uses it.

watchfiles (already installed with uvicorn[standard]) gets change events from the OS (inotify,
FSEvents, ReadDirectoryChangesW): no CPU spent while nothing changes and a reload about a third
of a second after the last write, where mtime polling would stat 10,000 files every few seconds.
Where events do not arrive (some network and container mounts), WATCHFILES_FORCE_POLLING=1
switches it to polling, and `POST /kb/reload` always works.

A reload reads the files in a worker thread, builds a complete new snapshot and swaps it in
(`service.knowledge.live.LiveKB`): a request holds the snapshot it started with.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from watchfiles import Change, awatch

from service.knowledge.live import LiveKB

log = logging.getLogger(__name__)
DEBOUNCE_MS = 300  # editors write a file in several steps; wait for them to finish


def _relevant(_change: Change, path: str) -> bool:
    name = Path(path).name
    # Markdown files, and directories (a deleted or renamed folder takes its files with it).
    return not name.startswith(".") and (name.endswith(".md") or "." not in name)


async def watch(live: LiveKB, stop: asyncio.Event) -> None:
    """Reload after every burst of changes until `stop` is set."""
    async for _changes in awatch(
        live.kb_dir, watch_filter=_relevant, debounce=DEBOUNCE_MS, stop_event=stop
    ):
        try:
            await asyncio.to_thread(live.reload)
        except Exception:  # a reload bug must not stop the watching; the old KB stays
            log.exception("knowledge base reload failed; keeping the current one")


@asynccontextmanager
async def watching(live: LiveKB, *, enabled: bool = True) -> AsyncIterator[None]:
    """Run `watch` in the background for the duration of the block (the app's lifespan)."""
    if not enabled or not live.kb_dir.is_dir():
        if enabled:
            log.warning("not watching %s (not a directory): use POST /kb/reload", live.kb_dir)
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(watch(live, stop), name="kb-watch")
    try:
        yield
    finally:
        stop.set()
        with suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
