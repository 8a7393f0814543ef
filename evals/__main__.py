"""`make eval`: print every quality figure. `python -m evals [NAME ...]` runs some of them;
`python -m evals llm --base-url URL --model NAME` drafts a fixed message set against a model
(evals/llm.py, docs/llm-eval.md).

Each module in MODULES exposes `EVALS: dict[str, Callable[[], str]]`, each callable returning
its report as markdown text. The same computations back the floors the test suite enforces.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

from evals import (
    commitments,
    escalation,
    guardrails,
    guardrails_blind,
    guardrails_external,
    intents,
    no_response,
    retrieval,
    routing_blind,
    twitter_text,
)

MODULES: tuple[ModuleType, ...] = (
    retrieval,
    intents,
    guardrails,
    guardrails_external,
    guardrails_blind,
    commitments,
    twitter_text,
    escalation,
    no_response,
    routing_blind,
)


def main() -> int:
    if sys.argv[1:2] == ["llm"]:  # the LLM path against an endpoint: its own arguments
        from evals import llm

        return llm.main(sys.argv[2:])
    evals: dict[str, Callable[[], str]] = {}
    for module in MODULES:
        evals.update(module.EVALS)
    wanted = sys.argv[1:] or list(evals)
    unknown = [name for name in wanted if name not in evals]
    if unknown:
        print(f"unknown eval(s) {unknown}; known: {sorted(evals)}", file=sys.stderr)
        return 2
    for name in wanted:
        print(f"## {name}\n")
        print(evals[name](), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
