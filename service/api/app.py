"""The ASGI app: `service.api.app:app`, built by `create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service import STATIC_DIR
from service.api.deps import Resources
from service.api.routes import check, drafts, health, kb, ops, proactive, review, triage
from service.config import Settings, get_settings
from service.errors import BodyLimit, install_handlers
from service.generate.llm import OpenAIDrafter, Prompts, TemplateDrafter
from service.knowledge import load_kb
from service.knowledge import watch as kb_watch
from service.ops import logs as logging_setup
from service.ops.metrics import Metrics, RequestObserver
from service.store.db import create_db_engine, is_sqlite, pending_migrations, upgrade
from service.understand import analysis

log = logging.getLogger(__name__)


def build_resources(settings: Settings) -> Resources:
    engine = create_db_engine(settings.database_url)
    if is_sqlite(settings.database_url):
        upgrade(engine)  # the embedded database keeps itself current
    elif pending_migrations(engine):
        log.warning("database has pending migrations: run `replydesk db upgrade`")
    kb = load_kb(settings.kb_dir)
    for error in kb.errors:
        log.warning("knowledge base: %s", error)
    analysis.warm_up()
    llm = None
    if settings.llm_configured:
        llm = OpenAIDrafter(settings=settings, prompts=Prompts(settings.prompts_dir))
    return Resources(settings=settings, engine=engine, kb=kb, llm=llm, templates=TemplateDrafter())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.log_json:  # `replydesk serve` sets it; tests and embedders configure their own
        logging_setup.configure(settings.log_level)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = build_resources(settings)
        resources.metrics = metrics
        app.state.resources = resources
        try:
            async with kb_watch.watching(resources):
                yield
        finally:
            if resources.llm is not None:
                await resources.llm.aclose()
            resources.engine.dispose()

    app = FastAPI(
        title="replydesk",
        version="0.1.0",
        summary="Policy-safe drafts of replies to Amazon buyer messages.",
        lifespan=lifespan,
    )
    install_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Outermost, so even a 413 has a request id and is counted.
    app.add_middleware(RequestObserver, metrics=metrics)
    app.state.metrics = metrics
    metrics.watch(lambda: getattr(app.state, "resources", None))
    for module in (drafts, check, health, kb, ops, proactive, review, triage):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def __getattr__(name: str) -> FastAPI:
    # `service.api.app:app` for uvicorn, built on first access so importing never reads settings.
    if name == "app":
        return create_app()
    raise AttributeError(name)
