"""twitter-text's URL conformance cases through the link rules: is every URL it extracts gone?

The cases are twitter-text's own (``conformance/extract.yml`` of github.com/twitter/twitter-text,
commit 30e2430, Apache-2.0, copied to ``evals/data/twitter-text/`` with its licence): the URL
groups ``urls``, ``urls_with_indices``, ``urls_with_directional_markers`` and
``tco_urls_with_params``. Each case's text goes into an English reply; a URL twitter-text
extracts counts as removed when it no longer stands in the fixed text. Its "do not extract"
cases are left out of the score: for Amazon any link-like string may go (``http://no-tld``).
The one URL the rules keep on purpose: ``it.so``, a missing space before "so" as often as a
Somali domain, read like ``manual.zip`` (guardrails.domains.FILE_EXTENSIONS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evals.guardrails import ORDER_ID
from guardrails import check

CASES = Path(__file__).resolve().parent / "data" / "twitter-text" / "extract.yml"
GROUPS = ("urls", "urls_with_indices", "urls_with_directional_markers", "tco_urls_with_params")
FLOOR = 0.99


@dataclass
class Score:
    removed: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.removed / self.total if self.total else 0.0


def score() -> Score:
    tests = yaml.safe_load(CASES.read_text(encoding="utf-8"))["tests"]
    out = Score()
    for group in GROUPS:
        for case in tests[group]:
            text = f"Order {ORDER_ID}. {case['text']}"
            fixed = check(text, order_id=ORDER_ID, marketplace="amazon.com", language="en").text
            for expected in case["expected"]:
                url = expected["url"] if isinstance(expected, dict) else expected
                out.total += 1
                if url in fixed:
                    out.misses.append(f"{url!r} ({case['description']})")
                else:
                    out.removed += 1
    return out


def _report() -> str:
    result = score()
    lines = [
        f"twitter-text URL conformance: {result.removed}/{result.total} removed ({result.rate:.1%})"
    ]
    lines += [f"- kept: {m}" for m in result.misses]
    return "\n".join(lines)


EVALS: dict[str, Callable[[], str]] = {"twitter-text-urls": _report}
