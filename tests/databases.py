"""Throw-away PostgreSQL databases on the server TEST_DATABASE_URL names, for the tests (through
`tests/conftest.py`) and the benchmarks that need a real database (bench/db_cut.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def scratch_database(base: str, prefix: str) -> Iterator[str]:
    """The URL of a new, empty database beside the one ``base`` names, dropped afterwards
    (with any connection still open to it)."""
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
