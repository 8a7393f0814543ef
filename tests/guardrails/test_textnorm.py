"""Folding and the character classes defined once in guardrails.textnorm."""

from __future__ import annotations

import re
import unicodedata

from guardrails.textnorm import CJK_WORD, fold, inner_word_char


def test_inner_word_char_is_the_regex_class_for_every_code_point() -> None:
    pattern = re.compile(rf"[^\W{CJK_WORD}]")
    for point in range(0x110000):
        char = chr(point)
        assert inner_word_char(char) == (pattern.match(char) is not None), hex(point)


def test_fold_is_nfkc_casefold_per_character_with_offsets() -> None:
    text = "Größe „ＣＯＵＰＯＮ“ – ﬁnal ★★ İstanbul ǰ ｶﾞ e\u0301 ’quoted’"
    folded = fold(text)
    expected = "".join(
        " star " if c in "★" else unicodedata.normalize("NFKC", c).casefold() for c in text
    )
    assert folded.text == expected
    for start in range(len(folded.text)):
        for end in range(start + 1, min(len(folded.text), start + 4) + 1):
            s, e = folded.span(start, end)
            assert 0 <= s < e <= len(text)
            assert folded.text[start:end] in fold(text[s:e]).text


def test_fold_keeps_no_offset_map_when_lengths_do_not_change() -> None:
    assert fold("„Zitat“ – ＡＢＣ").source is None
    assert fold("Straße").source is not None


def test_glue_blocks_hold_the_glue_characters() -> None:
    from guardrails.textnorm import GLUE, GLUE_BLOCKS

    whole = re.compile(f"[{GLUE}]")
    parts = re.compile("|".join(f"[{block}]" for block in GLUE_BLOCKS))
    for point in range(0x10000):
        char = chr(point)
        assert bool(whole.match(char)) == bool(parts.match(char)), hex(point)


def test_the_characters_folded_in_runs_fold_as_one_by_one() -> None:
    """Every character the fast path folds with ``str.casefold`` folds so by NFKC + casefold
    too (the ligatures Ĳ and Ŀ, which NFKC spells out, take the slow path)."""
    from guardrails.textnorm import _SIMPLE, _fold_char

    simple = re.compile(f"[{_SIMPLE}]")
    wrong = [
        hex(code)
        for code in range(0x30000)
        if not 0xD800 <= code < 0xE000
        and simple.match(chr(code))
        and _fold_char(chr(code)) != chr(code).casefold()
    ]
    assert wrong == []
    assert fold("Ĳssel «Straße»").text == "ijssel «strasse»"
