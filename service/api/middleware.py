"""ASGI middleware: the request id, HTTP metrics and timing of every request, the body size
limit, and the security headers of every response."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import logs as logging_setup
from service.api.errors import problem_response
from service.ops.metrics import Metrics


class RequestObserver:
    """Pure ASGI middleware: request id in and out, metrics by route template, timing."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        incoming = headers.get(b"x-request-id", b"").decode("latin-1") or None
        rid = logging_setup.new_request_id(incoming)
        tokens = logging_setup.start_request(rid)
        started = time.perf_counter()
        status = 500  # when no response starts at all

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # Leave the request id and names set: the server logs the traceback after us, and
            # that line needs both. The task ends with the request, and the context with it.
            self._observe(scope, 500, started)
            raise
        self._observe(scope, status, started)
        logging_setup.end_request(tokens)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "<unmatched>"
        method = scope.get("method", "GET")
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)


class BodyLimit:
    """Answers 413 for bodies over the limit before the app reads any of them. A declared
    length is checked at once (the server holds the body to it); a body without one
    (Transfer-Encoding: chunked) is read here, at most the limit, and handed on whole: a limit
    raised while the app reads would reach FastAPI's body parsing, which turns any error into
    a 400."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit():
            if int(declared) > self.max_bytes:
                await self._reject(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        read: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":  # the client left: the app hears it too
                break
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return read.pop(0) if read else await receive()

        await self.app(scope, replay, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"request body larger than {self.max_bytes} bytes"
        await problem_response(413, detail)(scope, receive, send)


# Our own pages load only their own script and style sheet (the audit report has an inline
# style block); nothing may frame them. /docs and /redoc (service/api/docs.py) load Swagger UI
# and ReDoc from the service too, but start them with an inline script, and ReDoc searches in
# a worker made from a blob.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
_DOCS_PAGES = ("/docs", "/redoc")


class SecurityHeaders:
    """Every response: no MIME sniffing, no referrer; HTML pages: a content security policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs_page = str(scope.get("path", "")).startswith(_DOCS_PAGES)
        policy = (DOCS_CONTENT_SECURITY_POLICY if docs_page else CONTENT_SECURITY_POLICY).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                added = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    added.append((b"content-security-policy", policy))
                message["headers"] = headers + [h for h in added if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)
