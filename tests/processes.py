"""Code run in a Python process of its own: what a module imports, or costs, can only be seen
where nothing was imported before it."""

from __future__ import annotations

import subprocess
import sys

from tests.factories import REPO


def fresh_python(code: str, *args: str, timeout: float = 100) -> str:
    """The standard output of ``python -c code args…`` run in the repository; a failure raises
    with what the process wrote to its standard error."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise AssertionError(f"the process failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout
