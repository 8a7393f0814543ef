"""The database cut under load, and a database that never answers (PostgreSQL only).

`replydesk serve` reaches PostgreSQL through a TCP proxy this bench breaks
(tests/fakes/tcp_proxy.py) while 20 clients send the load mix (bench/load.py): 5 s as usual,
10 s cut (every connection dropped, new ones refused), 10 s restored. Every answer during the
cut must be a 2xx (the routes that need no database) or a 503 problem, never a 500; after the
restore the service must answer 2xx again without a restart (the time to the first /draft 201
is reported). Then the proxy swallows everything: a /draft must answer 503 within the
configured connect timeout (2 s here) plus a second.

Needs TEST_DATABASE_URL (as the tests do); without it the bench is skipped, and says so.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Callable

import sqlalchemy as sa

from bench.common import Result, serve_process
from bench.load import Connection, mix
from service.store.db import create_db_engine, upgrade
from tests.databases import scratch_database
from tests.factories import draft_request
from tests.fakes.tcp_proxy import TcpProxy, proxy

CLIENTS = 20
PHASES = (("before", 5.0), ("cut", 10.0), ("after", 10.0))
CONNECT_TIMEOUT_S = 2


def run() -> list[Result]:
    base = os.environ.get("TEST_DATABASE_URL")
    name = "PostgreSQL cut for 10 s under load (20 clients)"
    if not base:
        return [Result(name, "skipped: TEST_DATABASE_URL is not set", 0, "", "reported", True)]
    with scratch_database(base, "replydesk_bench") as scratch:
        engine = create_db_engine(scratch)
        upgrade(engine)
        engine.dispose()
        url = sa.engine.make_url(scratch)
        with proxy((url.host or "127.0.0.1", url.port or 5432)) as broken:
            behind = url.set(host="127.0.0.1", port=broken.port)
            with serve_process(
                database_url=behind.render_as_string(hide_password=False),
                db_connect_timeout_s=str(CONNECT_TIMEOUT_S),
                db_statement_timeout_s="2",
            ) as (server_url, _):
                return _measure(int(server_url.rsplit(":", 1)[1]), broken, name)


def _measure(port: int, broken: TcpProxy, name: str) -> list[Result]:
    statuses: dict[str, Counter[int]] = {phase: Counter() for phase, _ in PHASES}
    phase = ["before"]
    recovered: list[float] = []
    restored_at = [0.0]
    ids: list[str] = []

    async def client(seed: int, until: float) -> None:
        rng = random.Random(seed)
        connection = Connection(port)
        while time.perf_counter() < until:
            method, path, body, _ = mix(rng, ids)
            try:
                status, _data = await connection.request(method, path, body)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = 0  # a dropped connection: counted as an error
                connection.close()
            statuses[phase[0]][status] += 1
            if phase[0] == "after" and path == "/draft" and status == 201 and not recovered:
                recovered.append(time.perf_counter() - restored_at[0])
        connection.close()

    async def drive() -> None:
        total = sum(seconds for _, seconds in PHASES)
        until = time.perf_counter() + total
        tasks = [asyncio.create_task(client(seed, until)) for seed in range(CLIENTS)]
        for name_, seconds in PHASES:
            phase[0] = name_
            if name_ == "cut":
                broken.cut()
            elif name_ == "after":
                broken.restore()
                restored_at[0] = time.perf_counter()
            await asyncio.sleep(seconds)
        await asyncio.gather(*tasks)

    asyncio.run(drive())
    broken.blackhole()
    started = time.perf_counter()
    status = asyncio.run(Connection(port).request("POST", "/draft", draft_request()))[0]
    blackholed = time.perf_counter() - started
    broken.restore()
    during = statuses["cut"]
    for phase_name, counted in statuses.items():  # 0: a connection the server dropped
        print(f"  {phase_name}: " + ", ".join(f"{s} × {n}" for s, n in sorted(counted.items())))
    bad = sum(n for s, n in during.items() if not (200 <= s < 300 or s == 503))
    return [
        Result(name, "500s in all phases", sum(c[500] for c in statuses.values()), "", "0",
               all(c[500] == 0 for c in statuses.values())),
        Result(name, "answers during the cut neither 2xx nor 503", bad, "", "0", bad == 0),
        Result(name, "503 during the cut", during[503], "answers", "reported", True),
        Result(name, "first /draft 201 after the restore", recovered[0] if recovered else -1,
               "s", "recovers without restart", bool(recovered)),
        Result(name, "blackholed database: /draft answered", blackholed, "s",
               f"503 within {CONNECT_TIMEOUT_S + 1} s",
               status == 503 and blackholed <= CONNECT_TIMEOUT_S + 1),
    ]  # fmt: skip


BENCHMARKS: dict[str, Callable[[], list[Result]]] = {"db_cut": run}
