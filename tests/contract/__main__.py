"""`make contract`: schemathesis against a running `replydesk serve`, every operation, with keys.

A bounded, seeded run (the same requests every time): it fails on a server error, a response
that breaks its schema or its declared status, content type or headers, a request the schema
forbids that is accepted, or a request that times out. Requests the schema allows but the
service refuses (a timestamp in the year 2900, a marketplace id in lower case) are not
failures: the validators are stricter than a JSON schema can say.

The server runs on a fresh SQLite database and the repository's knowledge base, with no model;
its access log is counted afterwards: the number of requests, and that none answered 5xx.
"""

from __future__ import annotations

import argparse
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.serving import REPO, served

SEED = 1
ACCESS = re.compile(r'uvicorn\.access.*?\\"(\w+) (\S+) HTTP/1\.1\\" (\d{3})')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, default=40, help="per operation and phase")
    # One worker: with two threads, Hypothesis's cache of lambda sources (not thread-safe) raised a
    # KeyError inside schemathesis's example phase, and its report then hit CPython 3.11's "AST
    # constructor recursion depth mismatch": a run error of the tools, not of the API.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--min-requests", type=int, default=2_000)
    args = parser.parse_args()
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    if st is None:
        raise SystemExit("schemathesis is not installed: make install")
    key = secrets.token_hex(8)
    with tempfile.TemporaryDirectory() as tmp:
        settings = {
            "REPLYDESK_DATABASE_URL": f"sqlite:///{tmp}/replydesk.db",
            "REPLYDESK_API_KEYS": f"ops:{key}",
            "REPLYDESK_KB_DIR": str(REPO / "knowledge_base"),
        }
        log = Path(tmp) / "server.log"
        with served(settings, log) as url:
            started = time.monotonic()
            run = subprocess.run(
                [
                    st, "run", f"{url}/openapi.json",
                    "--header", f"Authorization: Bearer {key}",
                    "--checks", "all",
                    "--exclude-checks", "positive_data_acceptance",
                    "--max-examples", str(args.max_examples),
                    "--workers", str(args.workers),
                    "--seed", str(SEED),
                    "--request-timeout", "10",
                    "--no-color",
                ],
                cwd=tmp,
            )  # fmt: skip
            wall = time.monotonic() - started
        lines = log.read_text(errors="replace").splitlines()
        # What schemathesis sent: the lines after the wait for readiness (its 503s are ours).
        ready = next(i for i, line in enumerate(lines) if 'GET /readyz HTTP/1.1\\" 200' in line)
        lines = lines[ready + 1 :]
        statuses = Counter(m.group(3) for line in lines for m in ACCESS.finditer(line))
        requests = sum(statuses.values())
        errors = sum(n for status, n in statuses.items() if status.startswith("5"))
        print(
            f"contract: {requests:,} requests in {wall:.0f} s, {errors} answered 5xx; by status: "
            + ", ".join(f"{s} {n:,}" for s, n in sorted(statuses.items()))
        )
        if errors:  # each 5xx answer and every warning or error the server logged
            for line in lines:
                found = ACCESS.search(line)
                if (found and found.group(3).startswith("5")) or '"level": "INFO"' not in line:
                    print(line[:1_000], file=sys.stderr)
    failed = run.returncode != 0 or errors > 0 or requests < args.min_requests
    if requests < args.min_requests:
        print(f"contract: fewer than {args.min_requests:,} requests reached the server")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
