"""Start answering at once, be ready soon after.

The server binds its port as soon as the app exists: `/healthz` answers while the resources
(database check, knowledge base, intent model) are built in a worker thread, and `/readyz` says
when they are there. A request that needs them waits for them; a build that fails leaves the
process answering 503 everywhere, with the reason in `/readyz` and the log, instead of a port
that never opens. uvicorn's supervisor of `--workers N` pings each worker within seconds of its
start: a worker busy loading for longer would be killed.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from types import TracebackType

from fastapi import FastAPI

from service.config import Settings
from service.errors import Unavailable
from service.knowledge.watch import watching
from service.ops import webhooks
from service.ops.metrics import Metrics
from service.resources import MigrationsPending, Resources, build_resources

log = logging.getLogger(__name__)
WAIT_S = 60.0  # how long a request waits for a start that is still under way


class Startup:
    def __init__(self, app: FastAPI, settings: Settings, metrics: Metrics) -> None:
        self._app = app
        self._settings = settings
        self._metrics = metrics
        self._task: asyncio.Task[Resources | None] | None = None
        self._stack = AsyncExitStack()
        self.error: BaseException | None = None

    @property
    def state(self) -> str:
        if self.error is not None:
            return "failed"
        return "ready" if getattr(self._app.state, "resources", None) else "starting"

    async def __aenter__(self) -> Startup:
        self._task = asyncio.get_running_loop().create_task(self._build(), name="startup")
        return self

    async def _build(self) -> Resources | None:
        try:
            resources = await asyncio.to_thread(
                build_resources, self._settings, metrics=self._metrics
            )
        except Exception as exc:  # kept, logged and served as 503: never raised into the loop
            self.error = exc
            known = isinstance(exc, MigrationsPending)  # one line says it all
            log.critical("start-up failed: %s", exc, exc_info=None if known else exc)
            return None
        self._stack.push_async_callback(resources.aclose)
        await self._stack.enter_async_context(
            watching(resources.knowledge, enabled=self._settings.kb_watch)
        )
        await self._stack.enter_async_context(
            webhooks.delivering(resources.engine, webhooks.target(self._settings))
        )
        self._app.state.resources = resources
        log.info("ready")
        return resources

    async def finished(self) -> None:
        """Wait until the start succeeded or failed (tests and embedders that want to begin
        with a ready service)."""
        if self._task is not None:
            await asyncio.wait([self._task])

    async def resources(self) -> Resources:
        """The resources, once built (waiting up to WAIT_S); 503 when the start failed."""
        ready: Resources | None = getattr(self._app.state, "resources", None)
        if ready is not None:
            return ready
        if self._task is None or self.error is not None:
            raise Unavailable(f"the service failed to start: {self.error}")
        try:
            built = await asyncio.wait_for(asyncio.shield(self._task), WAIT_S)
        except TimeoutError as exc:
            raise Unavailable("the service is still starting: try again shortly") from exc
        if built is None:
            raise Unavailable(f"the service failed to start: {self.error}")
        return built

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._task is not None and not self._task.done():
            # Shutting down while still starting: let the build finish, then close it.
            await asyncio.wait([self._task])
        await self._stack.aclose()
