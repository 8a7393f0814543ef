"""`replydesk serve` in a process of its own, as an operator starts it: the environment of the
test run without any REPLYDESK_ or OPENAI_ variable, then the test's settings; its output in a
log file; ready when /readyz answers 200."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fakes.openai_server import free_port

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def served(
    settings: dict[str, str], log: Path, *, ready_within: float = 60, workers: int = 1
) -> Iterator[str]:
    """The server's URL once ready; ``settings`` are REPLYDESK_ variables (full names). With
    ``workers`` above one, ready is one worker's answer (the others may still be starting)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REPLYDESK_", "OPENAI_"))}
    command = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command,
            cwd=REPO,
            env=env | settings,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, server, log, ready_within)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=15)


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server was not ready within {within:g} s")
