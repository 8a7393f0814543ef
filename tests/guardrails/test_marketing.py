"""marketing: whole sentences removed, cleanly."""

from __future__ import annotations

import pytest

from tests.guardrails.support import OID, assert_clean, assert_offsets, rules, run

ORDER = f"Order {OID}."


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        (
            f"{ORDER} Use coupon code SAVE10 for your next order. Thanks for your patience.",
            f"{ORDER} Thanks for your patience.",
        ),
        (
            f"{ORDER} Thanks for your patience. Get 15% off everything this week!",
            f"{ORDER} Thanks for your patience.",
        ),
        (
            f"{ORDER} Get 20 % off with the code XMAS at checkout! The refund is issued.",
            f"{ORDER} The refund is issued.",
        ),
        (
            f"Hello Jane,\n\n{ORDER}\n\nSign up for our newsletter for deals.\n\nBest,\nAnna",
            f"Hello Jane,\n\n{ORDER}\n\nBest,\nAnna",
        ),
        (
            f"{ORDER}\n- Replacement ships today\n- Follow us on Instagram\n- Refund issued",
            f"{ORDER}\n- Replacement ships today\n- Refund issued",
        ),
        (
            f"{ORDER} Don't miss our BIG SALE this weekend. Also check out our other products!",
            f"{ORDER}",
        ),
        (
            f"{ORDER} (Psst: our summer sale starts Monday.) The part ships today.",
            f"{ORDER} The part ships today.",
        ),
        (
            f"{ORDER} ＵＳＥ ＣＯＵＰＯＮ ＡＢＣ. Thanks.",
            f"{ORDER} Thanks.",
        ),
    ],
)
def test_marketing_sentences_are_removed_whole(text: str, fixed: str) -> None:
    report = run(text)
    assert report.text == fixed
    # Other rules may claim the same sentence ("Follow us on Instagram" is off-platform too), and
    # a reply left with nothing but greeting, order ID and signature is blocked.
    assert ("marketing", "fixed") in rules(report)
    assert {r for r in rules(report)} <= {
        ("marketing", "fixed"),
        ("off_platform", "fixed"),
        ("marketing", "blocked"),
    }
    assert_offsets(text, report)
    for finding in report.findings:
        assert finding.match.rstrip() in text  # the match is the removed sentence


def test_one_finding_per_sentence_even_with_two_triggers() -> None:
    text = f"{ORDER} Use promo code SAVE10 for 10% off! Thanks."
    report = run(text)
    (finding,) = [f for f in report.findings if f.action == "fixed"]
    assert finding.match == "Use promo code SAVE10 for 10% off!"
    assert "promo code" in finding.message.lower()


def test_paragraph_removed_without_leaving_blank_lines() -> None:
    text = f"Hello Jane,\n\nUse coupon SAVE10 now.\n\n\n{ORDER}\n\nAnna"
    report = run(text)
    assert report.text == f"Hello Jane,\n\n{ORDER}\n\nAnna"
    assert "\n\n\n" not in report.text


@pytest.mark.parametrize(
    "text",
    [
        f"{ORDER} We issued a 20% partial refund and a free replacement.",
        f"{ORDER} We reviewed your case and the refund is on its way.",
        f"{ORDER} Thank you for your feedback.",
        f"{ORDER} The item is no longer for sale, so we refunded you; wholesale orders differ.",
        f"{ORDER} Your order from Black Friday shipped on time.",
        f"{ORDER} Please check out our troubleshooting steps below.",
    ],
)
def test_honest_replies_are_not_marketing(text: str) -> None:
    assert_clean(text)


@pytest.mark.parametrize(
    ("text", "marketplace", "language"),
    [
        # Offers declined, refunds credited back to a gift card: nothing is promoted.
        (f"{ORDER} We do not issue coupons for repeat orders, sorry.", "amazon.com", "en"),
        (
            f"注文番号{OID}。恐れ入りますが、当店では個別のクーポン発行は承っておりません。",
            "amazon.co.jp",
            "ja",
        ),
        (
            f"Bestellung {OID}. Da Sie mit einem Geschenkgutschein bezahlt haben, wird der Betrag "
            "Ihrem Gutschein-Guthaben gutgeschrieben.",
            "amazon.de",
            "de",
        ),
    ],
)
def test_a_declined_offer_or_a_credited_voucher_is_no_marketing(
    text: str, marketplace: str, language: str
) -> None:
    assert_clean(text, marketplace=marketplace, language=language)


def test_a_coupon_offered_is_still_marketing() -> None:
    report = run(f"{ORDER} It ships today. We do offer a coupon: use SAVE10 next time.")
    assert ("marketing", "fixed") in rules(report)


def test_thanks_before_an_offer_does_not_hide_it() -> None:
    report = run(f"{ORDER} It ships today. Thanks! A $10 gift card for your 5-star review.")
    assert {"incentive", "review_solicitation"} <= {rule for rule, _ in rules(report)}
