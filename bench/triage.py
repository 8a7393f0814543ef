"""Triage speed: the analysis in-process, and `POST /triage` over real HTTP."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import httpx

from bench.common import Result, percentile, serve, timed_posts
from service.understand.analysis import analyse, warm_up

# The routing issue asks for 1 ms (the HTTP figure adds the web layer to it).
TRIAGE_TARGET_MS = 1.0

MESSAGES = [
    "Where is my package? It has not arrived yet.",
    "Das Paket kam beschädigt an, der Deckel ist gesprungen.",
    "Je voudrais annuler ma commande, je me suis trompé de taille.",
    "¿Cuándo me devuelven el dinero? Ya devolví el artículo hace dos semanas.",
    "Il prodotto non si accende più dopo due giorni.",
    "配達済みになっていますが受け取っていません。",
    "Thanks, got it!",
    # Product questions and questions about anything else go through the product-or-other stage.
    "Does this kettle switch itself off when the water boils?",
    "what is the best way to learn spanish quickly",
]


def bench_in_process(rounds: int = 300) -> list[Result]:
    warm_up()
    timings = []
    for i in range(rounds * len(MESSAGES)):
        started = time.perf_counter()
        analyse(text=MESSAGES[i % len(MESSAGES)], locale=None, marketplace="amazon.com")
        timings.append((time.perf_counter() - started) * 1000)
    p50 = statistics.median(timings)
    return [
        Result(
            "triage analysis, in-process",
            "p50",
            p50,
            "ms",
            f"<= {TRIAGE_TARGET_MS:g} ms",
            p50 <= TRIAGE_TARGET_MS,
        ),
        Result(
            "triage analysis, in-process", "p99", percentile(timings, 99), "ms", "reported", True
        ),
    ]


def bench_http(requests: int = 400) -> list[Result]:
    def check(response: httpx.Response) -> None:
        assert response.status_code == 200, response.text

    with serve() as url:
        timings = timed_posts(url, "/triage", MESSAGES, requests=requests, check=check)
    p50 = statistics.median(timings)
    return [
        Result("/triage over HTTP", "p50", p50, "ms", "<= 5 ms", p50 <= 5),
        Result("/triage over HTTP", "p99", percentile(timings, 99), "ms", "reported", True),
    ]


BENCHMARKS: dict[str, Callable[[], list[Result]]] = {
    "triage": bench_in_process,
    "triage_http": bench_http,
}
