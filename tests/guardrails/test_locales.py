"""One locale parser for the whole product."""

from __future__ import annotations

import pytest

from guardrails.locales import language_of


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("de", "de"),
        ("de-DE", "de"),
        ("de_DE", "de"),
        ("DE", "de"),
        (" ja-JP ", "ja"),
        ("fil", "fil"),
    ],
)
def test_the_language_of_a_locale(locale: str, language: str) -> None:
    assert language_of(locale) == language


@pytest.mark.parametrize("bad", ["", "d", "deutsch", "de-", "12", "de DE"])
def test_what_is_no_locale_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a code"):
        language_of(bad)
