"""The lanes: work runs off the loop, no more of it at once than a lane is wide, and a full
write lane (a hanging database) never holds up CPU work."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.pool import Pool

from service import lanes
from tests.conftest import ORDER_ID, draft_request
from tests.fakes import openai_server


def test_cpu_runs_the_call_in_a_worker_thread_with_its_arguments() -> None:
    async def main() -> tuple[int, int]:
        return await lanes.cpu(lambda a, b: (a + b, threading.get_ident()), 2, 3)

    loop_thread = threading.get_ident()
    total, ident = anyio.run(main)
    assert total == 5 and ident != loop_thread


def _widest(run: Callable[[Callable[[], None]], Awaitable[None]], calls: int) -> int:
    """How many of ``calls`` blocking calls, started at once through ``run``, ran together."""
    lock = threading.Lock()
    running = [0]
    widest = [0]

    def work() -> None:
        with lock:
            running[0] += 1
            widest[0] = max(widest[0], running[0])
        threading.Event().wait(0.05)  # blocks its thread, as CPU work or a database wait does
        with lock:
            running[0] -= 1

    async def one() -> None:
        await run(work)

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            for _ in range(calls):
                tasks.start_soon(one)

    anyio.run(main)
    return widest[0]


def test_no_more_calls_run_at_once_than_each_lane_is_wide() -> None:
    assert _widest(lanes.cpu, 3 * lanes.CPU_THREADS) == lanes.CPU_THREADS
    assert _widest(lanes.writes, 2 * lanes.WRITE_THREADS) == lanes.WRITE_THREADS


def test_a_full_write_lane_does_not_hold_up_the_cpu_lane() -> None:
    release = threading.Event()

    async def hang() -> None:
        await lanes.writes(release.wait)

    async def main() -> str:
        async with anyio.create_task_group() as tasks:
            for _ in range(lanes.WRITE_THREADS + 2):  # every write thread waits, two queue
                tasks.start_soon(hang)
            await anyio.sleep(0.05)
            with anyio.fail_after(5):
                answer = await lanes.cpu(str.upper, "analysed")
            release.set()
        return answer

    assert anyio.run(main) == "ANALYSED"


def test_each_event_loop_has_a_write_lane_of_its_own() -> None:
    async def main() -> object:
        await lanes.writes(int, "1")
        return lanes._lane(lanes._WRITES, lanes.WRITE_THREADS)

    first, second = anyio.run(main), anyio.run(main)
    assert first is not second


def test_the_cpu_lane_runs_the_call_in_the_callers_context() -> None:
    """The request's id reaches the logs of what runs in the lane."""
    seen: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="none")

    async def main() -> str:
        seen.set("req-1")
        return await lanes.cpu(seen.get)

    assert anyio.run(main) == "req-1"


def _batches(
    later: int, *, limit: int = lanes.BATCH_LIMIT, failing: int | None = None
) -> tuple[list[list[int]], dict[int, str]]:
    """Item 0 is written alone and holds the write lane while items 1 to ``later`` arrive; the
    batches ``write`` was given, in order, and what each caller got back (``failing`` is an
    item that makes any batch holding it fail)."""
    release = threading.Event()
    calls: list[list[int]] = []

    def write(items: Sequence[int]) -> None:
        calls.append(list(items))
        if len(calls) == 1:
            release.wait(5)
        if failing in items:
            raise ValueError(f"item {failing} breaks a constraint")

    batched = lanes.Batched(write, limit=limit)
    answers: dict[int, str] = {}

    async def one(item: int) -> None:
        try:
            await batched(item)
        except ValueError as exc:
            answers[item] = str(exc)
        else:
            answers[item] = "stored"

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(one, 0)
            await anyio.sleep(0.05)
            for item in range(1, later + 1):
                tasks.start_soon(one, item)
            await anyio.sleep(0.05)
            release.set()

    anyio.run(main)
    return calls, answers


def test_writes_that_arrive_during_a_write_go_in_together_in_order() -> None:
    calls, answers = _batches(5)
    assert calls == [[0], [1, 2, 3, 4, 5]]
    assert set(answers.values()) == {"stored"} and len(answers) == 6


def test_a_batch_that_fails_is_written_item_by_item_and_each_caller_gets_its_own_answer() -> None:
    calls, answers = _batches(4, failing=3)
    assert calls == [[0], [1, 2, 3, 4], [1], [2], [3], [4]]
    assert answers == {
        0: "stored",
        1: "stored",
        2: "stored",
        3: "item 3 breaks a constraint",
        4: "stored",
    }


def test_a_batch_holds_at_most_its_limit() -> None:
    calls, _ = _batches(7, limit=3)
    assert [len(batch) for batch in calls] == [1, 3, 3, 1]


def test_items_of_different_keys_are_never_written_together() -> None:
    """Drafts for two databases (two apps on one loop) go in transactions of their own."""
    calls: list[list[str]] = []
    release = threading.Event()

    def write(items: Sequence[str]) -> None:
        calls.append(list(items))
        if len(calls) == 1:
            release.wait(5)

    batched = lanes.Batched(write, key=lambda item: item[0])

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(batched, "a0")
            await anyio.sleep(0.05)
            for item in ("a1", "b1", "a2", "b2"):
                tasks.start_soon(batched, item)
            await anyio.sleep(0.05)
            release.set()

    anyio.run(main)
    assert all(len({item[0] for item in batch}) == 1 for batch in calls)
    assert sorted(item for batch in calls for item in batch) == ["a0", "a1", "a2", "b1", "b2"]
    assert ["a1", "a2"] in calls


@pytest.fixture
def misplaced_checkouts() -> Iterator[list[str]]:
    """Where a database connection was taken inside the CPU lane or on the event loop, as
    stacks: a hanging database would hold the lane, or the whole worker."""
    found: list[str] = []

    def checkout(*_: Any) -> None:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        if on_loop or lanes.in_cpu_lane():
            where = "the event loop" if on_loop else "the CPU lane"
            found.append(where + "\n" + "".join(traceback.format_stack(limit=14)))

    event.listen(Pool, "checkout", checkout)
    yield found
    event.remove(Pool, "checkout", checkout)


def test_no_draft_route_waits_on_the_database_in_the_cpu_lane_or_on_the_loop(
    make_client: Callable[..., TestClient],
    fake_llm: tuple[str, openai_server.FakeState],
    misplaced_checkouts: list[str],
) -> None:
    """Every route whose work runs in the CPU lane, and the review calls that use the model,
    once: the database is only ever waited on in anyio's pool or the write lane."""
    client = make_client(llm_base_url=fake_llm[0], llm_model="violations")
    drafted = client.post("/draft", json=draft_request())  # guard, repair, layout
    assert drafted.status_code == 201, drafted.text
    draft_id = drafted.json()["draft_id"]
    order = draft_request()["order"] | {"delivered_at": "2026-11-18T10:00:00Z"}
    answers = [
        client.post("/triage", json=draft_request()),
        client.post(
            "/check", json={"text": "Hello", "order_id": ORDER_ID, "marketplace": "amazon.com"}
        ),
        client.post("/acknowledge", json=draft_request()),
        client.post("/proactive", json={"order": order, "kind": "usage_guide"}),
        client.post(
            f"/drafts/{draft_id}/regenerate",
            json={"agent_id": "anna", "instructions": "Keep it short"},
        ),
        client.get(f"/drafts/{draft_id}/gloss", params={"lang": "de"}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 201, 201, 200, 200], [
        a.text[:200] for a in answers
    ]
    assert misplaced_checkouts == []


def test_idle_work_waits_while_cpu_calls_are_queued_and_a_dropped_one_never_runs() -> None:
    """Idle work starts only once no call of the CPU lane is waiting; work dropped before it
    starts never runs, and work that started is waited for."""
    order: list[str] = []
    gate = threading.Event()

    def busy(name: str) -> None:
        gate.wait(5)
        order.append(name)

    async def main() -> None:
        calls = [asyncio.ensure_future(lanes.cpu(busy, f"cpu{i}")) for i in range(4)]
        await asyncio.sleep(0)  # the calls are in the lane
        first = lanes.idle(order.append, "idle1")
        dropped = lanes.idle(order.append, "dropped")
        assert not first.started  # both threads are busy and two calls wait
        await lanes.finish_or_drop(dropped)
        gate.set()
        await asyncio.gather(*calls)
        await lanes.finish_or_drop(first)
        assert first.started and first.future.done()

    anyio.run(main)
    assert sorted(name for name in order if name.startswith("cpu")) == [
        "cpu0", "cpu1", "cpu2", "cpu3",
    ]  # fmt: skip
    # Not before the queue had emptied: three calls were back (the fourth may still be
    # running in the other thread). The dropped work never ran.
    assert order.index("idle1") >= 3 and "dropped" not in order and len(order) == 5


def test_idle_work_runs_at_once_in_a_free_lane_in_the_callers_context() -> None:
    seen: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="none")

    async def main() -> object:
        seen.set("request-7")
        deferred = lanes.idle(seen.get)
        assert deferred.started
        await lanes.finish_or_drop(deferred)
        return deferred.future.result()

    assert anyio.run(main) == "request-7"
