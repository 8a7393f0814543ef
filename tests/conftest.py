"""Shared fixtures: settings, a database on SQLite and (when TEST_DATABASE_URL is set)
PostgreSQL, the app under TestClient, and the fake OpenAI-protocol server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.deps import current_time
from service.config import Settings
from service.store.db import create_db_engine, upgrade
from tests.databases import scratch_database
from tests.factories import ORDER_ID as ORDER_ID
from tests.factories import REPO as REPO
from tests.factories import draft_request as draft_request
from tests.factories import repo_settings as repo_settings
from tests.fakes import openai_server


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings must come from the tests alone, never from the developer's shell or .env.
    for name in list(os.environ):
        if name.startswith(("REPLYDESK_", "OPENAI_")):
            monkeypatch.delenv(name)


@contextmanager
def empty_postgres(prefix: str = "replydesk_test") -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards; skips the test when
    TEST_DATABASE_URL does not point at a server."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    with scratch_database(base, prefix) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database, migrated once, dropped at the end of the run."""
    with empty_postgres() as url:
        engine = create_db_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A PostgreSQL database without a single table (no migration run), dropped afterwards."""
    with empty_postgres("replydesk_empty") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every database test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'replydesk.db'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    yield url
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "TRUNCATE audits, glosses, draft_events, drafts, idempotency_keys, events, "
            "webhook_state "
            "RESTART IDENTITY CASCADE"
        )
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'replydesk.db'}"


@pytest.fixture
def make_settings(sqlite_url: str) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        return repo_settings(overrides.pop("database_url", sqlite_url), **overrides)

    return build


@pytest.fixture
def make_client(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        client = TestClient(create_app(make_settings(**overrides)))
        client.__enter__()
        clients.append(client)
        started(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[tuple[str, openai_server.FakeState]]:
    with openai_server.running() as served:
        yield served


def started(client: TestClient) -> TestClient:
    """Wait until the client's app has finished starting (the port opens before that)."""
    app, portal = client.app, client.portal
    assert isinstance(app, FastAPI) and portal is not None, "use the client inside `with`"
    portal.call(app.state.startup.finished)
    return client


def freeze(client: TestClient, moment: datetime) -> None:
    """Every route of the client's app sees `moment` as now."""
    app = client.app
    assert isinstance(app, FastAPI)
    app.dependency_overrides[current_time] = lambda: moment
