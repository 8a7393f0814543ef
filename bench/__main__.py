"""`make bench`: the service's speed targets, measured over real HTTP on this machine.

Each benchmark starts `replydesk serve` in its own process (and, where needed, the fake
OpenAI-protocol server in another), drives it from this process, prints a table and saves
the figures under bench/results/.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.conftest import draft_request
from tests.fakes.openai_server import free_port

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"


@dataclass
class Result:
    name: str
    figure: str
    value: float
    unit: str
    target: str
    ok: bool


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def _wait_ready(url: str, process: subprocess.Popen[bytes], path: str = "/readyz") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(url + path, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


@contextmanager
def _process(args: list[str], env: dict[str, str], url: str, path: str) -> Iterator[str]:
    process = subprocess.Popen(
        args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_ready(url, process, path)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextmanager
def serve(**settings: str) -> Iterator[str]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REPLYDESK_", "OPENAI_"))}
        env["REPLYDESK_DATABASE_URL"] = f"sqlite:///{tmp}/data/replydesk.db"
        env |= {f"REPLYDESK_{k.upper()}": v for k, v in settings.items()}
        args = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
        with _process(args, env, f"http://127.0.0.1:{port}", "/readyz") as url:
            yield url


@contextmanager
def fake_llm(delay: float) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "tests.fakes.openai_server", "--port", str(port)]
    args += ["--delay", str(delay)]
    with _process(args, dict(os.environ), f"http://127.0.0.1:{port}", "/"):
        yield f"http://127.0.0.1:{port}/v1"


def bench_template_latency(requests: int = 400) -> list[Result]:
    messages = [
        "Where is my package? It has not arrived yet.",
        "The blender arrived broken, the jar is cracked.",
        "I would like to return the item, it is too big.",
        "Can I still cancel my order?",
        "When will I get my refund?",
    ]
    with serve() as url, httpx.Client(base_url=url, timeout=30) as client:
        for i in range(30):  # warm-up: connections, caches, SQLite pages
            client.post("/draft", json=draft_request(messages[i % len(messages)]))
        timings = []
        for i in range(requests):
            body = draft_request(messages[i % len(messages)])
            started = time.perf_counter()
            response = client.post("/draft", json=body)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.text
            assert response.json()["generator"]["kind"] == "template"
    p50, p99 = statistics.median(timings), _percentile(timings, 99)
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


def main() -> int:
    wanted = sys.argv[1:] or list(BENCHMARKS)
    results: list[Result] = []
    for name in wanted:
        print(f"running {name} …", flush=True)
        results.extend(BENCHMARKS[name]())
    lines = [
        "| benchmark | figure | value | target | ok |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {r.name} | {r.figure} | {r.value:.2f} {r.unit} | {r.target} | "
            f"{'yes' if r.ok else 'NO'} |"
            for r in results
        ),
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {
        "at": stamp,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": [asdict(r) for r in results],
    }
    (RESULTS / f"{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(f"# make bench, {stamp}\n\n{table}\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
