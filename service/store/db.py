"""Engine, sessions and migrations. SQLite (WAL) by default, PostgreSQL by URL; same code.

Migrations run one process at a time: every worker of `replydesk serve --workers N` on SQLite
upgrades at start, and an operator may run `replydesk db upgrade` meanwhile. Two Alembic runs on
a fresh database would both create `alembic_version` and the tables, and one would fail. On
PostgreSQL a transaction-scoped advisory lock, taken on the migration's own connection, makes
the others wait (and is released by the commit or the rollback, whatever happens); on SQLite an
exclusive file lock beside the database file does.

Alembic itself (a fifth of a second to import, and 11 MB) is only imported when there is
something to migrate: whether the database is at the newest revision is read from
`alembic_version` and from the version files' `revision` lines.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*[\"']([\w-]+)[\"']\s*$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.*?)\s*$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([\w-]+)[\"']")
# Any fixed 64-bit number, the same in every replydesk process: b"replydsk" read as an integer.
MIGRATION_LOCK_KEY = int.from_bytes(b"replydsk", "big") & 0x7FFF_FFFF_FFFF_FFFF


CONNECT_TIMEOUT_S = 5
SILENT_TIMEOUT_S = 15.0
POOL_TIMEOUT_S = 10


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _insert(table: sa.Table, bind: sa.Engine | sa.Connection) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_or_skip(table: sa.Table, bind: sa.Engine | sa.Connection, key: str) -> Any:
    """``INSERT … ON CONFLICT (key) DO NOTHING`` in the dialect of ``bind`` (PostgreSQL or
    SQLite): a row that exists already is left as it is."""
    return _insert(table, bind).on_conflict_do_nothing(index_elements=[key])


def upsert(
    table: sa.Table, bind: sa.Engine | sa.Connection, keys: list[str], values: dict[str, Any]
) -> Any:
    """``INSERT … ON CONFLICT (keys) DO UPDATE``: ``values`` as the row, whoever wrote first."""
    statement = _insert(table, bind).values(**values)
    changed = {name: value for name, value in values.items() if name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=changed)


def create_db_engine(
    url: str,
    *,
    connect_timeout_s: int = CONNECT_TIMEOUT_S,
    statement_timeout_s: float | None = None,
) -> sa.Engine:
    """An engine with the pragmas replydesk relies on; creates the SQLite file's folder. The
    timeouts are PostgreSQL's (the server's come from the settings `db_connect_timeout_s` and
    `db_statement_timeout_s`; a migration has no statement timeout)."""
    if is_sqlite(url):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Many request threads share the file: wait for the writer lock instead of failing.
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A database that accepts connections but never answers must not hold a request: give up on
    # connecting after `connect_timeout_s`, on a statement after `statement_timeout_s` (the
    # server cancels it), on a silent established connection after as long or SILENT_TIMEOUT_S
    # (TCP keepalives and user timeout), and on a free pool slot after POOL_TIMEOUT_S. The API
    # answers those with 503 (service/api/errors.py).
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=POOL_TIMEOUT_S,
        connect_args=_postgres_timeouts(url, connect_timeout_s, statement_timeout_s),
    )


def _postgres_timeouts(
    url: str, connect_timeout_s: int, statement_timeout_s: float | None
) -> dict[str, Any]:
    if not url.startswith("postgresql"):
        return {}
    silent_ms = max(1, round((statement_timeout_s or SILENT_TIMEOUT_S) * 1000))
    statement = {"options": f"-c statement_timeout={silent_ms}"} if statement_timeout_s else {}
    return statement | {
        "connect_timeout": connect_timeout_s,
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": silent_ms,
    }


SQLITE_CACHE_KIB = 512


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Each pooled connection keeps a private page cache (2 MB by default, up to 15 connections):
    # a server's memory grew with the file by tens of MB under load. The operating system caches
    # the file for every connection at once; SQLITE_CACHE_KIB each is plenty on top of it.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: sa.Engine) -> list[str]:
    """Bring the schema to the newest migration (idempotent), one process at a time: the ones
    that waited find it done. Returns what this call applied, oldest first ("0006 (drafts'
    request stored once)"); empty when the database was up to date."""
    with _file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # A server's engine gives up on a statement after db_statement_timeout_s: neither
            # a long migration nor the wait for another process's may.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        if _at_head(connection):
            return []
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        current = MigrationContext.configure(connection).get_current_revision()
        script = ScriptDirectory.from_config(config)
        applied = [
            f"{rev.revision} ({rev.doc})" if rev.doc else rev.revision
            for rev in reversed(list(script.iterate_revisions("head", current)))
        ]
        command.upgrade(config, "head")
        return applied


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
    with engine.connect() as connection:
        if _at_head(connection):
            return False
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
        current = MigrationContext.configure(connection).get_current_revision()
    return current != head


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration's id, from the version files' `revision` and `down_revision`
    lines; None unless they form one plain chain (then Alembic is asked instead)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            if path.name == "__init__.py":
                continue
            return None
        parent = down.group(1)
        if parent != "None":
            quoted = _QUOTED.fullmatch(parent)
            if quoted is None:  # a merge of branches, or anything unusual
                return None
            parents.add(quoted.group(1))
        revisions.add(revision.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _at_head(connection: sa.Connection) -> bool:
    head = head_revision()
    if head is None or not sa.inspect(connection).has_table("alembic_version"):
        return False
    found = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    return found == [head]


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
