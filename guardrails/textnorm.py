"""Text folding and character classes: the one definition of each, shared by every rule.

Phrases are matched on NFKC + casefold, so "ＣＯＵＰＯＮ" and "Coupon" both hit "coupon". Folding
can change lengths ("ﬁ" -> "fi", "ß" -> "ss"), so :func:`fold` keeps, for every folded
character, the index of the original character it came from. Stars (★ ☆ ⭐ 🌟) fold to the word
"star", so "★★★★★" and "5 stars" meet the same phrases. The phrase syntax itself is in
:mod:`guardrails.phrase_syntax`, the matching in :mod:`guardrails.phrase_engine`.

The CJK ranges are named blocks, defined once here; each rule's class is built from them and
says which blocks it means (they differ on purpose: a URL ends at full-width punctuation, a
Japanese word start does not include it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# --- Unicode blocks (regex class fragments) ---------------------------------------------------
#: CJK Symbols and Punctuation: the ideographic space, 、。「」〇.
CJK_PUNCTUATION = "\u3000-\u303f"
#: Hiragana and Katakana blocks (with the long-vowel mark ー and the middle dot ・).
KANA = "\u3040-\u30ff"
#: Katakana letters and the long-vowel mark: one katakana word, for phrase heads.
KATAKANA_LETTERS = "\u30a1-\u30fa\u30fc"
#: CJK Unified Ideographs (the kanji of everyday Japanese and Chinese).
HAN_UNIFIED = "\u4e00-\u9fff"
#: CJK Unified Ideographs Extension A (rarer kanji).
HAN_EXTENSION_A = "\u3400-\u4dbf"
#: Katakana Phonetic Extensions (small ㇰ, ㇱ … of Ainu).
KATAKANA_EXTENSIONS = "\u31f0-\u31ff"
#: Hangul syllables (Korean).
HANGUL = "\uac00-\ud7af"
#: Half-width katakana (ｶﾀｶﾅ), as old Japanese systems still send it.
HALFWIDTH_KATAKANA = "\uff66-\uff9f"
#: Every block from Hiragana to the Unified Ideographs, with what lies between (bopomofo, the
#: enclosed ㈱, CJK compatibility): "is there CJK script in this text at all?"
CJK_SPAN = "\u3040-\u9fff"
#: Extension A, the Yijing hexagrams and the Unified Ideographs in one range.
HAN = "\u3400-\u9fff"
#: CJK Compatibility Ideographs (﨑 and other name kanji).
HAN_COMPATIBILITY = "\uf900-\ufaff"
#: Halfwidth and Fullwidth Forms: ＡＢＣ, １２３, ＠, ｶﾀｶﾅ.
FULLWIDTH = "\uff00-\uffef"

# --- Classes built from them ------------------------------------------------------------------
#: Characters that glue to a link, address or number when adjacent: digits and Latin, Greek
#: and Cyrillic letters. Not ``\w``: Japanese and Chinese write "…はinfo@shop.jpまで" with no
#: space, and a Unicode ``\w`` boundary would hide the address (or swallow the sentence).
GLUE = r"0-9A-Za-z\u00c0-\u024f\u0370-\u052f_"
#: GLUE as one class per block (cheaper for ``re`` to compile; the same characters).
GLUE_BLOCKS = ("0-9A-Za-z_", r"\u00c0-\u024f", r"\u0370-\u052f")
#: CJK characters and full-width forms: they end a URL that has no space after it.
CJK = CJK_PUNCTUATION + KANA + HAN_UNIFIED + FULLWIDTH
#: Kana and kanji: each one is a word of its own for phrase matching (Japanese has no spaces).
CJK_WORD = KANA + HAN + HAN_COMPATIBILITY
# The same blocks as (first, last) pairs, for tests on one character at a time.
_CJK_WORD_RANGES = tuple((block[0], block[-1]) for block in (KANA, HAN, HAN_COMPATIBILITY))


@lru_cache(maxsize=64)  # several rules ask about the same text
def narrow(text: str) -> bool:
    """Is every character of ``text`` below U+0100 (ASCII and Latin-1)? The encoder answers at
    memory speed, which lets the rules whose characters all lie above (full-width forms, emoji,
    zero-width characters, look-alike letters) skip most European drafts unread."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def inner_word_char(char: str) -> bool:
    """``re``'s ``[^\\W{CJK_WORD}]`` for one character, without a regex call: a word character
    (letter, digit, ``_``) that is no kana or kanji. A word starts where the character before is
    none (tests/guardrails/test_textnorm.py checks every code point against the regex)."""
    if not (char.isalnum() or char == "_"):
        return False
    if char < _CJK_WORD_RANGES[0][0]:  # Latin, Greek, Cyrillic, …: the common case, at once
        return True
    return not any(low <= char <= high for low, high in _CJK_WORD_RANGES)


@dataclass(frozen=True, slots=True)
class Folded:
    text: str
    source: tuple[int, ...] | None  # None: folding kept every length (one char per char)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of ``self.text[start:end]``."""
        if self.source is None:
            return start, end
        return self.source[start], self.source[end - 1] + 1


_STARS = frozenset("★☆⭐🌟")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in _STARS:
        return " star "
    return unicodedata.normalize("NFKC", char).casefold()


# Characters whose NFKC + casefold is exactly one character that ``str.casefold`` produces on
# its own: ASCII, most Latin letters, kana and kanji. Runs of them fold in C; only the rest
# (full-width forms, ß, the ligatures Ĳ and Ŀ, emoji, combining marks, …) go through the
# per-character path.
_SIMPLE = (
    "\x00-\x7f\u00c0-\u00de\u00e0-\u00ff\u0100-\u012f\u0131\u0134-\u013e\u0141-\u0148\u014a-\u017e"
    "\u3001-\u302f\u3041-\u3096\u309d\u309e\u30a1-\u30fe" + HAN_UNIFIED
)
_COMPLEX = re.compile(f"[^{_SIMPLE}]+")


@lru_cache(maxsize=64)
def fold(text: str) -> Folded:
    """NFKC + casefold ``text``; cached because several detectors fold the same text."""
    if text.isascii():
        return Folded(text.lower(), None)
    runs = [(m.start(), m.end()) for m in _COMPLEX.finditer(text)]
    if not runs:
        return Folded(text.casefold(), None)
    chars: list[str] = []
    pos = 0
    same_length = True
    for start, end in runs:
        chars.append(text[pos:start].casefold())
        for char in text[start:end]:
            folded = _fold_char(char)
            chars.append(folded)
            same_length = same_length and len(folded) == 1
        pos = end
    chars.append(text[pos:].casefold())
    if same_length:  # typographic quotes, dashes, full-width letters: offsets are unchanged
        return Folded("".join(chars), None)
    return Folded("".join(chars), _source(text, runs))


def _source(text: str, runs: list[tuple[int, int]]) -> tuple[int, ...]:
    """For every folded character, the index of the original character it came from."""
    source: list[int] = []
    pos = 0
    for start, end in runs:
        source.extend(range(pos, start))
        for index in range(start, end):
            source.extend([index] * len(_fold_char(text[index])))
        pos = end
    source.extend(range(pos, len(text)))
    return tuple(source)


def normalize(text: str) -> str:
    """NFKC + casefold of a whole text, for comparing and indexing where no offsets lead back
    to the original: combining marks compose with their letter ("e" + U+0301 is "é")."""
    return unicodedata.normalize("NFKC", text).casefold()


def fold_str(text: str) -> str:
    """NFKC + casefold, character by character (the offsets of :func:`fold` need that)."""
    return "".join(_fold_char(c) for c in text) if not text.isascii() else text.lower()
