"""unsupported_commitment: what a drafted text promises that its grounding does not hold."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from guardrails import Grounding, Report, check, commitments, context
from guardrails.marketplaces import HOME_MARKETPLACE
from tests.guardrails.support import OID

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # a Wednesday
LATEST = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # Friday 4 December
FACTS = "order_status: Shipped\ncarrier: UPS\ntracking_number: 1Z999AA10123456784"


def flagged(
    text: str,
    *texts: str,
    language: str = "en",
    dates: tuple[datetime, ...] = (LATEST,),
    grounding: bool = True,
) -> list[str]:
    """The matches flagged as unsupported commitments in ``text``, grounded on the order facts
    above, its date and ``texts``."""
    ctx = context(
        order_id=OID,
        marketplace=HOME_MARKETPLACE[language],
        language=language,
        now=NOW,
        grounding=Grounding(texts=(FACTS, *texts), dates=dates) if grounding else None,
    )
    report = check(f"Order {OID}. {text}", ctx)
    return matches(report)


def matches(report: Report) -> list[str]:
    found = [f for f in report.findings if f.rule == "unsupported_commitment"]
    assert all(f.action == "flagged" for f in found)
    return [f.match for f in found]


def test_silent_without_a_grounding() -> None:
    assert (
        flagged("We have refunded you $50 and a replacement ships on May 3.", grounding=False) == []
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Your order has been refunded in full.", "refunded"),
        ("We will send you a replacement right away.", "replacement"),
        ("I have attached a prepaid return label.", "return label"),
        ("As a gesture of goodwill we added an account credit.", "gesture of goodwill"),
        ("The parcel will arrive on December 9.", "December 9"),
        ("We have sent $24.99 to your card.", "$24.99"),
        ("Its tracking number is 1Z999AA10123456785.", "1Z999AA10123456785"),
        ("It will be with you tomorrow.", "tomorrow"),
        ("You will have it by Monday.", "by Monday"),
    ],
)
def test_each_kind_is_flagged_when_nothing_supports_it(text: str, match: str) -> None:
    assert flagged(text) == [match]


@pytest.mark.parametrize(
    ("text", "support"),
    [
        ("You will get your refund within 5 days.", "Refunds are issued within 5 days."),
        ("We will send a replacement.", "Offer a free replacement."),
        ("A return label is attached.", "Send the buyer a prepaid return label."),
        ("We have sent 24,99 $ back to your card.", "Refund the $24.99 shipping fee."),
    ],
)
def test_what_the_grounding_holds_is_not_flagged(text: str, support: str) -> None:
    assert flagged(text, support) == []


def test_order_facts_support_their_dates_in_any_format_and_the_tracking_number() -> None:
    text = "It should arrive by 4 December, on Friday (1Z999AA10123456784)."
    assert flagged(text) == []
    assert flagged("It should arrive by December 5.") == ["December 5"]
    assert flagged("It left us on 2026-12-02 and arrives 12/04/2026.") == []


def test_asking_offering_and_explaining_promise_nothing() -> None:
    assert flagged("Would you prefer a replacement or a refund?") == []
    assert flagged("You can request a refund from Your Orders.") == []
    assert flagged("I understand you would like a refund.") == []


def test_the_order_id_and_product_figures_are_no_commitment() -> None:
    assert flagged("The 1.8 L jug of the 1200 W blender ships as ordered.") == []


@pytest.mark.parametrize(
    ("language", "text", "match"),
    [
        ("de", "Wir haben Ihnen den Betrag bereits erstattet.", "erstattet"),
        ("de", "Sie erhalten das Paket bis zum 9. Dezember.", "9. Dezember"),
        ("fr", "Nous vous avons remboursé hier.", "remboursé"),
        ("fr", "Vous recevrez le colis le 9 décembre.", "9 décembre"),
        ("es", "Le enviaremos una etiqueta de devolución.", "etiqueta de devolución"),
        ("es", "Le abonaremos 20 euros.", "abonaremos"),
        ("it", "Le abbiamo spedito un articolo in sostituzione.", "sostituzione"),
        ("it", "Riceverà un rimborso di 15,99 €.", "rimborso"),
        ("ja", "本日中に返金いたしました。", "返金"),
        ("ja", "12月9日までにお届けします。", "12月9日"),
    ],
)
def test_six_languages(language: str, text: str, match: str) -> None:
    assert match in flagged(text, language=language)


def test_an_amount_in_words_and_a_different_amount_are_flagged() -> None:
    assert flagged("We will refund twenty dollars.", "Refunds of $20 are possible.") == []
    assert flagged("We will refund thirty dollars.", "Refunds of $20 are possible.") == [
        "thirty dollars"
    ]


def test_lower_case_text_reads_as_ignoring_case_does_outside_case_apart() -> None:
    """The case-blind patterns search lower-cased text (commitments._lowered): on every code
    point outside CASE_APART, lowering keeps the length, and a character is matched by a letter
    of the patterns, or by their classes, exactly as re.IGNORECASE matches it."""
    points = (chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    chars = [c for c in points if not commitments.CASE_APART.match(c)]
    everything = "".join(chars)
    assert all(len(c.lower()) == 1 for c in chars)
    lowered = everything.lower()
    sources = [commitments._MONEY.low.pattern, commitments._CURRENCY_AFTER.low.pattern]
    for language in ("en", "de", "fr", "es", "it", "ja"):
        found = commitments._date_patterns(language)
        sources += [found.day_month.low.pattern, found.month_day.low.pattern]
        sources += [found.short.low.pattern, found.weekday.low.pattern if found.weekday else ""]
    # The literal letters: group names, escapes and the Latin class (checked below) set aside.
    bare = [s.replace(commitments._LATIN, "") for s in sources]
    literal = [re.sub(r"\(\?P<\w+>|\\[A-Za-z]", "", s) for s in bare]
    letters = {ch for source in literal for ch in source if ch.isalpha()}
    assert letters and all(ch == ch.lower() for ch in letters)  # the sources are lower case
    for letter in letters:
        ignoring = set(re.findall(re.escape(letter), everything, re.IGNORECASE))
        assert ignoring == {c for c, low in zip(chars, lowered, strict=True) if low == letter}
    for cls in (f"[{commitments._LATIN}$.,]", r"\w"):
        where = [m.start() for m in re.finditer(cls, everything, re.IGNORECASE)]
        assert where == [m.start() for m in re.finditer(cls, lowered)], cls
