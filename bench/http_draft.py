"""`/draft` over real HTTP: template latency, and many drafts waiting on a slow LLM."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.common import Result, fake_llm, percentile, serve, timed_posts
from tests.factories import draft_request

# Buyer messages in English: the fake model writes English drafts, which the guard keeps only
# for an English buyer (any other falls back to the template, and would not measure the model).
MESSAGES = [
    "Where is my package? It has not arrived yet.",
    "The blender arrived broken, the jar is cracked.",
    "I would like to return the item, it is too big.",
    "Can I still cancel my order?",
    "When will I get my refund?",
]


def bench_template_latency(requests: int = 400) -> list[Result]:
    messages = MESSAGES

    def check(response: httpx.Response) -> None:
        assert response.status_code == 201, response.text
        assert response.json()["generator"]["kind"] == "template"

    with serve() as url:
        timings = timed_posts(url, "/draft", messages, requests=requests, check=check)
    p50, p99 = statistics.median(timings), percentile(timings, 99)
    return [
        Result("/draft, template generator", "p50", p50, "ms", "<= 20 ms", p50 <= 20),
        Result("/draft, template generator", "p99", p99, "ms", "reported", True),
    ]


async def _post_raw(port: int, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """One HTTP/1.1 POST on its own connection, with nothing but asyncio streams: the load
    generator must cost less than the service it measures (an httpx client spends more CPU per
    request than replydesk does, on the same two cores)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    header, _, payload = raw.partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1])
    return status, json.loads(payload) if payload else {}


# One worker per CPU core, as docs/operations.md advises (the bench's client and the fake model
# share those cores with them).
WORKERS = os.cpu_count() or 1


def _distinct_bodies(count: int) -> list[bytes]:
    """``count`` draft requests, no two alike: the messages in turn, each for an order of its
    own (so no two drafts are the same text either). One body sent 200 times would let every
    cache kept per text answer 199 of them."""
    return [
        json.dumps(
            draft_request(
                MESSAGES[i % len(MESSAGES)],
                order_id=f"{111 + i % 800:03d}-{1000000 + i * 7919:07d}-{3000000 + i:07d}",
            )
        ).encode()
        for i in range(count)
    ]


BURSTS = 3  # the machine's speed changes from minute to minute: the median of three bursts


def bench_concurrent_llm(concurrency: int = 200, delay: float = 2.0) -> list[Result]:
    warm = 20 * WORKERS
    bodies = _distinct_bodies(warm + BURSTS * concurrency)
    with (
        fake_llm(delay) as llm_url,
        serve(workers=WORKERS, llm_base_url=llm_url, llm_model="good") as url,
    ):
        port = int(url.rsplit(":", 1)[1])

        async def burst(sent: list[bytes]) -> tuple[float, list[tuple[int, dict[str, Any]]]]:
            started = time.perf_counter()
            answers = await asyncio.gather(*(_post_raw(port, "/draft", body) for body in sent))
            return time.perf_counter() - started, list(answers)

        async def run() -> list[tuple[float, list[tuple[int, dict[str, Any]]]]]:
            # Warm the service (first-use caches, the LLM client's connections) as a running
            # service would be, every worker; then bursts of requests all at once, none of
            # them seen before.
            await asyncio.gather(*(_post_raw(port, "/draft", body) for body in bodies[:warm]))
            rest = bodies[warm:]
            return [
                await burst(rest[i * concurrency : (i + 1) * concurrency]) for i in range(BURSTS)
            ]

        bursts = asyncio.run(run())
    walls = [wall for wall, _ in bursts]
    kinds = [
        answer["generator"]["kind"]
        for _, answers in bursts
        for status, answer in answers
        if status == 201
    ]
    all_llm = len(kinds) == BURSTS * concurrency and set(kinds) == {"llm"}
    name = (
        f"{concurrency} concurrent /draft, LLM answering in {delay:g} s, "
        f"{WORKERS} worker{'s' if WORKERS > 1 else ''} (one per core)"
    )
    wall = statistics.median(walls)
    return [
        Result(
            name,
            f"wall time, median of {BURSTS} bursts",
            wall,
            "s",
            "<= 2.5 s, all 201 from the LLM",
            wall <= 2.5 and all_llm,
        ),
        Result(name, "wall time, slowest burst", max(walls), "s", "reported", True),
    ]


BENCHMARKS: dict[str, Callable[[], list[Result]]] = {
    "template_latency": bench_template_latency,
    "concurrent_llm": bench_concurrent_llm,
}
