"""What `replydesk serve` runs first: the port opens before the app is even imported.

Importing the app (FastAPI, the routes, SQLAlchemy, NumPy: a second or more of CPU) used to come
before uvicorn bound its port. `Boot` is an ASGI app of the standard library alone: uvicorn
binds at once, `/healthz` and `/readyz` answer "starting" while a thread imports and builds the
real app, then the real app's lifespan runs and every request goes to it. A request that comes
earlier waits for it (as requests wait for the resources, service/api/startup.py); an app that
cannot be imported or built leaves the process answering 503 everywhere, with the reason in
`/readyz` and the log.

Nothing here may import more than uvicorn and the settings need: that is the point of it.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from service.api import problems

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

APP_FACTORY = "service.api.app:create_app"
WAIT_S = 60.0  # how long an early request waits for the app (startup.WAIT_S for resources)


class Boot:
    def __init__(self, factory: str | Callable[[], ASGIApp] = APP_FACTORY) -> None:
        """``factory`` builds the app: ``module:function`` (imported in the thread) or a
        callable."""
        self._factory = factory
        self._app: ASGIApp | None = None
        self.error: BaseException | None = None
        self._settled: asyncio.Event | None = None  # set once the app is up or has failed
        self._lifespan: asyncio.Task[Exception | None] | None = None
        self._inbox: asyncio.Queue[Message] | None = None
        self._outbox: asyncio.Queue[Message] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(scope, receive, send)
            return
        if self._app is None and scope["type"] == "http":
            path = scope.get("path", "")
            if path in ("/healthz", "/readyz"):
                await self._answer_health(path, send)
                return
            settled = self._settled
            if settled is not None and self.error is None:
                try:
                    await asyncio.wait_for(settled.wait(), WAIT_S)
                except TimeoutError:
                    await _problem(send, "the service is still starting")
                    return
        if self._app is None:
            if scope["type"] == "http":
                await _problem(send, f"the service failed to start: {self.error}")
            return  # a websocket closes unanswered
        await self._app(scope, receive, send)

    # The lifespan: answer uvicorn at once, then drive the real app's lifespan when it is there.

    async def _serve_lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        self._settled = asyncio.Event()
        loop = asyncio.get_running_loop()
        built: asyncio.Future[ASGIApp] = loop.run_in_executor(None, self._build)
        starting = loop.create_task(self._start(scope, built), name="boot")
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        await asyncio.wait([starting])  # shutting down while still starting: finish, then stop
        await self._stop()
        await send({"type": "lifespan.shutdown.complete"})

    def _build(self) -> ASGIApp:
        factory = self._factory
        if isinstance(factory, str):
            module, _, name = factory.partition(":")
            factory = getattr(importlib.import_module(module), name)
        return factory()

    async def _start(self, scope: Scope, built: asyncio.Future[ASGIApp]) -> None:
        assert self._settled is not None
        try:
            app = await built
            self._inbox, self._outbox = asyncio.Queue(), asyncio.Queue()
            self._lifespan = asyncio.get_running_loop().create_task(
                _run(app, scope, self._inbox.get, self._outbox.put), name="app lifespan"
            )
            await self._inbox.put({"type": "lifespan.startup"})
            answer = await self._lifespan_answer()
            if answer["type"] != "lifespan.startup.complete":
                # Starlette's message is the whole traceback: its last line says what failed.
                lines = str(answer.get("message") or "").strip().splitlines()
                raise RuntimeError(lines[-1] if lines else "the app's start-up failed")
            self._app = app
        except Exception as exc:  # kept, logged and served as 503: never raised into the loop
            self.error = exc
            log.critical("start-up failed: %s", exc, exc_info=exc)
        finally:
            self._settled.set()

    async def _lifespan_answer(self) -> Message:
        """The app's next lifespan message, or its error if its lifespan ended without one."""
        assert self._outbox is not None and self._lifespan is not None
        answer = asyncio.ensure_future(self._outbox.get())
        await asyncio.wait([answer, self._lifespan], return_when=asyncio.FIRST_COMPLETED)
        if answer.done():
            return answer.result()
        answer.cancel()
        error = self._lifespan.result()
        raise error if error is not None else RuntimeError("the app's lifespan ended early")

    async def _stop(self) -> None:
        if self._lifespan is None or self._inbox is None or self._lifespan.done():
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        try:
            answer = await self._lifespan_answer()
        except Exception as exc:
            log.error("shutting down failed: %s", exc, exc_info=exc)
            return
        if answer["type"] != "lifespan.shutdown.complete":
            log.error("shutting down failed: %s", answer.get("message"))

    async def _answer_health(self, path: str, send: Send) -> None:
        """The answers of service/api/routes/health.py while there is no app to give them."""
        failed = self.error is not None
        if path == "/healthz":
            state = "failed" if failed else "starting"
            body = {"status": "failed" if failed else "ok", "start": state}
            await _json(send, 503 if failed else 200, body)
            return
        start = f"failed: {self.error}" if failed else "starting"
        await _json(send, 503, {"status": "not ready", "checks": {"start": start}})


async def _run(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> Exception | None:
    """The app's lifespan as a task whose result is the error it ended with, if any: an
    exception left in a task is logged again when the task is collected, at whatever moment
    that happens (Starlette re-raises a failed start after reporting it)."""
    try:
        await app(scope, receive, send)
    except Exception as exc:
        return exc
    return None


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    await _send(send, status, json.dumps(body).encode(), b"application/json")


async def _problem(send: Send, detail: str) -> None:
    """503 as every error is answered (service/api/problems.py)."""
    await _send(
        send, 503, problems.encode(problems.body(503, detail)), problems.MEDIA_TYPE.encode()
    )


async def _send(send: Send, status: int, content: bytes, media_type: bytes) -> None:
    headers = [(b"content-type", media_type), (b"content-length", b"%d" % len(content))]
    if status == 503:
        headers.append((b"retry-after", b"5"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def create_app() -> Boot:
    """`uvicorn --factory service.api.boot:create_app`: what `replydesk serve` runs. Logging is
    set up here, as the app would set it up: uvicorn logs a worker's start before the app is
    there ("Started server process [pid]"), and that line must not be lost."""
    from service import logs
    from service.config import get_settings  # pydantic-settings: light, and the CLI has it

    settings = get_settings()
    if settings.log_json:
        logs.configure(settings.log_level)
    return Boot()
