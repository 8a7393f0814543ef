"""Guardrails quality on the hand-written corpus: recall per rule and language, clean texts intact.

The corpus is ``tests/data/guardrails/*.yaml`` (violations and clean replies; see its README).
The external corpora are scored in evals/guardrails_external.py with the Case and score here.
The test suite enforces the floors below with these same functions.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from guardrails import Report, check, pipeline

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO / "tests" / "data" / "guardrails"
# Written blind on 2026-11-27 (no phrase list or corpus case seen); its first score, 210/237
# violations found (88.6%) and 36/36 clean replies untouched, is the out-of-sample figure.
FRESH_DIR = REPO / "tests" / "data" / "guardrails-fresh"
ORDER_ID = "114-3941689-8772232"

RECALL_FLOOR = 0.97
UNTOUCHED_FLOOR = 1.0
LINK_RULES = frozenset({"external_link", "insecure_link"})


@dataclass(frozen=True)
class Case:
    text: str
    language: str
    marketplace: str
    rules: frozenset[str]
    kind: str = "reply"
    source: str = ""

    def run(self) -> Report:
        return check(
            self.text,
            order_id=ORDER_ID,
            marketplace=self.marketplace,
            language=self.language,
            message_kind=self.kind,
        )


def load_corpus(directory: Path = CORPUS_DIR) -> list[Case]:
    cases = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        defaults = data["defaults"]
        for index, raw in enumerate(data["cases"]):
            text = raw["text"]
            if raw.get("repeat"):
                text = "\n\n".join([text] * int(raw["repeat"]))
            cases.append(
                Case(
                    text=text,
                    language=raw.get("language", defaults["language"]),
                    marketplace=raw.get("marketplace", defaults["marketplace"]),
                    rules=frozenset(raw["rules"]),
                    kind=raw.get("kind", "reply"),
                    source=f"{path.name}#{index}",
                )
            )
    return cases


def removed_chars(before: str, after: str) -> int:
    """Characters of ``before`` that ``after`` no longer has (deleted or replaced)."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return sum(i2 - i1 for op, i1, i2, _, _ in matcher.get_opcodes() if op in ("delete", "replace"))


@dataclass
class Score:
    hits: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    totals: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    misses: list[str] = field(default_factory=list)
    clean: int = 0
    untouched: int = 0
    removed: int = 0
    dirty: list[str] = field(default_factory=list)

    def recall(self, rule: str, language: str) -> float:
        total = self.totals[(rule, language)]
        return self.hits[(rule, language)] / total if total else 1.0

    @property
    def untouched_share(self) -> float:
        return self.untouched / self.clean if self.clean else 1.0

    @property
    def removed_per_1000(self) -> float:
        return 1000 * self.removed / self.clean if self.clean else 0.0


def _swallowed(case: Case, report: Report) -> set[str]:
    """Rules whose match went with a removed sentence: the pipeline reports one finding per
    removed sentence and rule, so a phone number inside an off-platform sentence has no finding
    of its own, yet it was detected and it is gone."""
    ctx = pipeline.context(
        order_id=ORDER_ID,
        marketplace=case.marketplace,
        language=case.language,
        message_kind=case.kind,
    )
    return {
        span.rule
        for _, span in pipeline.detect(case.text, ctx=ctx)
        if span.action == "fixed" and span.match and span.match not in report.text
    }


def score(cases: list[Case]) -> Score:
    result = Score()
    for case in cases:
        report = case.run()
        if not case.rules:
            result.clean += 1
            if report.text == case.text and not report.findings:
                result.untouched += 1
            else:
                result.removed += removed_chars(case.text, report.text)
                seen = [(f.rule, f.match[:40]) for f in report.findings]
                result.dirty.append(f"{case.source}: {seen}")
            continue
        found = {f.rule for f in report.findings} | _swallowed(case, report)
        for rule in case.rules:
            key = (rule, case.language)
            result.totals[key] += 1
            if rule in found or (rule in LINK_RULES and found & LINK_RULES):
                result.hits[key] += 1
            else:
                result.misses.append(f"{case.source} [{rule}]: {case.text[:90]!r}")
    return result


# ---------------------------------------------------------------- the report
def _corpus_report() -> str:
    cases = load_corpus()
    result = score(cases)
    languages = sorted({c.language for c in cases})
    rules = sorted({r for c in cases for r in c.rules})
    lines = [
        f"{len(cases)} cases ({len(cases) - result.clean} violations, {result.clean} clean), "
        f"`tests/data/guardrails/`. Recall per rule and language (floor {RECALL_FLOOR:.0%}):",
        "",
        "| rule | " + " | ".join(languages) + " |",
        "| --- |" + " --- |" * len(languages),
    ]
    for rule in rules:
        cells = []
        for lang in languages:
            total = result.totals[(rule, lang)]
            cells.append(f"{result.recall(rule, lang):.0%} ({total})" if total else "–")
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Clean texts untouched: {result.untouched}/{result.clean} = {result.untouched_share:.1%}; "
        f"characters wrongly removed per 1,000 clean messages: {result.removed_per_1000:.1f}",
    ]
    lines += [f"- missed: {m}" for m in result.misses] + [f"- touched: {d}" for d in result.dirty]
    return "\n".join(lines)


def _fresh_report() -> str:
    cases = load_corpus(FRESH_DIR)
    result = score(cases)
    found, total = sum(result.hits.values()), sum(result.totals.values())
    by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (rule, language), count in result.totals.items():
        by_rule[rule][0] += result.hits[(rule, language)]
        by_rule[rule][1] += count
    lines = [
        f"Blind probe `tests/data/guardrails-fresh/` ({len(cases)} cases, six languages):"
        f" {found}/{total} violations found ({found / total:.1%}); clean replies untouched"
        f" {result.untouched}/{result.clean}. First, out-of-sample score: 210/237 (88.6%), 36/36.",
        "",
        "| rule | found |",
        "| --- | --- |",
    ]
    lines += [f"| {rule} | {hit}/{count} |" for rule, (hit, count) in sorted(by_rule.items())]
    lines += [f"- missed: {m}" for m in result.misses] + [f"- touched: {d}" for d in result.dirty]
    return "\n".join(lines)


EVALS: dict[str, Callable[[], str]] = {
    "guardrails-corpus": _corpus_report,
    "guardrails-fresh": _fresh_report,
}
