"""Storage on SQLite and PostgreSQL: migrations, round trips, timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.store.db import SQLITE_CACHE_KIB, create_db_engine, pending_migrations, upgrade
from service.store.models import Draft
from tests.conftest import draft_request


def test_migrations_reach_head_and_are_idempotent(db_url: str) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    upgrade(engine)
    assert not pending_migrations(engine)
    tables = set(sa.inspect(engine).get_table_names())
    assert {"drafts", "draft_events", "alembic_version"} <= tables
    engine.dispose()


def test_sqlite_uses_wal_a_small_page_cache_and_lives_under_data(sqlite_url: str) -> None:
    engine = create_db_engine(sqlite_url)
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        # A small private page cache per pooled connection: the OS caches the file for all.
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
    assert Path(sqlite_url.removeprefix("sqlite:///")).parent.name == "data"
    engine.dispose()


def test_draft_round_trip_keeps_json_and_aware_times(
    db_url: str, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(database_url=db_url)
    draft_id = client.post("/draft", json=draft_request()).json()["draft_id"]
    engine = create_db_engine(db_url)
    with Session(engine) as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        assert draft.order["items"][0]["asin"] == "B08N5WRWNW"
        assert draft.request["message"]["text"].startswith("Where is my package")
        assert draft.generator_kind == "template"
        assert draft.respond_by == datetime(2026, 11, 21, 9, 15, tzinfo=UTC)
        assert draft.created_at.tzinfo is not None
    engine.dispose()


def test_server_upgrades_embedded_sqlite_on_start(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'replydesk.db'}"
    client = make_client(database_url=url)
    assert client.get("/readyz").json()["checks"]["database"] == "ok"
