"""A sentence that a removal left unreadable is removed whole; one that still reads keeps what
is left (tests of guardrails/fluency.py and its use in guardrails/resolve.py)."""

from __future__ import annotations

import pytest

from guardrails.fluency import broken, cut_from_its_verb, japanese_clause
from tests.guardrails.support import OID, run

ORDER = f"Order {OID}."


@pytest.mark.parametrize(
    "sentence",
    [
        "If anything is wrong, call us or email.",
        "For faster help, email me.",
        "Per assistenza: (oppure).",
        "Write to us at .",
        "Details: ,.",
        "Schreiben Sie uns oder.",
        "Contact us by email or call.",
    ],
)
def test_broken_sentences(sentence: str) -> None:
    assert broken(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Wenn Sie Fragen haben, rufen Sie uns an.",
        "Please log in.",
        "Turn the kettle on.",
        "We reply within a day.",
        "Thank you for your email.",
        "The screws have been sent by first-class mail.",
        "Thank you for your recent email.",
        "荷物は本日発送いたしました。",
        "",
    ],
)
def test_sentences_that_read(sentence: str) -> None:
    assert broken(sentence) is None


def test_a_sentence_cut_around_its_contact_details_goes_whole() -> None:
    text = (
        f"{ORDER} It ships today. If anything is wrong, call us at +1 415 555 0132 or email "
        "help@shop-example.com."
    )
    report = run(text)
    assert report.text == f"{ORDER} It ships today."
    details = [f for f in report.findings if f.rule != "off_platform"]
    assert details and all("did not read without it" in f.message for f in details)
    # "call us … or email" asked the buyer to get in touch outside Amazon.
    assert [f.rule for f in report.findings if f not in details] == ["off_platform"]


def test_a_japanese_sentence_whose_particle_lost_its_address_goes_whole() -> None:
    text = (
        f"注文番号：{OID}\n\n商品の傷について申し訳ございません。"
        "恐れ入りますが、傷の写真を info@shop-example.com までお送りください。"
    )
    report = run(text, marketplace="amazon.co.jp", language="ja")
    assert "まで" not in report.text and "申し訳ございません。" in report.text


def test_a_sentence_that_still_reads_keeps_the_rest() -> None:
    text = (
        f"{ORDER} We checked the photos you sent from help@shop-example.com and will ship a new "
        "lid today."
    )
    report = run(text)
    assert "will ship a new lid today" in report.text
    assert [f.rule for f in report.findings] == ["email_address"]  # it asks nothing of the buyer


def test_a_sentence_that_still_asks_to_write_goes_whole() -> None:
    text = f"{ORDER} It ships today. Send the photos to help@shop-example.com and we will check."
    report = run(text)
    assert report.text == f"{ORDER} It ships today."
    assert [f.rule for f in report.findings] == ["off_platform", "email_address"]


@pytest.mark.parametrize(
    ("before", "after", "cut"),
    [
        ("Our hotline is ", " daily.", True),
        ("The guide is on ", ", page 4.", True),
        ("Unsere Nummer lautet ", ", wir sind werktags da.", True),
        ("Le manuel est sur ", " en version PDF.", False),  # a place: "est … en version" reads
        ("The old manual is at ", " in our archive.", False),
        ("Please call us at ", " today.", False),  # no copula: the end-of-sentence test's job
        ("傷の写真を ", "までお送りください。", True),  # the particle lost what it pointed at
        ("領収書につきましては、", "までお知らせください。", True),
        ("", "宛にご連絡ください。", True),
        ("金曜日", "までにお知らせください。", False),  # a date, not a removed address
    ],
)
def test_a_copula_whose_complement_was_removed(before: str, after: str, cut: bool) -> None:
    assert cut_from_its_verb(before, after) is cut


@pytest.mark.parametrize(
    ("sentence", "removed", "left"),
    [
        # The clauses before end as a sentence ends: only the last one goes.
        ("今しばらくお待ちください、ご不明な点は[X]まで。", "[X]", "今しばらくお待ちください。"),
        # A cushion or a reason left hanging: the sentence goes whole.
        ("恐れ入りますが、写真を[X]までお送りください。", "[X]", None),
        ("発送いたしましたので、ご不明な点は[X]まで。", "[X]", None),
        # A clause follows the one that lost its address: whole.
        ("お待ちください、[X]まで、ご連絡ください。", "[X]", None),
        ("[X]までご連絡ください。", "[X]", None),  # one clause
    ],
)
def test_a_japanese_sentence_loses_only_its_last_clause_when_the_rest_stands(
    sentence: str, removed: str, left: str | None
) -> None:
    start = sentence.index(removed)
    clause = japanese_clause(sentence, start, start + len(removed))
    if left is None:
        assert clause is None
    else:
        assert clause is not None
        assert sentence[: clause[0]] + sentence[clause[1] :] == left
