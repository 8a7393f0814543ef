"""Migrations run once, one process at a time: concurrent upgrades of a fresh database (workers
starting together, or a worker and `replydesk db upgrade`) wait for each other instead of
racing to create the same tables."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from service.store.db import create_db_engine, migration_lock_path, pending_migrations, upgrade

UPGRADERS = 6


def upgrade_concurrently(url: str) -> list[BaseException]:
    """UPGRADERS threads, each with its own engine (its own connections, its own lock file
    handle), released together into `upgrade`; what they raised."""
    barrier = threading.Barrier(UPGRADERS)
    failures: list[BaseException] = []

    def run() -> None:
        engine = create_db_engine(url)
        try:
            barrier.wait(timeout=30)
            upgrade(engine)
        except BaseException as exc:  # collected and asserted on by the test
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(UPGRADERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "an upgrade never finished"
    return failures


def _assert_at_head_once(url: str) -> None:
    engine = create_db_engine(url)
    try:
        assert not pending_migrations(engine)
        with engine.connect() as connection:
            versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert len(versions.all()) == 1
    finally:
        engine.dispose()


def test_concurrent_upgrades_of_a_fresh_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'replydesk.db'}"
    assert upgrade_concurrently(url) == []
    _assert_at_head_once(url)
    engine = create_db_engine(url)
    assert migration_lock_path(engine) == tmp_path / "data" / "replydesk.db.migrations.lock"
    engine.dispose()


@pytest.mark.postgres
def test_concurrent_upgrades_of_a_fresh_postgres_database(empty_postgres_url: str) -> None:
    assert upgrade_concurrently(empty_postgres_url) == []
    _assert_at_head_once(empty_postgres_url)


def test_no_lock_file_for_memory_or_postgres() -> None:
    for url in ("sqlite://", "sqlite:///:memory:", "postgresql+psycopg://u@localhost/db"):
        engine = sa.create_engine(url)
        assert migration_lock_path(engine) is None
        engine.dispose()


def test_the_head_read_from_the_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    from service.store.db import alembic_config, head_revision

    assert (
        head_revision()
        == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    )


def test_a_database_at_head_is_not_handed_to_alembic(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command

    engine = create_db_engine(db_url)
    upgrade(engine)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("alembic ran on a database at head")

    monkeypatch.setattr(command, "upgrade", refuse)
    upgrade(engine)  # at head: answered from alembic_version alone
    assert not pending_migrations(engine)
    engine.dispose()
