"""Blocking work off the event loop, in lanes of bounded width.

Analysis, retrieval and the guard are pure-Python CPU work. Off the loop they run in threads,
but the GIL lets one thread run at a time: more threads do not make more of that work, they only
queue for the GIL, and the event loop (which hands each request to the model and each answer
back) waits its turn behind all of them. In anyio's default pool of 40 threads, a burst of
drafts did just that. 200 concurrent drafts took 2.8-2.9 s against a model that answers in
2 s, on two workers and two CPUs; with these lanes they took 2.5-2.7 s.

- ``cpu``: at most CPU_THREADS calls at once (each in a worker thread) for analysis,
  retrieval, the guard and laying out a draft.
- ``idle``: the CPU lane's spare time, for work that may as well wait (see :func:`idle`).
- ``writes``: at most WRITE_THREADS calls at once for storing drafts. A write is mostly a
  wait on the database, which releases the GIL, with some CPU on either side of it. A lane of
  its own means a slow or cut database never holds up the CPU lane. Its width is a trade: a
  wider lane crowds the GIL again (16 measured as 40 did), and a narrower one keeps more drafts
  waiting when the database hangs (service/store/outage.py bounds that wait).

The CPU lane is the process's (an executor of CPU_THREADS threads, shared by its event loops:
a worker has one); the write lane is per event loop, made on first use, as anyio makes its
default pool. Reads (the web pages, the idempotency lookup, the proactive rules' check) and
the webhook dispatcher stay in anyio's pool: nothing that waits on the database may run in
the CPU lane.

``Batched`` writes go in together (group commit): while one write is in the write lane, the
ones that arrive wait, and the next write takes all of them, up to BATCH_LIMIT, in one
transaction. A burst of drafts then costs a few commits instead of one each, and the writers
of one process no longer queue for the database's lock one by one: on SQLite, with two
workers, a writer that finds the file locked sleeps (1, 2, 5 … 100 ms), and in a burst of 200
drafts single inserts waited 18-33 ms on average and up to 0.5 s. A write that fails is tried
again item by item, so one bad row fails its own request only.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import weakref
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar, TypeVarTuple

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Two, not one: while one thread hands its result back to the loop, the next one runs.
CPU_THREADS = 2
WRITE_THREADS = 8
BATCH_LIMIT = 64  # items in one batched write

_INSIDE = threading.local()  # set while a worker thread runs a call of the CPU lane
_WRITES: RunVar[CapacityLimiter] = RunVar("replydesk_write_lane")


def _lane(var: RunVar[CapacityLimiter], width: int) -> CapacityLimiter:
    try:
        return var.get()
    except LookupError:
        limiter = CapacityLimiter(width)
        var.set(limiter)
        return limiter


async def cpu(func: Callable[[*Ts], T], *args: *Ts) -> T:
    """``func(*args)`` in the CPU lane; the caller awaits it without blocking the loop."""

    def marked() -> T:
        _INSIDE.cpu = True
        try:
            return func(*args)
        finally:
            _INSIDE.cpu = False

    # asyncio's executor hop, not anyio's: a draft takes three, and anyio's bookkeeping (a
    # capacity limiter, worker threads of its own) cost 48-62 µs of CPU per hop against 19-25 µs
    # with 200 calls waiting. The request's context (its id in the logs) goes along, as anyio
    # would take it.
    loop = asyncio.get_running_loop()
    _busy(+1)
    try:
        return await loop.run_in_executor(_cpu_pool(), contextvars.copy_context().run, marked)
    finally:
        _busy(-1)
        _start_idle(loop)


@dataclass(eq=False)
class Deferred:
    """Work :func:`idle` queued: ``future`` holds its result once it has run."""

    run: Callable[[], object]
    future: asyncio.Future[object]
    started: bool = False


def idle(func: Callable[[*Ts], object], *args: *Ts) -> Deferred:
    """``func(*args)`` in the CPU lane once a thread of it is free and no ``cpu`` call is
    waiting: work that may as well wait (reading a draft's grounding while the model writes
    it) never delays a request's own. Call it from a running loop; hand the result to
    :func:`finish_or_drop`."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    deferred = Deferred(lambda: context.run(func, *args), loop.create_future())
    _IDLE.setdefault(loop, deque()).append(deferred)
    _start_idle(loop)
    return deferred


async def finish_or_drop(deferred: Deferred) -> None:
    """Wait for idle work that has started (the thread is on it: its result is on its way);
    drop work that has not (whoever needed it does it now, once). What it raised is dropped
    too: the work it stood in for does the same and says so."""
    if deferred.started:
        await asyncio.wait([deferred.future])
    else:
        deferred.future.cancel()


_IDLE: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, deque[Deferred]] = (
    weakref.WeakKeyDictionary()
)
_RUNNING = [0]  # calls of the CPU lane submitted and not yet back (every loop's)
_RUNNING_LOCK = threading.Lock()


def _busy(change: int) -> int:
    with _RUNNING_LOCK:
        _RUNNING[0] += change
        return _RUNNING[0]


def _start_idle(loop: asyncio.AbstractEventLoop) -> None:
    """Start queued idle work on ``loop`` while the CPU lane has a thread to spare."""
    queued = _IDLE.get(loop)
    while queued and _busy(0) < CPU_THREADS:
        deferred = queued.popleft()
        if deferred.future.done():  # dropped
            continue
        deferred.started = True
        _busy(+1)
        work = loop.run_in_executor(_cpu_pool(), deferred.run)
        work.add_done_callback(partial(_idle_done, loop, deferred))


def _idle_done(
    loop: asyncio.AbstractEventLoop, deferred: Deferred, work: asyncio.Future[object]
) -> None:
    _busy(-1)
    if not deferred.future.done():
        if work.cancelled():
            deferred.future.cancel()
        elif work.exception() is not None:
            deferred.future.set_exception(work.exception())  # type: ignore[arg-type]
        else:
            deferred.future.set_result(work.result())
    if deferred.future.done() and not deferred.future.cancelled():
        deferred.future.exception()  # read: nobody may ask for it
    _start_idle(loop)


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _cpu_pool() -> ThreadPoolExecutor:
    """The process's CPU lane: CPU_THREADS threads, shared by its event loops (a worker has
    one; tests make many, and a pool per loop would leave its threads behind)."""
    global _POOL
    if _POOL is None:
        with _POOL_LOCK:
            if _POOL is None:
                _POOL = ThreadPoolExecutor(CPU_THREADS, thread_name_prefix="replydesk-cpu")
    return _POOL


def in_cpu_lane() -> bool:
    """Is this thread running a call of the CPU lane (tests check that none waits on the
    database)?"""
    return bool(getattr(_INSIDE, "cpu", False))


async def writes(func: Callable[[*Ts], T], *args: *Ts) -> T:
    """``func(*args)``, a database write, in the write lane."""
    return await to_thread.run_sync(func, *args, limiter=_lane(_WRITES, WRITE_THREADS))


@dataclass
class _Pending(Generic[T]):
    """A loop's items waiting for a batched write, and the task that writes them."""

    items: list[tuple[T, asyncio.Future[None]]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


class Batched(Generic[T]):
    """``await batched(item)`` returns once ``write`` (blocking, given a list, all or nothing)
    has written ``item``, in the write lane, together with the items that arrived while the
    write before was running; it raises what writing ``item`` raised. Items of different
    ``key`` (say, databases) are never written together."""

    def __init__(
        self,
        write: Callable[[Sequence[T]], None],
        *,
        key: Callable[[T], Hashable] = lambda _: None,
        limit: int = BATCH_LIMIT,
    ):
        self._write = write
        self._key = key
        self._limit = limit
        self._pending: RunVar[dict[Hashable, _Pending[T]]] = RunVar(f"replydesk_batch_{id(self)}")

    async def __call__(self, item: T) -> None:
        try:
            queues = self._pending.get()
        except LookupError:
            queues = {}
            self._pending.set(queues)
        pending = queues.setdefault(self._key(item), _Pending())
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        pending.items.append((item, done))
        if pending.writer is None:
            pending.writer = loop.create_task(self._drain(pending))
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            # A caller that goes away leaves its item to be written, as a thread it started
            # would; what the write raises is read here, where nobody waits for it.
            done.add_done_callback(_read_out)
            raise

    async def _drain(self, pending: _Pending[T]) -> None:
        try:
            while pending.items:
                batch = pending.items[: self._limit]
                del pending.items[: self._limit]
                await self._run(batch)
        finally:
            pending.writer = None
            for _, done in pending.items:  # only when the loop itself is going away
                done.cancel()

    async def _run(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        try:
            try:
                await writes(self._write, [item for item, _ in batch])
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0][1], exc)
                    return
                for item, done in batch:  # one bad item fails only its own write
                    try:
                        await writes(self._write, [item])
                    except Exception as own:
                        _settle(done, own)
                    else:
                        _settle(done, None)
                return
        except BaseException:
            for _, done in batch:
                done.cancel()
            raise
        for _, done in batch:
            _settle(done, None)


def _read_out(done: asyncio.Future[None]) -> None:
    if not done.cancelled():
        done.exception()


def _settle(done: asyncio.Future[None], error: Exception | None) -> None:
    if done.done():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
