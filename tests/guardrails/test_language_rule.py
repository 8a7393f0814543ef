"""The language rule's quick verdict: function words counted as whole words only."""

from __future__ import annotations

import pytest

from guardrails.language_rule import _obvious

ENGLISH = (
    "Thank you for your message. We are sorry that the kettle arrived late and we have "
    "checked the tracking with the carrier for you."
)


def test_plain_english_is_obvious_english() -> None:
    assert _obvious(ENGLISH, "en")
    assert not _obvious(ENGLISH, "de")


def test_function_words_inside_longer_words_do_not_count() -> None:
    # "the" in "theme", "other"; "and" in "handle"; "you" in "youth", "in" in "thinking":
    # a dozen hits inside words and not one whole function word.
    inside = "Theme other handle youth thinking breathe lather sandy bandwidth withered ourselves"
    assert not _obvious(inside, "en")


def test_words_next_to_digits_and_underscores_are_whole_words() -> None:
    # A digit or "_" is no letter: "the" in "the2" or "_the_" is a word of its own.
    assert _obvious(" ".join(["the2", "_and_", "you9", "we_"] * 3), "en")


@pytest.mark.parametrize("language", ["de", "fr", "es", "it"])
def test_an_english_text_is_not_obvious_for_another_language(language: str) -> None:
    assert not _obvious(ENGLISH, language)


def test_japanese_is_judged_by_its_kana() -> None:
    assert _obvious("ご注文いただきありがとうございます。商品は明日お届けいたします。", "ja")
    assert not _obvious("ご注文ありがとう", "ja")
