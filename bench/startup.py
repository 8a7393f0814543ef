"""Start-up and footprint: `replydesk serve` until it answers, its RSS after 1,000 drafts, and
`replydesk check` on a one-line file.

All three include `import guardrails`; its own import time is measured alone and reported
beside them, so its share can be told from the service's.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.common import REPO, Result, process_env, serve_args, serve_process, server_env, vm
from tests.factories import ORDER_ID, SAMPLE_MESSAGES, draft_request
from tests.fakes.openai_server import free_port

MESSAGES = SAMPLE_MESSAGES


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a running process has used: unlike wall time, hardly moved by
    whatever else the machine runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _healthz_after_launch(database_dir: str, timeout: float = 120) -> tuple[float, float, float]:
    """Seconds from launching `replydesk serve` to its first 200 on /healthz (the port is
    open and the process answers), the CPU seconds it used to get there, and the seconds to its
    first 200 on /readyz (resources built: it drafts)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(
        serve_args(port),
        cwd=REPO,
        env=server_env(database_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        live = cpu = None
        while time.perf_counter() - started < timeout:
            path = "/healthz" if live is None else "/readyz"
            try:
                if httpx.get(base + path, timeout=2).status_code == 200:
                    if live is None:
                        live, cpu = time.perf_counter() - started, _cpu_seconds(process.pid)
                        continue
                    assert cpu is not None
                    return live, cpu, time.perf_counter() - started
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"replydesk serve exited with {process.returncode}")
            time.sleep(0.01)
        raise RuntimeError("replydesk serve did not become ready")
    finally:
        process.terminate()
        process.wait(timeout=15)


def _run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of a command run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, cwd=REPO, env=process_env(), capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _guardrails_import(runs: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds of `import guardrails` in a fresh interpreter, less the
    interpreter's own start-up: the guardrails' share of each figure here."""
    bare = [_run([sys.executable, "-c", "pass"]) for _ in range(runs)]
    full = [_run([sys.executable, "-c", "import guardrails"]) for _ in range(runs)]
    wall, cpu = (
        max(statistics.median(f[k] for f in full) - statistics.median(b[k] for b in bare), 0.0)
        for k in (0, 1)
    )
    return wall, cpu


def bench_serve_start(runs: int = 3) -> list[Result]:
    """The first start migrates a fresh SQLite database; the restarts that follow find it
    migrated, as a server usually does. The target is on the restarts."""
    with tempfile.TemporaryDirectory() as tmp:
        first_wall, _, _ = _healthz_after_launch(tmp)
        timings = [_healthz_after_launch(tmp) for _ in range(runs)]
    median = statistics.median(wall for wall, _, _ in timings)
    cpu = statistics.median(cpu for _, cpu, _ in timings)
    ready = statistics.median(ready for _, _, ready in timings)
    guardrails_wall, guardrails_cpu = _guardrails_import()
    name, alone = "replydesk serve start", "import guardrails alone"
    return [
        Result(
            name,
            f"restart to first 200 on /healthz, median of {runs}",
            median,
            "s",
            "<= 1.5 s",
            median <= 1.5,
        ),
        Result(name, "CPU time of those restarts, median", cpu, "s", "reported", True),
        Result(name, "restart to first 200 on /readyz, median", ready, "s", "reported", True),
        Result(name, "first start, migrating a fresh database", first_wall, "s", "reported", True),
        Result(alone, "wall, median of 5", guardrails_wall, "s", "reported", True),
        Result(alone, "CPU, median of 5", guardrails_cpu, "s", "reported", True),
    ]


def bench_serve_rss(requests: int = 1000) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        _healthz_after_launch(tmp)  # migrates the database: the measured server restarts on it
        _compile_lazy_modules(tmp)
        return _rss_after_drafts(tmp, requests)


def _compile_lazy_modules(database_dir: str) -> None:
    """One draft of each message in a server of its own, so that the modules a draft imports on
    first use are compiled into the bench's bytecode cache: the measured server then runs from
    bytecode throughout, as an installed copy does (pip compiles on install). Compiling in the
    measured process would leave the compiler's garbage in its heap (5-8 MB of RSS)."""
    with (
        serve_process(database_dir) as (url, _),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        for message in MESSAGES:
            client.post("/draft", json=draft_request(message)).raise_for_status()


def _rss_after_drafts(database_dir: str, requests: int) -> list[Result]:
    with (
        serve_process(database_dir) as (url, process),
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        at_start = vm(process.pid, "VmRSS")
        for i in range(requests):
            response = client.post("/draft", json=draft_request(MESSAGES[i % len(MESSAGES)]))
            if response.status_code != 201 or response.json()["generator"]["kind"] != "template":
                raise RuntimeError(f"draft {i}: {response.status_code} {response.text[:200]}")
        rss, peak = vm(process.pid, "VmRSS"), vm(process.pid, "VmHWM")
    name = "serving process RSS"
    return [
        Result(name, f"after {requests:,} template /draft", rss, "MB", "<= 200 MB", rss <= 200),
        Result(name, "at start (ready)", at_start, "MB", "reported", True),
        Result(name, f"peak over {requests:,} drafts", peak, "MB", "reported", True),
    ]


def bench_check_cli(runs: int = 5) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        reply = Path(tmp) / "reply.txt"
        reply.write_text("Hello Jane, your order ships today with UPS.\n", encoding="utf-8")
        args = [sys.executable, "-m", "service.cli", "check", str(reply), "--order-id", ORDER_ID]
        timings = [_run(args) for _ in range(runs)]
    median = statistics.median(wall for wall, _ in timings)
    cpu = statistics.median(cpu for _, cpu in timings)
    name = "replydesk check FILE (one line)"
    return [
        Result(name, f"wall, median of {runs}", median, "s", "<= 0.6 s", median <= 0.6),
        Result(name, "CPU, median", cpu, "s", "reported", True),
    ]


BENCHMARKS: dict[str, Callable[[], list[Result]]] = {
    "serve_start": bench_serve_start,
    "serve_rss": bench_serve_rss,
    "check_cli": bench_check_cli,
}
