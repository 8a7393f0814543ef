"""`/draft` over real HTTP: template latency, and many drafts waiting on a slow LLM."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import httpx

from bench.common import Result, fake_llm, percentile, serve, timed_posts
from tests.factories import draft_request


def bench_template_latency(requests: int = 400) -> list[Result]:
    messages = [
        "Where is my package? It has not arrived yet.",
        "The blender arrived broken, the jar is cracked.",
        "I would like to return the item, it is too big.",
        "Can I still cancel my order?",
        "When will I get my refund?",
    ]

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


def bench_concurrent_llm(concurrency: int = 200, delay: float = 2.0) -> list[Result]:
    with fake_llm(delay) as llm_url, serve(llm_base_url=llm_url, llm_model="good") as url:

        async def run() -> tuple[float, list[httpx.Response]]:
            limits = httpx.Limits(max_connections=concurrency + 10)
            async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
                started = time.perf_counter()
                responses = await asyncio.gather(
                    *(client.post("/draft", json=draft_request()) for _ in range(concurrency))
                )
                return time.perf_counter() - started, list(responses)

        wall, responses = asyncio.run(run())
    kinds = [r.json()["generator"]["kind"] for r in responses if r.status_code == 201]
    all_llm = len(kinds) == concurrency and set(kinds) == {"llm"}
    return [
        Result(
            f"{concurrency} concurrent /draft, LLM answering in {delay:g} s",
            "wall time",
            wall,
            "s",
            "<= 6 s, all 201 from the LLM",
            wall <= 6 and all_llm,
        )
    ]


BENCHMARKS: dict[str, Callable[[], list[Result]]] = {
    "template_latency": bench_template_latency,
    "concurrent_llm": bench_concurrent_llm,
}
