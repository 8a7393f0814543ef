"""What the service holds while it runs: settings, the database engine, the live knowledge
base, the drafters and the metrics. Built once (`open_resources`) by the app's lifespan and by
the CLI commands that draft, and closed once, in the same place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from service.config import Settings
from service.errors import Unavailable
from service.generate.drafter import Drafter, TemplateDrafter
from service.knowledge import KnowledgeBase
from service.knowledge.live import LiveKB
from service.ops.metrics import Metrics
from service.store.db import create_db_engine, is_sqlite, pending_migrations, upgrade
from service.understand import analysis

log = logging.getLogger(__name__)


class MigrationsPending(Unavailable):
    """The service was told not to migrate and the database is behind: it will not start (the
    message is the whole story: logged as one line, no traceback)."""


@dataclass(frozen=True, slots=True)
class Resources:
    settings: Settings
    engine: sa.Engine
    knowledge: LiveKB
    # The model that drafts replies; None drafts from templates alone.
    llm: Drafter | None
    templates: TemplateDrafter
    metrics: Metrics | None = None  # None outside the server (the CLI)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base now; take it once per request (a reload may swap it)."""
        return self.knowledge.current

    async def aclose(self) -> None:
        if self.llm is not None:
            await self.llm.aclose()
        self.engine.dispose()


def build_resources(settings: Settings, *, metrics: Metrics | None = None) -> Resources:
    engine = create_db_engine(
        settings.database_url,
        connect_timeout_s=settings.db_connect_timeout_s,
        statement_timeout_s=settings.db_statement_timeout_s,
    )
    if settings.migrate_on_start or is_sqlite(settings.database_url):
        # Every worker asks; the migration lock lets one migrate and the others find it done.
        applied = upgrade(engine)
        if applied:
            log.info("database migrated: applied %s", ", ".join(applied))
    elif pending_migrations(engine):
        engine.dispose()
        raise MigrationsPending(
            "the database has migrations pending and REPLYDESK_MIGRATE_ON_START is off: "
            "run `replydesk db upgrade`, then start again"
        )
    knowledge = LiveKB(settings.kb_dir)
    analysis.warm_up()
    llm: Drafter | None = None
    if settings.llm_configured:
        from service.generate.llm import OpenAIDrafter  # the SDK loads only when it is used
        from service.generate.prompts import Prompts

        llm = OpenAIDrafter(settings=settings, prompts=Prompts(settings.prompts_dir))
    return Resources(
        settings=settings,
        engine=engine,
        knowledge=knowledge,
        llm=llm,
        templates=TemplateDrafter(),
        metrics=metrics,
    )


@asynccontextmanager
async def open_resources(
    settings: Settings, *, metrics: Metrics | None = None
) -> AsyncIterator[Resources]:
    resources = build_resources(settings, metrics=metrics)
    try:
        yield resources
    finally:
        await resources.aclose()
