"""Engine, sessions and migrations. SQLite (WAL) by default, PostgreSQL by URL; same code.

Migrations run one process at a time: every worker of `replydesk serve --workers N` on SQLite
upgrades at start, and an operator may run `replydesk db upgrade` meanwhile. Two Alembic runs on
a fresh database would both create `alembic_version` and the tables, and one would fail. On
PostgreSQL a transaction-scoped advisory lock, taken on the migration's own connection, makes
the others wait (and is released by the commit or the rollback, whatever happens); on SQLite an
exclusive file lock beside the database file does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed 64-bit number, the same in every replydesk process: b"replydsk" read as an integer.
MIGRATION_LOCK_KEY = int.from_bytes(b"replydsk", "big") & 0x7FFF_FFFF_FFFF_FFFF


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_db_engine(url: str) -> sa.Engine:
    """An engine with the pragmas replydesk relies on; creates the SQLite file's folder."""
    if is_sqlite(url):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Many request threads share the file: wait for the writer lock instead of failing.
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration (idempotent), one process at a time: the ones
    that waited find it done."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with _file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def migration_lock_path(engine: sa.Engine) -> Path | None:
    """The lock file of an SQLite database file; None for PostgreSQL or an in-memory database."""
    database = engine.url.database
    if not is_sqlite(engine.url.drivername) or not database or database == ":memory:":
        return None
    path = Path(database)
    return path.with_name(path.name + ".migrations.lock")


@contextmanager
def _file_lock(engine: sa.Engine) -> Iterator[None]:
    path = migration_lock_path(engine)
    if path is None or sys.platform == "win32":  # replydesk runs on POSIX (its image is Linux)
        yield
        return
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    # The file stays: removing it would let a waiter lock a file nobody else opens any more.
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed, even on error
        yield


def pending_migrations(engine: sa.Engine) -> bool:
    """True when the database is not at the newest migration."""
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current != head


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
