"""Sentence segmentation and the seam cleanup that every removal relies on."""

from __future__ import annotations

import pytest

from guardrails.sentences import LABEL_SEAM as L
from guardrails.sentences import SEAM as S
from guardrails.sentences import around, bounds, content_words, removal_range, tidy


def sentences_of(text: str) -> list[str]:
    return [text[s:e] for s, e in bounds(text)]


def test_segmentation_respects_lines_abbreviations_and_decimals() -> None:
    text = (
        "Hello Jane,\n\nThe 3.5 mm part, e.g. the spare, fits. Dr. Smith agrees! Really?\n"
        "- Bullet one. Z.B. dies hier\nAnna | Support"
    )
    assert sentences_of(text) == [
        "Hello Jane,",
        "The 3.5 mm part, e.g. the spare, fits.",
        "Dr. Smith agrees!",
        "Really?",
        "- Bullet one.",
        "Z.B. dies hier",
        "Anna |",
        "Support",
    ]


def test_japanese_sentences_end_without_spaces() -> None:
    assert sentences_of("ありがとうございます。返金しました。") == [
        "ありがとうございます。",
        "返金しました。",
    ]


def test_removal_of_a_whole_bullet_line_takes_the_bullet() -> None:
    text = "- Use code X\n- Refund issued"
    assert removal_range(text, 2, 12) == (0, 12)
    assert removal_range("- Use code X. Refund issued", 2, 13) == (2, 13)


@pytest.mark.parametrize(
    ("marked", "tidied"),
    [
        (f"Call us at {L} today.", "Call us today."),
        (f"Email us at {L}.", "Email us."),
        (f"Tel.: {L}\nBest", "Best"),
        (f"Write to {L} or {L}, thanks.", "Write, thanks."),
        (f"Hello,\n\n{S}\n\nBest", "Hello,\n\nBest"),
        (f"Hello,\n\n{S}\nBest", "Hello,\n\nBest"),
        (f"line one\n{S}\nline two", "line one\nline two"),
        (f"Thanks {S}!", "Thanks!"),
        (f"a, {S}, b", "a, b"),
        (f"text ({L}) more", "text more"),
        (f'he said "{S}" twice', "he said twice"),
        (f"{S} Hello", "Hello"),
        (f"Hello {S}", "Hello"),
        (f"Hello\n{S}\n", "Hello\n"),
        (f"We {S} care", "We care"),
        (f"We{S}care", "Wecare"),
        (f"Anna | {L} | {L}", "Anna"),
        (f"Hi. {S}. Bye", "Hi. Bye"),
        (f"  indented\n{S}\n  kept", "  indented\n  kept"),
    ],
)
def test_tidy_closes_seams(marked: str, tidied: str) -> None:
    assert tidy(marked) == tidied


def test_tidy_leaves_text_without_seams_alone() -> None:
    text = "Odd  spacing , kept ( ) as is\n\n\n"
    assert tidy(text) == text


def test_labels_are_only_dropped_next_to_a_seam() -> None:
    assert tidy(f"Tel.: 030 123 and at {S} home") == "Tel.: 030 123 and at home"


def test_content_words_ignore_labels_and_short_numbers() -> None:
    assert content_words("Tel.: (Mon-Fri 9:00-17:00)") == 2
    assert content_words("Please call us at") == 3
    assert content_words("Order 114-3941689-8772232 (see)") == 4


def test_around_is_the_sentences_a_span_touches() -> None:
    text = "We refunded you. The coupon was applied at checkout. Thanks!"
    at = text.index("coupon")
    assert around(text, at, at + 6) == "The coupon was applied at checkout."
    assert (
        around(text, 3, text.index("coupon"))
        == "We refunded you. The coupon was applied at checkout."
    )
