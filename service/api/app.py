"""The ASGI app, built by `create_app` (`uvicorn --factory service.api.app:create_app`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service import STATIC_DIR, logs
from service.api import docs, openapi
from service.api.errors import install_handlers
from service.api.middleware import BodyLimit, RequestObserver, SecurityHeaders
from service.api.routes import (
    check,
    drafts,
    events,
    health,
    kb,
    ops,
    proactive,
    review,
    triage,
)
from service.api.startup import Startup
from service.config import Settings, get_settings
from service.ops.metrics import Metrics


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.log_json:  # `replydesk serve` sets it; tests and embedders configure their own
        logs.configure(settings.log_level)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The port opens now; the resources are built meanwhile (service/api/startup.py).
        async with Startup(app, settings, metrics) as startup:
            app.state.startup = startup
            yield

    app = FastAPI(
        title="replydesk",
        version="0.1.0",
        summary="Policy-safe drafts of replies to Amazon buyer messages.",
        lifespan=lifespan,
        # Operation ids are the routes' own names (create_draft, approve_draft…): what a
        # generated client calls its methods.
        generate_unique_id_function=lambda route: route.name,
        # /docs and /redoc are served below from the service's own files (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    install_handlers(app)
    openapi.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    # Outermost, so even a 413 has a request id and is counted.
    app.add_middleware(RequestObserver, metrics=metrics)
    app.state.metrics = metrics
    metrics.watch(lambda: getattr(app.state, "resources", None))
    for module in (drafts, check, events, health, kb, ops, proactive, review, triage):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    docs.install(app)
    return app
