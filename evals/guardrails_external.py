"""Guardrails on external corpora, written by others for other purposes.

Sources (see ``SOURCE.md`` in each folder of ``evals.EVAL_DATA``):
- Bitext customer-support responses that send the buyer to a phone, an e-mail address, a
  website or live chat: positives for the contact and off-platform rules;
- presidio-research's synthetic PII: its phone, e-mail and domain spans are positives, every
  other entity (dates, card numbers, IBANs, zip codes, street numbers, …) must survive;
- SMS ham messages: personal texts that must pass the marketing rule untouched.
The test suite enforces the floors below with these same functions.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from evals import EVAL_DATA
from evals.guardrails import LINK_RULES, ORDER_ID, Case, score
from guardrails import check

PII_RECALL_FLOOR = 0.97
CONTACT_RULES = {"phone": "phone_number", "email": "email_address", "link": "external_link"}


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
    others_invited: int = 0  # removed with a sentence that asked to use a contact detail
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
            if hit and all(f.rule == "off_platform" for f in hit):
                # The sentence asked to be called or written to at a removed detail ("send it to
                # my e-mail …"): it goes whole, with whatever else it held.
                result.others_invited += 1
            elif hit:
                result.others_removed += 1
                result.wrong.append(f"{kind} {span['entity_value']!r} <- {hit[0].rule}")
    return result


def sms_ham() -> Iterator[str]:
    path = EVAL_DATA / "sms-spam-collection" / "SMSSpamCollection"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        label, _, text = line.partition("\t")
        if label == "ham" and text.strip():
            yield text


def sms_marketing_flagged() -> tuple[int, list[str], list[str]]:
    """Ordinary text messages (SMS ham) through the marketing rule: ``(total, texts a phrase
    rule found marketing in, texts the sentence model flagged as marketing)``."""
    by_phrase, by_model = [], []
    total = 0
    for text in sms_ham():
        total += 1
        report = check(text, order_id=ORDER_ID, marketplace="amazon.com", language="en")
        found = [f for f in report.findings if f.rule == "marketing"]
        if any("sentence model" not in f.message for f in found):
            by_phrase.append(text[:80])
        elif found:
            by_model.append(text[:80])
    return total, by_phrase, by_model


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
        "(dates, card numbers, IBANs, zip codes, street numbers, names, …); removed with a "
        f"sentence that asked to be called or written to at a removed detail: {pii.others_invited}"
    )
    lines += [f"  - missed: {m}" for m in pii.misses[:20]] + [
        f"  - wrongly removed: {w}" for w in pii.wrong[:20]
    ]
    total, by_phrase, by_model = sms_marketing_flagged()
    lines += ["", f"SMS ham with a marketing finding by a phrase: {len(by_phrase)} of {total}"]
    lines += [f"  - {t!r}" for t in by_phrase[:20]]
    lines += [f"SMS ham the sentence model flags as marketing: {len(by_model)} of {total}"]
    lines += [f"  - {t!r}" for t in by_model[:20]]
    return "\n".join(lines)


EVALS: dict[str, Callable[[], str]] = {"guardrails-external": _external_report}
