"""The database going away under the API (PostgreSQL behind a TCP proxy the test breaks):
every request meanwhile is a 503 problem with Retry-After and nothing half-written, /readyz
says so, the service recovers without a restart, and a database that never answers is given up
on within the configured timeouts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from service.lanes import WRITE_THREADS
from service.store.outage import DOWN_S
from tests.conftest import draft_request
from tests.fakes.tcp_proxy import TcpProxy, proxy
from tests.problems import problem


@pytest.fixture
def behind_proxy(postgres_url: str) -> Iterator[tuple[TcpProxy, str]]:
    url = sa.engine.make_url(postgres_url)
    with proxy((url.host or "127.0.0.1", url.port or 5432)) as running:
        yield (
            running,
            url.set(host="127.0.0.1", port=running.port).render_as_string(hide_password=False),
        )


@pytest.fixture
def client(
    behind_proxy: tuple[TcpProxy, str], make_client: Callable[..., TestClient]
) -> TestClient:
    _, url = behind_proxy
    return make_client(database_url=url, db_connect_timeout_s=2, db_statement_timeout_s=2)


def drafts_of(postgres_url: str, order_id: str) -> int:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.text("SELECT count(*) FROM drafts WHERE order_id = :o"), {"o": order_id}
                ).scalar_one()
            )
    finally:
        engine.dispose()


ORDER = "114-5550001-0000001"


def test_a_cut_database_is_503_everywhere_then_recovers_without_a_restart(
    client: TestClient, behind_proxy: tuple[TcpProxy, str], postgres_url: str
) -> None:
    running, _ = behind_proxy
    body = draft_request("Where is my package?", order_id=ORDER)
    assert client.post("/draft", json=body).status_code == 201
    running.cut()
    with ThreadPoolExecutor(8) as pool:  # under load: requests in flight at once
        answers = list(pool.map(lambda _: client.post("/draft", json=body), range(16)))
        reads = list(pool.map(lambda _: client.get("/drafts"), range(8)))
    for answer in [*answers, *reads]:
        found = problem(answer, 503)
        assert found["type"] == "urn:replydesk:problem:database-unavailable"
        assert answer.headers["retry-after"] == "5"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] != "ok"
    running.restore()
    assert client.post("/draft", json=body).status_code == 201
    assert client.get("/readyz").status_code == 200
    # Nothing of the refused requests was stored: the two drafts that were answered 201.
    assert drafts_of(postgres_url, ORDER) == 2


def test_a_database_that_never_answers_is_given_up_on(
    client: TestClient, behind_proxy: tuple[TcpProxy, str]
) -> None:
    running, _ = behind_proxy
    running.blackhole()  # pooled connections dropped; new ones accepted and never answered
    # The 2 s connect timeout ends the wait (pytest-timeout would fail a hang).
    problem(client.post("/draft", json=draft_request("Hello?", order_id=ORDER)), 503)
    running.restore()
    # Marked down for a second (service/store/outage.py): the next insert is not tried yet.
    problem(client.post("/draft", json=draft_request("Hello?", order_id=ORDER)), 503)
    time.sleep(DOWN_S)
    assert client.post("/draft", json=draft_request("Hello?", order_id=ORDER)).status_code == 201


def test_drafts_queued_behind_a_hanging_database_are_not_each_sent_to_it(
    client: TestClient, behind_proxy: tuple[TcpProxy, str]
) -> None:
    """More drafts than the write lane has threads: the first wave waits out the connect
    timeout; the rest, which would each wait it out again, are answered 503 without a try."""
    running, _ = behind_proxy
    body = draft_request("Hello?", order_id=ORDER)
    assert client.post("/draft", json=body).status_code == 201
    running.blackhole()
    before = running.accepted
    drafts = 3 * WRITE_THREADS
    with ThreadPoolExecutor(drafts) as pool:
        answers = list(pool.map(lambda _: client.post("/draft", json=body), range(drafts)))
    for answer in answers:
        assert problem(answer, 503)["type"] == "urn:replydesk:problem:database-unavailable"
    assert running.accepted - before <= WRITE_THREADS  # one wave reached the database
    running.restore()
