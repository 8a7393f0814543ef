"""Shared pieces of the benchmarks: the result row, percentiles, servers in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.factories import draft_request
from tests.fakes.openai_server import free_port

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
# A deployed replydesk runs from compiled bytecode (pip compiles it on install). A checkout run
# with PYTHONDONTWRITEBYTECODE (this sandbox sets it) would recompile the project's sources in
# every process the bench starts; one private cache per bench run, filled by the first.
BYTECODE_CACHE = tempfile.mkdtemp(prefix="replydesk-bench-pycache-")


def process_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a process the bench starts, as an installed service would run."""
    env = {k: v for k, v in (base or os.environ).items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": BYTECODE_CACHE}


@dataclass
class Result:
    name: str
    figure: str
    value: float
    unit: str
    target: str
    ok: bool


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def timed_posts(
    url: str,
    path: str,
    messages: list[str],
    *,
    requests: int,
    check: Callable[[httpx.Response], None],
    warmup: int = 30,
) -> list[float]:
    """Milliseconds per sequential `POST path` of a draft request, after a warm-up (connections,
    caches, SQLite pages); `check` judges every timed answer."""
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(warmup):
            client.post(path, json=draft_request(messages[i % len(messages)]))
        timings = []
        for i in range(requests):
            body = draft_request(messages[i % len(messages)])
            started = time.perf_counter()
            response = client.post(path, json=body)
            timings.append((time.perf_counter() - started) * 1000)
            check(response)
    return timings


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
def _process(
    args: list[str], env: dict[str, str], url: str, path: str
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_ready(url, process, path)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)


def server_env(database_dir: str, **settings: str) -> dict[str, str]:
    """The environment of a bench server: nothing from the shell's REPLYDESK_ or OPENAI_
    variables, a fresh SQLite database in `database_dir`, then `settings`."""
    env = process_env(
        {k: v for k, v in os.environ.items() if not k.startswith(("REPLYDESK_", "OPENAI_"))}
    )
    env["REPLYDESK_DATABASE_URL"] = f"sqlite:///{database_dir}/data/replydesk.db"
    return env | {f"REPLYDESK_{k.upper()}": v for k, v in settings.items()}


def serve_args(port: int, workers: int = 1) -> list[str]:
    args = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
    return args + (["--workers", str(workers)] if workers > 1 else [])


@contextmanager
def serve_process(
    database_dir: str | None = None, *, workers: int = 1, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`replydesk serve` once ready, its URL and its process: on the SQLite database in
    `database_dir`, or on a fresh one; `workers` as `--workers` says."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(database_dir or tmp, **settings)
        with _process(serve_args(port, workers), env, url, "/readyz") as process:
            yield url, process


@contextmanager
def serve(*, workers: int = 1, **settings: str) -> Iterator[str]:
    with serve_process(workers=workers, **settings) as (url, _):
        yield url


@contextmanager
def fake_llm(delay: float) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "tests.fakes.openai_server", "--port", str(port)]
    args += ["--delay", str(delay)]
    with _process(args, process_env(), f"http://127.0.0.1:{port}", "/"):
        yield f"http://127.0.0.1:{port}/v1"


def vm(pid: int, field: str) -> float:
    """A /proc/PID/status figure (VmRSS, VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")
