"""Blocking work off the event loop, in lanes of bounded width.

Analysis, retrieval and the guard are pure-Python CPU work. Off the loop they run in threads,
but the GIL lets one thread run at a time: more threads do not make more of that work, they only
queue for the GIL, and the event loop (which hands each request to the model and each answer
back) waits its turn behind all of them. In anyio's default pool of 40 threads, a burst of
drafts did just that. 200 concurrent drafts took 2.8-2.9 s against a model that answers in
2 s, on two workers and two CPUs; with these lanes they took 2.5-2.7 s.

- ``cpu``: at most CPU_THREADS calls at once (each in a worker thread) for analysis,
  retrieval, the guard and laying out a draft.
- ``writes``: at most WRITE_THREADS calls at once for storing drafts. A write is mostly a
  wait on the database, which releases the GIL, with some CPU on either side of it. A lane of
  its own means a slow or cut database never holds up the CPU lane. Its width is a trade: a
  wider lane crowds the GIL again (16 measured as 40 did), and a narrower one keeps more drafts
  waiting when the database hangs (service/store/outage.py bounds that wait).

Each lane is per event loop, made on first use, as anyio makes its default pool. Reads (the
web pages, the idempotency lookup, the proactive rules' check) and the webhook dispatcher stay
in anyio's pool: nothing that waits on the database may run in the CPU lane.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Two, not one: while one thread hands its result back to the loop, the next one runs.
CPU_THREADS = 2
WRITE_THREADS = 8

_CPU: RunVar[CapacityLimiter] = RunVar("replydesk_cpu_lane")
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

    return await to_thread.run_sync(marked, limiter=_lane(_CPU, CPU_THREADS))


def in_cpu_lane() -> bool:
    """Is this thread running a call of the CPU lane (tests check that none waits on the
    database)?"""
    return bool(getattr(_INSIDE, "cpu", False))


async def writes(func: Callable[[*Ts], T], *args: *Ts) -> T:
    """``func(*args)``, a database write, in the write lane."""
    return await to_thread.run_sync(func, *args, limiter=_lane(_WRITES, WRITE_THREADS))
