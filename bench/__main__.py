"""`make bench`: the speed targets, measured on this machine.

`python -m bench [NAME ...]` runs all benchmarks or the named ones, prints a table and saves
the figures under bench/results/. Each module listed in MODULES contributes a BENCHMARKS dict.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime

from bench import db_cut, guardrails, http_draft, kb, load, machine, review, startup, triage
from bench.common import RESULTS, Result

MODULES = (http_draft, kb, triage, review, guardrails, startup, load, db_cut)


def main() -> int:
    benchmarks: dict[str, Callable[[], list[Result]]] = {}
    for module in MODULES:
        benchmarks.update(module.BENCHMARKS)
    wanted = sys.argv[1:] or list(benchmarks)
    unknown = [name for name in wanted if name not in benchmarks]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {sorted(benchmarks)}", file=sys.stderr)
        return 2
    # Every run, whatever it measures, says how fast the machine was (bench/machine.py), at its
    # start and at its end: a shared machine's speed may change in the minutes between.
    results: list[Result] = [machine.reference("start")]
    for name in wanted:
        print(f"running {name} …", flush=True)
        results.extend(benchmarks[name]())
    results.append(machine.reference("end"))
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
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "reference_ms": [round(results[0].value, 2), round(results[-1].value, 2)],
        },
        "results": [asdict(r) for r in results],
    }
    (RESULTS / f"{stamp}.json").write_text(json.dumps(record, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(f"# make bench, {stamp}\n\n{table}\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
