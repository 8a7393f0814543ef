"""Guardrails quality: recall per rule and language, clean texts untouched, external corpora.

Sources (see ``tests/data/guardrails/README.md`` and ``../shared/eval-data/*/SOURCE.md``):
- the hand-written corpus in ``tests/data/guardrails/*.yaml`` (violations and clean replies);
- Bitext customer-support responses that send the buyer to a phone, an e-mail address, a
  website or live chat: positives for the contact and off-platform rules;
- presidio-research's synthetic PII: its phone, e-mail and domain spans are positives, every
  other entity (dates, card numbers, IBANs, zip codes, street numbers, …) must survive;
- SMS ham messages: personal texts that must pass the marketing rule untouched.
The test suite enforces the floors below with these same functions.
"""

from __future__ import annotations

import csv
import difflib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from guardrails import Report, check, pipeline

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO / "tests" / "data" / "guardrails"
EVAL_DATA = REPO.parent / "shared" / "eval-data"
ORDER_ID = "114-3941689-8772232"

RECALL_FLOOR = 0.97
UNTOUCHED_FLOOR = 1.0
PII_RECALL_FLOOR = 0.97
LINK_RULES = frozenset({"external_link", "insecure_link"})
CONTACT_RULES = {"phone": "phone_number", "email": "email_address", "link": "external_link"}


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


# ---------------------------------------------------------------- external corpora
def eval_data_missing() -> str | None:
    if not EVAL_DATA.is_dir():
        return f"eval data not found at {EVAL_DATA} (it sits beside the repository in CI)"
    return None


def bitext_cases() -> list[Case]:
    """Distinct Bitext responses that send the buyer elsewhere, labelled by what they name."""
    path = (
        EVAL_DATA
        / "bitext-customer-support"
        / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
    )
    with path.open(encoding="utf-8", newline="") as handle:
        responses = sorted({row["response"] for row in csv.DictReader(handle)})
    cases = []
    for text in responses:
        folded = text.lower()
        rules = set()
        if "@" in text:
            rules.add("email_address")
        if "call us at" in folded or "calling us at" in folded:
            rules.add("phone_number")
        if any(w in folded for w in ("website", "homepage", "live chat")):
            rules.add("off_platform")
        if rules:
            cases.append(Case(text, "en", "amazon.com", frozenset(rules), source="bitext"))
    return cases


def _presidio() -> list[dict[str, object]]:
    path = EVAL_DATA / "presidio-research" / "synth_dataset_v2.json"
    data: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return data


_PRESIDIO_TARGETS = {"PHONE_NUMBER": "phone", "EMAIL_ADDRESS": "email", "DOMAIN_NAME": "link"}
_TARGET_RULES = {"phone": {"phone_number"}, "email": {"email_address"}, "link": LINK_RULES}


@dataclass
class PiiScore:
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    others: int = 0
    others_removed: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        return self.found[kind] / self.total[kind] if self.total[kind] else 1.0


def presidio_score() -> PiiScore:
    result = PiiScore()
    for sample in _presidio():
        text = str(sample["full_text"])
        spans = sample["spans"]
        assert isinstance(spans, list)
        report = check(text, order_id=ORDER_ID, marketplace="amazon.com", language="en")
        edits = [f for f in report.findings if f.action == "fixed" and f.end > f.start]
        targets = [
            (s["start_position"], s["end_position"])
            for s in spans
            if s["entity_type"] in _PRESIDIO_TARGETS
        ]
        for span in spans:
            start, end, kind = span["start_position"], span["end_position"], span["entity_type"]
            if kind in _PRESIDIO_TARGETS:
                key = _PRESIDIO_TARGETS[kind]
                result.total[key] += 1
                if any(
                    f.rule in _TARGET_RULES[key] and f.start <= start and f.end >= end - 1
                    for f in edits
                ):
                    result.found[key] += 1
                else:
                    result.misses.append(f"{kind} {span['entity_value']!r}")
                continue
            if any(s < end and e > start for s, e in targets):
                continue  # a name inside an e-mail address goes with the address
            result.others += 1
            hit = [f for f in edits if f.start < end and f.end > start]
            if hit:
                result.others_removed += 1
                result.wrong.append(f"{kind} {span['entity_value']!r} <- {hit[0].rule}")
    return result


def sms_ham() -> Iterator[str]:
    path = EVAL_DATA / "sms-spam-collection" / "SMSSpamCollection"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        label, _, text = line.partition("\t")
        if label == "ham" and text.strip():
            yield text


def sms_marketing_flagged() -> tuple[int, list[str]]:
    flagged = []
    total = 0
    for text in sms_ham():
        total += 1
        report = check(text, order_id=ORDER_ID, marketplace="amazon.com", language="en")
        if any(f.rule == "marketing" for f in report.findings):
            flagged.append(text[:80])
    return total, flagged


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


def _external_report() -> str:
    missing = eval_data_missing()
    if missing:
        return f"skipped: {missing}"
    bitext = score(bitext_cases())
    rules = sorted({r for r, _ in bitext.totals})
    lines = ["Bitext responses that send the buyer to phone, e-mail, website or live chat:", ""]
    lines += [f"- {r}: {bitext.recall(r, 'en'):.0%} of {bitext.totals[(r, 'en')]}" for r in rules]
    lines += [f"  - missed: {m}" for m in bitext.misses]
    pii = presidio_score()
    lines += ["", "presidio-research synthetic PII (amazon.com, en):", ""]
    for kind in ("phone", "email", "link"):
        lines.append(f"- {kind}: recall {pii.recall(kind):.1%} of {pii.total[kind]}")
    lines.append(
        f"- other entities removed: {pii.others_removed} of {pii.others} "
        "(dates, card numbers, IBANs, zip codes, street numbers, names, …)"
    )
    lines += [f"  - missed: {m}" for m in pii.misses[:20]] + [
        f"  - wrongly removed: {w}" for w in pii.wrong[:20]
    ]
    total, flagged = sms_marketing_flagged()
    lines += ["", f"SMS ham with a marketing finding: {len(flagged)} of {total}"]
    lines += [f"  - {t!r}" for t in flagged[:20]]
    return "\n".join(lines)


EVALS: dict[str, Callable[[], str]] = {
    "guardrails-corpus": _corpus_report,
    "guardrails-external": _external_report,
}
