"""A database that could not be reached is not asked again at once.

Draft inserts run in a lane of a few threads (service/lanes.py). When the database hangs, each
insert waits out the connect timeout, and the drafts queued behind it would each wait it out in
turn (200 drafts, eight threads and a 5 s timeout: two minutes for the last). An insert that
waited SLOW_S seconds or more and still could not reach the database marks it down for DOWN_S
seconds: inserts that start meanwhile fail at once, with the same 503 ("nothing was stored,
retry shortly"), and the first one after that tries the database again. A refusal that comes
at once (a stopped server) marks nothing: trying again costs nothing.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

DOWN_S = 1.0
SLOW_S = 0.5
# What a database that is down, restarting or unreachable raises. Not the pool's TimeoutError:
# a full pool is a busy database, not a missing one.
UNREACHABLE = (sa_exc.OperationalError, sa_exc.InterfaceError)


class DatabaseDown(Exception):
    """An insert was not tried: one failed to reach the database moments ago."""


class Outage:
    def __init__(self, *, down_s: float = DOWN_S, clock: Callable[[], float] = time.monotonic):
        self._down_s = down_s
        self._clock = clock
        self._until = 0.0

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """Around one write: raises DatabaseDown while the database is marked down; marks it
        down when the write waited and could not reach it, and up when a write gets through."""
        started = self._clock()
        left = self._until - started
        if left > 0:
            raise DatabaseDown(f"the database could not be reached; trying again in {left:.1f} s")
        try:
            yield
        except UNREACHABLE:
            now = self._clock()
            if now - started >= SLOW_S:
                self._until = now + self._down_s
            raise
        self._until = 0.0


_OUTAGES: weakref.WeakKeyDictionary[sa.Engine, Outage] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def outage(engine: sa.Engine) -> Outage:
    """The engine's outage record, one per engine."""
    with _LOCK:
        found = _OUTAGES.get(engine)
        if found is None:
            found = _OUTAGES[engine] = Outage()
        return found
