"""Case- and width-insensitive phrase matching that still reports offsets in the original text.

Phrases are matched on NFKC + casefold, so "ＣＯＵＰＯＮ" and "Coupon" both hit "coupon". Folding
can change lengths ("ﬁ" -> "fi", "ß" -> "ss"), so :func:`fold` keeps, for every folded
character, the index of the original character it came from.

Phrase syntax in the lexicon files (kept tiny so ops can write it):
- words separated by a space match any run of whitespace (line breaks included);
- ``#`` matches a number (``10``, ``12.5``, ``12,5``); ``#%`` also allows "10 %";
- a trailing ``*`` on a word matches any word ending (``coupon*`` -> coupons);
- a phrase matches whole words only: "sale" never hits "wholesale".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

_NUMBER = r"\d+(?:[.,]\d+)?"

#: Characters that glue to a link, address or number when adjacent: digits and Latin, Greek
#: and Cyrillic letters. Not ``\w``: Japanese and Chinese write "…はinfo@shop.jpまで" with no
#: space, and a Unicode ``\w`` boundary would hide the address (or swallow the sentence).
GLUE = r"0-9A-Za-z\u00c0-\u024f\u0370-\u052f_"
#: CJK characters and full-width forms: they end a URL that has no space after it.
CJK = r"\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef"


@dataclass(frozen=True, slots=True)
class Folded:
    text: str
    source: tuple[int, ...] | None  # None: same length as the original (the ASCII fast path)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of ``self.text[start:end]``."""
        if self.source is None:
            return start, end
        return self.source[start], self.source[end - 1] + 1


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return unicodedata.normalize("NFKC", char).casefold()


@lru_cache(maxsize=64)
def fold(text: str) -> Folded:
    """NFKC + casefold ``text``; cached because several detectors fold the same text."""
    if text.isascii():
        return Folded(text.lower(), None)
    chars: list[str] = []
    source: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        chars.append(folded)
        source.extend([index] * len(folded))
    return Folded("".join(chars), tuple(source))


def fold_str(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _token(token: str) -> str:
    star = len(token) > 1 and token.endswith("*")
    core = token[:-1] if star else token
    pieces = core.split("#")
    rx = _NUMBER.join(re.escape(piece) for piece in pieces)
    rx = rx.replace(_NUMBER + "%", _NUMBER + r"\s?%")
    return rx + (r"\w*" if star else "")


def _wordish(char: str) -> bool:
    return char.isalnum() or char in "#_"


def phrase_regex(phrase: str) -> str:
    """The regex source for one lexicon phrase, to be matched against folded text."""
    tokens = fold_str(phrase).split()
    out: list[str] = []
    for index, token in enumerate(tokens):
        if index:
            prev = tokens[index - 1].rstrip("*")
            both = _wordish(prev[-1]) and _wordish(token[0])
            out.append(r"\s+" if both else r"\s*")
        out.append(_token(token))
    head = r"(?<!\w)" if _wordish(tokens[0][0]) else ""
    last = tokens[-1]
    tail = r"(?!\w)" if _wordish(last[-1]) and not last.endswith("*") else ""
    return head + "".join(out) + tail


def alternation(phrases: Iterable[str]) -> str:
    """One non-capturing group of all phrases, longest first so the longest phrase wins."""
    ordered = sorted({phrase_regex(p) for p in phrases}, key=lambda rx: (-len(rx), rx))
    return "(?:" + "|".join(ordered) + ")" if ordered else "(?!)"


_WORD = re.compile(r"\w+")


def _key(word: str) -> str:
    return "#" if word[0].isdigit() else word[:3]


class PhraseMatcher:
    """Finds lexicon phrases in folded text, reporting each hit's category.

    One alternation of a few hundred phrases, each with a look-behind, makes ``re`` try every
    phrase at every character (about 2 ms per reply). Instead the phrases are bucketed by the
    first three characters of their first word, and only the bucket of each word in the text is
    tried, anchored at that word (about 0.1 ms).
    """

    def __init__(self, categories: Mapping[str, Iterable[str]]) -> None:
        buckets: dict[str, dict[str, list[str]]] = {}
        for category, items in categories.items():
            for phrase in items:
                first = _WORD.search(fold_str(phrase).replace("#", "0"))
                if first is None:
                    raise ValueError(f"phrase {phrase!r} must start with a word or a number")
                key = _key(first.group())
                buckets.setdefault(key, {}).setdefault(category, []).append(phrase)
        self._patterns = {
            key: re.compile(
                "|".join(f"(?P<{cat}>{alternation(items)})" for cat, items in cats.items())
            )
            for key, cats in buckets.items()
        }

    def finditer(self, folded: str) -> Iterator[tuple[int, int, str]]:
        """``(start, end, category)`` of non-overlapping hits, left to right."""
        last = 0
        for word in _WORD.finditer(folded):
            if word.start() < last:
                continue
            pattern = self._patterns.get(_key(word.group()))
            hit = pattern.match(folded, word.start()) if pattern else None
            if hit is not None and hit.lastgroup:
                last = hit.end()
                yield hit.start(), hit.end(), hit.lastgroup
