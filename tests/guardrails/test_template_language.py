"""language_mismatch for a template rendered in another language than the buyer's."""

from __future__ import annotations

from guardrails import check, context
from tests.guardrails.support import OID

SHORT = "Hello Jana,\n\nthank you.\n\nBest regards,\nAnna"  # too short for the text-level rule


def test_an_english_template_for_a_german_buyer_is_blocked() -> None:
    ctx = context(
        order_id=OID,
        marketplace="amazon.de",
        language="de-DE",
        template_id="thanks",
        template_language="en",
    )
    report = check(SHORT, ctx)
    assert not report.passed
    [finding] = [f for f in report.findings if f.rule == "language_mismatch"]
    assert finding.action == "blocked"
    assert "no 'de' version of template thanks" in finding.message


def test_a_template_in_the_buyer_language_is_fine() -> None:
    ctx = context(order_id=OID, marketplace="amazon.com", template_language="en-US")
    assert check(SHORT, ctx).passed


def test_text_without_a_template_is_judged_by_its_words_alone() -> None:
    assert check(SHORT, context(order_id=OID, marketplace="amazon.de", language="de")).passed
