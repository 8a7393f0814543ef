"""Guardrails on blind sets: drafts written by people who never saw the phrase lists, the code
or an earlier set, scored on whether each violation was *fixed*, not merely found.

A set is a folder of ``<language>.yaml`` files (format: ``evals/data/guardrails-blind/README.md``).
Each violating draft names the rules it breaks and its evidence: the exact pieces of text that
break them. A draft counts as fixed when

- every rule it breaks has a finding (a link rule stands for both link rules; a rule whose match
  went with a removed sentence counts, see ``evals.guardrails._swallowed``), and
- every piece of evidence is gone from the fixed text, or the report flags or blocks one of the
  draft's rules (the agent is told and must act before sending). For contact details (links,
  addresses, numbers) *gone* means no fragment is left either: no run of three or more letters or
  digits of the evidence that the rest of the draft does not also hold. A link's visible text
  (markdown ``[text](…)``, HTML ``<a …>text</a>``) may stay, as POLICY.md allows; an ``http://``
  link to Amazon is fixed by its upgrade to https, so only the ``http://`` form must be gone.

A clean draft is untouched when the text comes back unchanged and without a finding.

``python -m evals.guardrails_blind DIR`` prints the score; the misses are listed by id, rules and
the writer's one-line *concept* (the technique, never the text), which is how misses are passed
on to whoever improves the guardrails.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from evals.guardrails import LINK_RULES, Case, _swallowed, removed_chars
from evals.sealed import cases, pct, score_sealed
from guardrails import Report, sentences
from guardrails.fluency import broken

REPO = Path(__file__).resolve().parents[1]
BLIND_DIR = REPO / "evals" / "data" / "guardrails-blind"
CONTACT_RULES = frozenset({"external_link", "email_address", "phone_number"})
_LINK_TEXT = re.compile(r"\[[^\]]*\]|>[^<>]*<")
ACTING = frozenset({"flagged", "blocked"})
_PIECE = re.compile(r"\w{3,}")


@dataclass(frozen=True)
class BlindCase:
    case: Case
    id: str
    hard: bool
    concept: str
    evidence: tuple[str, ...]


def load_set(directory: Path) -> list[BlindCase]:
    out = []
    for path, defaults, raw in cases(directory):
        case = Case(
            text=raw["text"],
            language=raw.get("language", defaults["language"]),
            marketplace=raw.get("marketplace", defaults["marketplace"]),
            rules=frozenset(raw["rules"]),
            kind=raw.get("kind", "reply"),
            source=f"{path.name}#{raw['id']}",
        )
        out.append(
            BlindCase(
                case,
                str(raw["id"]),
                bool(raw.get("hard", False)),
                str(raw.get("concept", "")),
                tuple(raw.get("evidence") or ()),
            )
        )
    return out


def _left_over(evidence: str, original: str, fixed: str) -> bool:
    """Is anything of a contact detail left: a run of 3+ letters or digits of the evidence that
    the fixed text holds, though the draft around the evidence does not? A link's visible text
    is not the contact detail."""
    around = original.replace(evidence, " ").casefold()
    kept = fixed.casefold()
    detail = _LINK_TEXT.sub(" ", evidence).casefold()
    return any(p in kept and p not in around for p in _PIECE.findall(detail))


def is_fixed(blind: BlindCase, report: Report) -> tuple[bool, str]:
    """Whether the violation was fixed, and if not, why (a few words, no draft text)."""
    case = blind.case
    found = {f.rule for f in report.findings} | _swallowed(case, report)
    missing = [
        rule
        for rule in sorted(case.rules)
        if rule not in found and not (rule in LINK_RULES and found & LINK_RULES)
    ]
    if missing:
        return False, f"not found: {', '.join(missing)}"
    if any(f.action in ACTING and f.rule in case.rules for f in report.findings):
        return True, ""
    contact = bool(case.rules & CONTACT_RULES)
    for piece in blind.evidence:
        if piece in report.text:
            return False, "found, but the evidence is still in the text"
        if contact and _left_over(piece, case.text, report.text):
            return False, "found, but a fragment of the contact detail is left"
    return True, ""


@dataclass
class BlindScore:
    fixed: dict[tuple[str, bool], int] = field(default_factory=lambda: defaultdict(int))
    totals: dict[tuple[str, bool], int] = field(default_factory=lambda: defaultdict(int))
    untouched: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    clean: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_rule: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[str] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)
    removed: int = 0  # characters clean drafts lost
    unreadable: list[str] = field(default_factory=list)  # fixed texts failing the fluency check

    def share(self, *, language: str | None = None, hard: bool | None = None) -> tuple[int, int]:
        keys = [
            k
            for k in self.totals
            if (language is None or k[0] == language) and (hard is None or k[1] == hard)
        ]
        return sum(self.fixed[k] for k in keys), sum(self.totals[k] for k in keys)


def score(cases: Iterable[BlindCase]) -> BlindScore:
    result = BlindScore()
    for blind in cases:
        case = blind.case
        report = case.run()
        if not case.rules:
            result.clean[case.language] += 1
            if report.text == case.text and not report.findings:
                result.untouched[case.language] += 1
            else:
                result.removed += removed_chars(case.text, report.text)
                rules = sorted({f.rule for f in report.findings})
                result.touched.append(f"{blind.id}: {rules} ({blind.concept})")
            continue
        key = (case.language, blind.hard)
        result.totals[key] += 1
        why_broken = _unreadable(case.text, report.text)
        if why_broken:
            result.unreadable.append(f"{blind.id}: {why_broken} ({blind.concept})")
        ok, why = is_fixed(blind, report)
        result.fixed[key] += ok
        for rule in case.rules:
            result.by_rule[rule][0] += ok
            result.by_rule[rule][1] += 1
        if not ok:
            hard = " hard" if blind.hard else ""
            result.misses.append(f"{blind.id}{hard} {sorted(case.rules)}: {why} ({blind.concept})")
    return result


def _unreadable(original: str, fixed: str) -> str | None:
    """Why a sentence the fix changed no longer reads, if one does not."""
    for start, end in sentences.bounds(fixed):
        sentence = fixed[start:end].strip()
        if sentence and sentence not in original:
            why = broken(sentence)
            if why:
                return why
    return None


def report(directory: Path) -> str:
    result = score(load_set(directory))
    fixed, total = result.share()
    hard_fixed, hard_total = result.share(hard=True)
    untouched, clean = sum(result.untouched.values()), sum(result.clean.values())
    lines = [
        f"Blind set `{directory.name}`: violations fixed {pct(fixed, total)}, hard ones "
        f"{pct(hard_fixed, hard_total)}; clean drafts untouched {pct(untouched, clean)} "
        f"({result.removed} characters removed from clean drafts); fixed texts failing the "
        f"fluency check: {len(result.unreadable)}.",
        "",
        "| language | violations fixed | hard | clean untouched |",
        "| --- | --- | --- | --- |",
    ]
    for language in sorted({k[0] for k in result.totals} | set(result.clean)):
        lines.append(
            f"| {language} | {pct(*result.share(language=language))} "
            f"| {pct(*result.share(language=language, hard=True))} "
            f"| {pct(result.untouched[language], result.clean[language])} |"
        )
    lines += ["", "| rule | fixed |", "| --- | --- |"]
    for rule, (ok, count) in sorted(result.by_rule.items()):
        lines.append(f"| {rule} | {pct(ok, count)} |")
    if result.misses:
        lines += ["", "Misses (id, rules, why, the writer's concept):", ""]
        lines += [f"- {miss}" for miss in result.misses]
    if result.unreadable:
        lines += ["", "Fixed texts that no longer read:", ""]
        lines += [f"- {item}" for item in result.unreadable]
    if result.touched:
        lines += ["", "Clean drafts changed or flagged:", ""]
        lines += [f"- {item}" for item in result.touched]
    return "\n".join(lines)


def _sets() -> list[Path]:
    return sorted(p for p in BLIND_DIR.iterdir() if p.is_dir()) if BLIND_DIR.is_dir() else []


def _eval(path: Path) -> Callable[[], str]:
    return lambda: report(path)


EVALS = {f"guardrails-blind-{path.name}": _eval(path) for path in _sets()}


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        print(score_sealed(path, report) if name.endswith(".tar.gz") else report(path))
        print()
