"""Webhooks (service/ops/webhooks.py): a receiver killed mid-delivery gets every event once it
is back, each acknowledged exactly once by event id, in order, signed; one deliverer of many;
signatures a receiver can check."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from service.ops import webhooks
from service.store.db import create_db_engine, upgrade
from service.store.models import utcnow
from tests.conftest import draft_request
from tests.factories import REPO
from tests.fakes.openai_server import free_port

SECRET = "whsec-0123456789abcdef"
ESCALATING = "I will file an A-to-z claim if my refund does not come today!"


@contextmanager
def receiver(port: int, log: Path, *, die_on: int = 0) -> Iterator[subprocess.Popen[bytes]]:
    args = [sys.executable, "-m", "tests.fakes.webhook_receiver", "--port", str(port)]
    args += ["--secret", SECRET, "--log", str(log), "--die-on", str(die_on)]
    process = subprocess.Popen(args, cwd=REPO)
    deadline = time.monotonic() + 10
    while True:  # up once it answers (a GET is a 501 from http.server: it answers)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except urllib.error.HTTPError:
            break
        except OSError:
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.05)
    try:
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def lines(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def event_ids(client: TestClient) -> list[int]:
    engine = client.app.state.resources.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return list(connection.execute(sa.text("SELECT id FROM events ORDER BY id")).scalars())


def wait_for(condition: Callable[[], bool], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.timeout(120)
def test_a_receiver_killed_mid_delivery_gets_every_event_once_back(
    db_url: str, make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    port, log = free_port(), tmp_path / "received.jsonl"
    client = make_client(
        database_url=db_url,
        webhook_url=f"http://127.0.0.1:{port}/hooks/replydesk",
        webhook_secret=SECRET,
        webhook_retry_max_s=0.2,
    )
    with receiver(port, log, die_on=3) as first:
        for text in ("Where is my parcel?", ESCALATING):  # three events: created, created+esc.
            assert client.post("/draft", json=draft_request(text)).status_code == 201
        first.wait(timeout=30)  # it died on the third delivery, before answering
    assert [line["acked"] for line in lines(log)] == [True, True, False]
    # While it is down: more changes, deliveries failing and retried.
    made = client.post("/draft", json=draft_request("Can I still cancel?")).json()["draft_id"]
    client.post(f"/drafts/{made}/reject", json={"agent_id": "ben", "reason": "duplicate"})
    time.sleep(1)
    with receiver(port, log):
        wait_for(lambda: sum(line["acked"] for line in lines(log)) == len(event_ids(client)))
    received = lines(log)
    acked = [line["id"] for line in received if line["acked"]]
    assert acked == event_ids(client)  # every event, in order, each acknowledged once
    assert received[2]["id"] == received[3]["id"]  # the one it died on came again
    assert all(line["signed"] and line["header_id"] == line["id"] for line in received)
    assert [line["type"] for line in received if line["acked"]][-2:] == [
        "draft.created",
        "draft.rejected",
    ]


def test_one_deliverer_holds_the_lease(db_url: str) -> None:
    engine = create_db_engine(db_url)
    upgrade(engine)
    try:
        target = webhooks.Target(url="http://127.0.0.1:9/", secret=SECRET)
        one, two = webhooks.Deliverer(engine, target), webhooks.Deliverer(engine, target)
        assert one._lease() == 0
        assert two._lease() is None  # held
        assert one._advance(5) and one._lease() == 5
        assert not two._advance(9)  # only the holder moves it
        with engine.begin() as connection:  # the holder died: its lease lapses
            connection.execute(
                sa.update(webhooks.STATE).values(lease_until=utcnow() - webhooks.LEASE)
            )
        assert two._lease() == 5
        assert one._lease() is None
    finally:
        engine.dispose()


def test_signatures_hold_only_for_the_secret_the_body_and_a_recent_time() -> None:
    body = b'{"id": 1}'
    header = webhooks.sign(SECRET, body)
    assert webhooks.verify(SECRET, body, header)
    assert not webhooks.verify("another-secret-0000", body, header)
    assert not webhooks.verify(SECRET, b'{"id": 2}', header)
    assert not webhooks.verify(SECRET, body, webhooks.sign(SECRET, body, at=int(time.time()) - 900))
    assert not webhooks.verify(SECRET, body, "v1=abc")


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"webhook_url": "http://hooks.example/x"}, "REPLYDESK_WEBHOOK_SECRET"),
        ({"webhook_url": "ftp://x", "webhook_secret": SECRET}, "http:// or https://"),
    ],
)
def test_bad_webhook_settings_fail_at_start(settings: dict[str, str], says: str) -> None:
    from pydantic import ValidationError

    from service.config import Settings

    with pytest.raises(ValidationError, match=says):
        Settings(_env_file=None, **settings)  # type: ignore[arg-type]


def test_an_unexpected_error_pauses_delivery_instead_of_ending_it(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    engine = create_db_engine(db_url)
    upgrade(engine)
    deliverer = webhooks.Deliverer(
        engine, webhooks.Target(url="http://127.0.0.1:9/", secret=SECRET)
    )
    monkeypatch.setattr(webhooks, "IDLE_S", 0.01)

    async def scenario() -> None:
        rounds: list[int] = []
        third = asyncio.Event()

        async def broken(_client: Any) -> bool:
            rounds.append(1)
            if len(rounds) >= 3:
                third.set()
            raise RuntimeError("a bug")

        monkeypatch.setattr(deliverer, "_round", broken)
        task = asyncio.create_task(deliverer.run())
        await asyncio.wait_for(third.wait(), 20)  # three rounds: the errors did not end it
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
