"""`replydesk serve --workers 4` on a fresh PostgreSQL database, ten starts in a row: every
start brings up four workers that each answer, and none is lost on the way. The four workers
migrate the empty database (PostgreSQL or a fresh SQLite file) at start, once, together with
`replydesk db upgrade`: the migration lock (service/store/db.py) makes them take turns across
processes.

A worker used to die during start-up: uvicorn spawns workers, spawn re-imports the `replydesk`
command's module in each before its health-check thread runs, and that module imported the
guardrails (seconds); the supervisor kills a worker that has not answered within 5 s
("Child process [...] died"). See tests/service/test_cli_imports.py for the import budget.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import empty_postgres
from tests.factories import REPO, draft_request
from tests.fakes.openai_server import free_port
from tests.service.workers_support import LOST, STARTED, healthz_answered_by, listening_sockets
from tests.serving import served

pytestmark = [
    pytest.mark.e2e,
    # Which worker answered is read from Linux's socket tables (tests/service/workers_support.py).
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc"),
]

RUNS = 10
WORKERS = 4
START_TIMEOUT_S = 120  # a slow CI machine importing four workers at once
SETTLE_S = 1.5  # three of the supervisor's health checks (every 0.5 s) after the last answer


def _environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REPLYDESK_", "OPENAI_"))}
    return env | {"REPLYDESK_DATABASE_URL": database_url}


def _start_once(database_url: str, log_path: Path, *, migrate: bool) -> None:
    """One `serve --workers 4` (with `db upgrade` run beside it when `migrate`); returns when
    all four workers answered and stayed up, fails on a lost worker."""
    port = free_port()
    env = _environment(database_url)
    command = [sys.executable, "-m", "service.cli"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*command, "serve", "--port", str(port), "--workers", str(WORKERS)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers are in its process group, for the cleanup
        )
        try:
            if migrate:  # the CLI and the workers at once
                upgraded = subprocess.run(
                    [*command, "db", "upgrade"], cwd=REPO, env=env, capture_output=True
                )
                assert upgraded.returncode == 0, upgraded.stderr.decode()
            answered: set[int] = set()
            deadline = time.monotonic() + START_TIMEOUT_S
            while len(answered) < WORKERS:
                text = log_path.read_text(encoding="utf-8", errors="replace")
                assert not LOST.search(text), text
                assert server.poll() is None, text
                assert time.monotonic() < deadline, f"answered: {answered}\n{text}"
                started = {int(pid) for pid in STARTED.findall(text)}
                pid = healthz_answered_by(port, started - answered)
                if pid is None:
                    time.sleep(0.05)
                else:
                    answered.add(pid)
            time.sleep(SETTLE_S)
            text = log_path.read_text(encoding="utf-8", errors="replace")
            assert not LOST.search(text), text
            assert len(set(STARTED.findall(text))) == WORKERS, text
            # A socket of its own in each worker, so the kernel spreads connections evenly
            # (service/cli/listen.py).
            assert listening_sockets(port) == WORKERS
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)


@pytest.mark.postgres
@pytest.mark.timeout(RUNS * START_TIMEOUT_S)
def test_four_workers_start_ten_times_without_losing_one(tmp_path: Path) -> None:
    for run in range(RUNS):
        with empty_postgres("replydesk_workers") as url:
            # The workers migrate the empty database at start, in turn; in the first run
            # `replydesk db upgrade` joins them.
            _start_once(url, tmp_path / f"serve-{run}.log", migrate=run == 0)
            _assert_migrated_once(url)


@pytest.mark.timeout(START_TIMEOUT_S)
def test_four_workers_migrate_a_fresh_sqlite_file_in_turn(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'replydesk.db'}"
    _start_once(url, tmp_path / "serve.log", migrate=True)
    _assert_migrated_once(url)


def _assert_migrated_once(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.timeout(START_TIMEOUT_S)
def test_an_empty_postgresql_database_drafts_on_the_first_start(tmp_path: Path) -> None:
    """The operator's first run: `replydesk serve` on an empty database, nothing run before."""
    with (
        empty_postgres("replydesk_first") as url,
        served({"REPLYDESK_DATABASE_URL": url}, tmp_path / "serve.log") as served_url,
    ):
        request = urllib.request.Request(
            served_url + "/draft",
            data=json.dumps(draft_request()).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 201
            assert json.load(answer)["status"] in ("pending", "blocked")
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "database migrated: applied 0001 (drafts and draft events)" in log
