"""Load: 50 clients for 60 s on a mix of routes, and the same for 10 minutes as a soak.

Each client sends one request after another on its own connection (HTTP/1.1 keep-alive, plain
asyncio streams: a client must cost less than the service it measures) from a fixed mix: the
plugin's routes (/draft from templates, /triage, /check), the agent's (/drafts, one draft),
the knowledge-base search and /healthz. Reported: requests per second, p50 and p99 latency,
errors (any status the mix does not expect, a dropped connection) and the server's resident
memory at the start and the end (the growth must stay within 10 % over the soak).

`python -m bench load` runs 60 s; `python -m bench.load --seconds 600` is the soak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.common import Result, percentile, serve_process, vm
from tests.factories import draft_request

CLIENTS = 50
SECONDS = 60.0
RSS_GROWTH = 0.10
MESSAGES = (
    "Where is my package? It has not arrived yet.",
    "The blender arrived broken, the jar is cracked.",
    "I would like to return the item, it is too big.",
    "Wo bleibt meine Bestellung? Ich warte seit zwei Wochen.",
    "¿Puedo cancelar mi pedido todavía?",
    "When will I get my refund?",
)
CHECKED = (
    "Hello Jane,\n\nYour order shipped today with UPS and should arrive on Friday.\n\n"
    "Kind regards,\nAnna"
)


def mix(rng: random.Random, draft_ids: list[str]) -> tuple[str, str, dict[str, Any] | None, int]:
    """(method, path, body, expected status) of one request of the mix."""
    roll = rng.random()
    message = rng.choice(MESSAGES)
    order = draft_request(message)["order"]
    if roll < 0.25:
        return "POST", "/draft", draft_request(message), 201
    if roll < 0.45:
        return "POST", "/triage", {"message": {"text": message}, "order": order}, 200
    if roll < 0.60:
        body = {"text": CHECKED, "order_id": order["order_id"], "marketplace": "amazon.com"}
        return "POST", "/check", body, 200
    if roll < 0.72:
        return "GET", "/drafts?limit=20", None, 200
    if roll < 0.82 and draft_ids:
        return "GET", f"/drafts/{rng.choice(draft_ids)}", None, 200
    if roll < 0.92:
        return "GET", "/kb/search?q=return+policy&k=3", None, 200
    return "GET", "/healthz", None, 200


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: dict[str, Any] | None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(payload)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:  # the server closed the connection
            raise ConnectionResetError("connection closed before an answer")
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        data = await self.reader.readexactly(length)
        return int(status_line.split(b" ", 2)[1]), data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def _client(
    port: int, seed: int, until: float, draft_ids: list[str], out: list[tuple[float, bool]]
) -> None:
    rng = random.Random(seed)
    connection = Connection(port)
    while time.perf_counter() < until:
        method, path, body, expected = mix(rng, draft_ids)
        started = time.perf_counter()
        try:
            status, data = await connection.request(method, path, body)
            ok = status == expected
            if ok and path == "/draft" and len(draft_ids) < 500:
                draft_ids.append(json.loads(data)["draft_id"])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            ok = False
            connection.close()
        out.append(((time.perf_counter() - started) * 1000, ok))
    connection.close()


def run(seconds: float = SECONDS, clients: int = CLIENTS) -> list[Result]:
    with serve_process() as (url, process):
        port = int(url.rsplit(":", 1)[1])
        draft_ids: list[str] = []

        async def load(duration: float) -> list[tuple[float, bool]]:
            out: list[tuple[float, bool]] = []
            until = time.perf_counter() + duration
            await asyncio.gather(
                *(_client(port, seed, until, draft_ids, out) for seed in range(clients))
            )
            return out

        asyncio.run(load(10.0))  # warm: first-use caches, SQLite pages, a pool of drafts
        rss_start = vm(process.pid, "VmRSS")
        started = time.perf_counter()
        samples = asyncio.run(load(seconds))
        wall = time.perf_counter() - started
        rss_end = vm(process.pid, "VmRSS")
    timings = [ms for ms, _ in samples]
    errors = Counter(ok for _, ok in samples)[False]
    growth = (rss_end - rss_start) / rss_start
    name = f"load, {clients} clients, {seconds:g} s, mixed routes"
    return [
        Result(name, "requests/s", len(samples) / wall, "req/s", "reported", True),
        Result(name, "p50", statistics.median(timings), "ms", "reported", True),
        Result(name, "p99", percentile(timings, 99), "ms", "reported", True),
        Result(name, "errors", errors, "requests", "0", errors == 0),
        Result(name, "RSS at start", rss_start, "MB", "reported", True),
        Result(
            name,
            "RSS growth",
            growth * 100,
            "%",
            f"<= {RSS_GROWTH:.0%}",
            growth <= RSS_GROWTH,
        ),
    ]


BENCHMARKS: dict[str, Callable[[], list[Result]]] = {"load": run}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="load or soak the service")
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    options = parser.parse_args()
    for result in run(options.seconds, options.clients):
        print(f"{result.name} | {result.figure} | {result.value:.2f} {result.unit} | "
              f"{result.target} | {'yes' if result.ok else 'NO'}")  # fmt: skip
