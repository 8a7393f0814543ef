"""The lanes: work runs off the loop, no more of it at once than a lane is wide, and a full
write lane (a hanging database) never holds up CPU work."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable

import anyio

from service import lanes


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


def test_each_event_loop_has_lanes_of_its_own() -> None:
    async def main() -> object:
        await lanes.cpu(int, "1")
        return lanes._lane(lanes._CPU, lanes.CPU_THREADS)

    first, second = anyio.run(main), anyio.run(main)
    assert first is not second
