"""How fast this machine is today: a fixed piece of work, timed before every bench run.

The speed targets are absolute (milliseconds, seconds), but the machines the bench runs on are
not alike: the same commit measured triage at 1.4 ms on one session's machine and 2.0 ms on
the next one's, guardrails at 0.7 and 1.3 ms. Each results file therefore records how long
this reference work took, so two runs can be compared: a figure that got slower while the
reference did too says more about the machine than about the code.

The work is what the service's hot paths are made of, in the same proportions roughly: Python
loops over strings and dicts, regular-expression searches, and small NumPy operations. It
depends on nothing in the repository, so a change to the code never changes it.
"""

from __future__ import annotations

import re
import time

import numpy as np

from bench.common import Result

RUNS = 9
_SENTENCE = "the parcel arrived broken and the lid is cracked please send a new one today"
_WORDS = _SENTENCE.split()
_TEXT = " ".join(_WORDS[(i * 7) % len(_WORDS)] for i in range(50_000))
_PATTERN = re.compile(r"\b(?:parcel|lid|refund|crack\w*)\b")


def _work() -> float:
    counts: dict[str, int] = {}
    for word in _TEXT.split():
        counts[word] = counts.get(word, 0) + len(word)
    hits = len(_PATTERN.findall(_TEXT))
    values = np.arange(1_000, dtype=np.float64)
    total = 0.0
    for step in range(600):
        total += float(np.bincount(np.arange(1_000) % 50, weights=values * step).sum())
    return total + hits + sum(counts.values())


def reference(when: str) -> Result:
    """The fastest of RUNS runs of the reference work (lower is a faster machine): the least
    disturbed run, steadier from one call to the next than the median on a shared machine.
    ``when`` names the moment in the bench run ("start", "end")."""
    _work()  # warm-up: the first run pays for caches
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        _work()
        timings.append((time.perf_counter() - started) * 1000)
    return Result(
        f"machine: fixed reference work (Python, regex, NumPy), fastest of {RUNS}",
        f"time, at the {when}",
        min(timings),
        "ms",
        "reported (compare runs by it)",
        True,
    )
