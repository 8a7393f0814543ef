"""No response needed: the rule (service/understand/analysis.py) on its development set,
service/data/no_response/<language>.jsonl (messages that need nothing, and look-alikes that
need a reply: thanks with a request, an acknowledgement with a new problem, sarcasm), read as
the service reads a message (``analyse``: the phrase lists, the intent model's say and the
escalation). The intent model's training messages of a concern (every intent but praise and
`other`) are a second check on precision: none should be silenced."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from service import DATA_DIR
from service.understand.analysis import NO_CONCERN, analyse
from service.understand.intent_examples import read_examples

DEV_DIR = DATA_DIR / "no_response"


def read(directory: Path = DEV_DIR) -> list[tuple[str, str, bool]]:
    """``(language, text, needs_reply)`` of every example: the development set
    (``<language>.jsonl``) and the further examples (``more/<language>.jsonl``)."""
    out = []
    for path in sorted(directory.glob("*.jsonl")) + sorted(directory.glob("more/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append((path.stem, str(row["text"]), bool(row["needs_reply"])))
    return out


def score(directory: Path = DEV_DIR) -> dict[str, tuple[int, int, int]]:
    """Per language: (found, of the messages that need nothing; wrongly silenced)."""
    found: Counter[str] = Counter()
    quiet: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for language, text, needs_reply in read(directory):
        silenced = _silenced(text, language)
        if needs_reply:
            wrong[language] += silenced
        else:
            quiet[language] += 1
            found[language] += silenced
    return {lang: (found[lang], quiet[lang], wrong[lang]) for lang in sorted(quiet)}


def _silenced(text: str, language: str) -> bool:
    return analyse(text=text, locale=language, marketplace="amazon.com").no_response_needed


def concerns_silenced() -> tuple[int, int]:
    """(silenced, of the intent model's training messages that name a concern)."""
    named = [(lang, text) for lang, intent, text in read_examples() if intent not in NO_CONCERN]
    return sum(_silenced(text, lang) for lang, text in named), len(named)


def report() -> str:
    lines = [
        "| language | needs nothing, found | needs a reply, wrongly silenced |",
        "| --- | --- | --- |",
    ]
    totals = [0, 0, 0]
    for language, (found, quiet, wrong) in score().items():
        lines.append(f"| {language} | {found}/{quiet} | {wrong} |")
        totals = [totals[0] + found, totals[1] + quiet, totals[2] + wrong]
    lines.append(f"| **all** | {totals[0]}/{totals[1]} | {totals[2]} |")
    silenced, named = concerns_silenced()
    lines.append(f"\nIntent training messages that name a concern, silenced: {silenced}/{named}.")
    return "\n".join(lines)


EVALS: dict[str, Callable[[], str]] = {"no-response": report}
