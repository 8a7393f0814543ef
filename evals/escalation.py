"""Escalation detector figures: recall and false escalations per language on the held-out
set (tests/data/escalation/<lang>.yaml), the dev set, the blind fresh probe
(tests/data/escalation-fresh/), and the share of the intent test set
(tests/data/intents/*.yaml) that escalates. The test suite enforces the same floors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from service.understand.analysis import classify_intent
from service.understand.escalation import detect, signals

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
LANGUAGES = ("en", "de", "fr", "es", "it", "ja")


def _escalated(text: str, language: str) -> bool:
    intent, confidence = classify_intent(text)
    return detect(text, language=language, intent=intent, intent_confidence=confidence).recommended


def _load(path: Path) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return items


def _row(label: str, items: list[tuple[str, str, bool]]) -> str:
    positives = [(t, lang) for t, lang, want in items if want]
    negatives = [(t, lang) for t, lang, want in items if not want]
    hits = sum(_escalated(t, lang) for t, lang in positives)
    false = sum(_escalated(t, lang) for t, lang in negatives)
    return (
        f"| {label} | {len(items)} | {hits}/{len(positives)} ({hits / len(positives):.0%}) "
        f"| {false}/{len(negatives)} ({false / len(negatives):.0%}) |"
    )


def report() -> str:
    lines = ["| set | messages | recall | false escalations |", "| --- | --- | --- | --- |"]
    every: list[tuple[str, str, bool]] = []
    for language in LANGUAGES:
        items = [
            (str(i["text"]), language, bool(i["reasons"]))
            for i in _load(DATA / "escalation" / f"{language}.yaml")
        ]
        every += items
        lines.append(_row(language, items))
    lines.append(_row("**all (test)**", every))
    dev = [
        (str(i["text"]), str(i["lang"]), bool(i["reasons"]))
        for i in _load(DATA / "escalation" / "dev.yaml")
    ]
    lines.append(_row("dev", dev))
    # Written blind on 2026-11-27 by someone who had not seen the phrase lists; its first score
    # (77/96 recall, 4/48 false) is the out-of-sample one: the gaps it showed were then closed by
    # concept, without the phrase lists' author reading it (tests/data/escalation-fresh/README.md).
    fresh = [
        (str(i["text"]), language, bool(i["reasons"]))
        for language in LANGUAGES
        for i in _load(DATA / "escalation-fresh" / f"{language}.yaml")
    ]
    lines.append(_row("fresh probe (blind)", fresh))
    texts = [
        (str(i["text"]), path.stem, str(i["intent"]))
        for path in sorted((DATA / "intents").glob("??.yaml"))
        for i in _load(path)
    ]
    flagged = [(t, intent) for t, lang, intent in texts if _escalated(t, lang)]
    claims = sum(intent == "a_to_z_claim" for _, intent in flagged)
    ordinary = [
        (line, path.parent.name)
        for path in sorted((DATA.parent.parent / "service" / "data" / "intents").glob("*/*.txt"))
        if path.name.split(".")[0] != "a_to_z_claim"
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    loud = sum(bool(signals(text, language=lang)) for text, lang in ordinary)
    lines += [
        "",
        f"Intent training examples other than claims (phrase lists only): {loud}/{len(ordinary)}"
        f" escalated ({loud / len(ordinary):.2%}).",
        f"Intent test set: {len(flagged)}/{len(texts)} escalated "
        f"({len(flagged) / len(texts):.1%}); {claims} of them are labelled a_to_z_claim.",
    ]
    return "\n".join(lines)


EVALS: dict[str, Callable[[], str]] = {"escalation": report}

if __name__ == "__main__":
    print(report())
