"""The blind-set scorer (evals/guardrails_blind.py) counts a violation as fixed only when it is
found and gone, fragments of contact details included, or flagged for the agent; a clean draft
only when nothing changed. Synthetic drafts, written here for the scorer, not for the rules."""

from __future__ import annotations

from pathlib import Path

import yaml

from evals.guardrails import ORDER_ID, Case
from evals.guardrails_blind import BlindCase, _left_over, is_fixed, load_set, score
from guardrails import Finding, Report
from guardrails.report import Action


def _blind(text: str, rules: list[str], evidence: list[str]) -> BlindCase:
    case = Case(text, "en", "amazon.com", frozenset(rules))
    return BlindCase(case, "x-1", hard=False, concept="test", evidence=tuple(evidence))


def _report(text: str, *findings: tuple[str, Action]) -> Report:
    return Report(
        text=text,
        passed=all(action != "blocked" for _, action in findings),
        findings=tuple(Finding(rule, action, "m", 0, 1, "why") for rule, action in findings),
    )


def test_a_contact_detail_with_a_fragment_left_is_not_fixed() -> None:
    original = f"Order {ORDER_ID}. Write to anna.berg (at) shop-berlin.de for help."
    assert _left_over("anna.berg (at) shop-berlin.de", original, "Write to shop-berlin for help.")
    assert not _left_over("anna.berg (at) shop-berlin.de", original, "Write to us for help.")
    # A word the rest of the draft holds anyway is no fragment.
    assert not _left_over("help@x.de", "We help. Mail help@x.de", "We help. Mail")


def test_found_and_gone_is_fixed_found_and_kept_is_not() -> None:
    text = f"Order {ORDER_ID}. Visit www.example.com today."
    blind = _blind(text, ["external_link"], ["www.example.com"])
    gone = _report(f"Order {ORDER_ID}. Visit today.", ("external_link", "fixed"))
    kept = _report(text, ("external_link", "fixed"))
    unseen = _report(text)
    assert is_fixed(blind, gone) == (True, "")
    assert is_fixed(blind, kept)[0] is False
    assert is_fixed(blind, unseen) == (False, "not found: external_link")


def test_a_flag_on_the_drafts_rule_counts_as_handled() -> None:
    text = f"Order {ORDER_ID}. That was your own mistake."
    blind = _blind(text, ["unprofessional"], ["That was your own mistake."])
    assert is_fixed(blind, _report(text, ("unprofessional", "flagged")))[0]


def test_a_set_is_scored_per_language_hard_and_clean(tmp_path: Path) -> None:
    cases = [
        {
            "id": "t-1",
            "kind": "reply",
            "rules": ["email_address"],
            "hard": True,
            "concept": "plain address",
            "evidence": ["anna@example.com"],
            "text": f"Hello, order {ORDER_ID}: write to anna@example.com. Best, Tom",
        },
        {
            "id": "t-2",
            "kind": "reply",
            "rules": [],
            "hard": False,
            "concept": "a price",
            "evidence": [],
            "text": f"Hello, your refund of $24.99 for order {ORDER_ID} is on its way. Best, Tom",
        },
    ]
    data = {"defaults": {"language": "en", "marketplace": "amazon.com"}, "cases": cases}
    (tmp_path / "en.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    result = score(load_set(tmp_path))
    assert result.share() == (1, 1)
    assert result.share(hard=True) == (1, 1)
    assert (result.untouched["en"], result.clean["en"]) == (1, 1)
    assert result.misses == [] and result.touched == []
