"""What the service holds while it runs (`service.resources`): built from the settings, the
model client only when one is configured, the knowledge base as reloads leave it, and closed
once, even when the work in between fails."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from service import resources as resources_module
from service.generate.drafter import TemplateDrafter
from service.generate.llm import OpenAIDrafter
from service.knowledge import KnowledgeBase
from service.knowledge.live import LiveKB
from service.resources import MigrationsPending, Resources, build_resources, open_resources
from service.store.db import pending_migrations, upgrade
from tests.conftest import repo_settings
from tests.fakes.drafter import FakeDrafter
from tests.service.knowledge.support import OTHER, kb_dir, write


@dataclass
class CountingDrafter(FakeDrafter):
    closes: int = 0

    async def aclose(self) -> None:
        self.closes += 1
        await super().aclose()


def close(resources: Resources) -> None:
    asyncio.run(resources.aclose())


def test_the_embedded_database_is_brought_up_to_date(sqlite_url: str, tmp_path: Path) -> None:
    resources = build_resources(repo_settings(sqlite_url, kb_dir=kb_dir(tmp_path)))
    try:
        assert not pending_migrations(resources.engine)
        assert "drafts" in sa.inspect(resources.engine).get_table_names()
        assert resources.llm is None
        assert isinstance(resources.templates, TemplateDrafter)
        assert resources.metrics is None  # outside the server
    finally:
        close(resources)


def test_a_server_database_is_migrated_at_start_and_says_what_was_applied(
    empty_postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=resources_module.__name__)
    resources = build_resources(repo_settings(empty_postgres_url, kb_dir=kb_dir(tmp_path)))
    try:
        assert not pending_migrations(resources.engine)
        assert "drafts" in sa.inspect(resources.engine).get_table_names()
    finally:
        close(resources)
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith("database migrated: applied 0001 (drafts and draft events), 0002")
    caplog.clear()
    close(build_resources(repo_settings(empty_postgres_url, kb_dir=kb_dir(tmp_path))))
    assert caplog.records == []  # the next start finds it done


def test_with_migrations_off_a_database_behind_refuses_to_start(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    settings = repo_settings(empty_postgres_url, kb_dir=kb_dir(tmp_path), migrate_on_start=False)
    with pytest.raises(MigrationsPending, match="run `replydesk db upgrade`"):
        build_resources(settings)
    engine = sa.create_engine(empty_postgres_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
    upgrade_engine = sa.create_engine(empty_postgres_url)
    upgrade(upgrade_engine)
    upgrade_engine.dispose()
    close(build_resources(settings))  # once upgraded, it starts


@pytest.mark.parametrize(
    ("llm", "configured"),
    [
        ({}, False),
        ({"llm_base_url": "   "}, False),
        ({"llm_base_url": "http://127.0.0.1:9/v1"}, True),
        ({"llm_api_key": "sk-test"}, True),
    ],
)
def test_the_model_client_exists_only_when_configured(
    sqlite_url: str, tmp_path: Path, llm: dict[str, str], configured: bool
) -> None:
    resources = build_resources(repo_settings(sqlite_url, kb_dir=kb_dir(tmp_path), **llm))
    try:
        assert isinstance(resources.llm, OpenAIDrafter) is configured
        assert (resources.llm is None) is not configured
    finally:
        close(resources)


def test_kb_is_the_snapshot_the_last_reload_left(sqlite_url: str, tmp_path: Path) -> None:
    root = kb_dir(tmp_path)
    resources = build_resources(repo_settings(sqlite_url, kb_dir=root))
    try:
        before = resources.kb
        assert before is resources.knowledge.current
        write(root, "general/other", OTHER.format(word="banana"))
        resources.knowledge.reload()
        after = resources.kb
        assert after is not before and after is resources.knowledge.current
        other = after.get("general/other")
        assert other is not None and "banana" in other.body
    finally:
        close(resources)


def test_closing_closes_the_model_client_and_the_engines_connections() -> None:
    engine = sa.create_engine("sqlite://")
    closed: list[object] = []
    sa.event.listen(engine, "close", lambda connection, record: closed.append(connection))
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))  # one connection now waits in the pool
    model = CountingDrafter()
    resources = Resources(
        settings=repo_settings("sqlite://"),
        engine=engine,
        knowledge=LiveKB(Path("unused"), kb=KnowledgeBase(entries=())),
        llm=model,
        templates=TemplateDrafter(),
    )
    close(resources)
    assert model.closes == 1
    assert len(closed) == 1


def test_open_resources_closes_once_even_when_the_block_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = CountingDrafter()
    built = Resources(
        settings=repo_settings("sqlite://"),
        engine=sa.create_engine("sqlite://"),
        knowledge=LiveKB(Path("unused"), kb=KnowledgeBase(entries=())),
        llm=model,
        templates=TemplateDrafter(),
    )
    monkeypatch.setattr(resources_module, "build_resources", lambda settings, metrics: built)

    async def fail_inside() -> None:
        async with open_resources(built.settings) as held:
            assert held is built and model.closes == 0
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError, match="the request failed"):
        asyncio.run(fail_inside())
    assert model.closes == 1
