"""Case- and width-insensitive phrase matching that still reports offsets in the original text.

Phrases are matched on NFKC + casefold, so "ＣＯＵＰＯＮ" and "Coupon" both hit "coupon". Folding
can change lengths ("ﬁ" -> "fi", "ß" -> "ss"), so :func:`fold` keeps, for every folded
character, the index of the original character it came from.

Phrase syntax in the lexicon files (kept tiny so ops can write it):
- words separated by a space match any run of whitespace (line breaks included);
- ``#`` matches a number (``10``, ``12.5``, ``12,5``); ``#%`` also allows "10 %";
- a trailing ``*`` on a word matches any word ending (``coupon*`` -> coupons);
- a lone ``~`` matches a short gap inside one sentence (up to 40 characters), so
  "leave ~ review*" covers "leave us a quick review" and "leave an honest review";
- a phrase matches whole words only: "sale" never hits "wholesale".

Stars (★ ☆ ⭐ 🌟) fold to the word "star", so "★★★★★" and "5 stars" meet the same phrases.
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


_STARS = frozenset("★☆⭐🌟")
_GAP = r"[^.!?。！？\n]{0,40}?"


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in _STARS:
        return " star "
    return unicodedata.normalize("NFKC", char).casefold()


# Characters whose NFKC + casefold is exactly one character that ``str.casefold`` produces on
# its own: ASCII, most Latin letters, kana and kanji. Runs of them fold in C; only the rest
# (full-width forms, ß, emoji, combining marks, …) go through the per-character path.
_SIMPLE = (
    "\x00-\x7f\u00c0-\u00de\u00e0-\u00ff\u0100-\u012f\u0131-\u0148\u014a-\u017e"
    "\u3001-\u302f\u3041-\u3096\u309d\u309e\u30a1-\u30fe\u4e00-\u9fff"
)
_COMPLEX = re.compile(f"[^{_SIMPLE}]+")


@lru_cache(maxsize=64)
def fold(text: str) -> Folded:
    """NFKC + casefold ``text``; cached because several detectors fold the same text."""
    if text.isascii():
        return Folded(text.lower(), None)
    if not _COMPLEX.search(text):
        return Folded(text.casefold(), None)
    chars: list[str] = []
    source: list[int] = []
    pos = 0
    for run in _COMPLEX.finditer(text):
        chars.append(text[pos : run.start()].casefold())
        source.extend(range(pos, run.start()))
        for index in range(run.start(), run.end()):
            folded = _fold_char(text[index])
            chars.append(folded)
            source.extend([index] * len(folded))
        pos = run.end()
    chars.append(text[pos:].casefold())
    source.extend(range(pos, len(text)))
    return Folded("".join(chars), tuple(source))


def fold_str(text: str) -> str:
    return "".join(_fold_char(c) for c in text) if not text.isascii() else text.lower()


def _token(token: str) -> str:
    star = len(token) > 1 and token.endswith("*")
    core = token[:-1] if star else token
    pieces = core.split("#")
    rx = _NUMBER.join(re.escape(piece) for piece in pieces)
    rx = rx.replace(_NUMBER + "%", _NUMBER + r"\s?%")
    return rx + (r"\w*" if star else "")


_KATAKANA = "\u30a1-\u30fa\u30fc"


def _wordish(char: str) -> bool:
    return char.isalnum() or char in "#_"


def _glued(char: str) -> bool:
    return char == "#" or re.match(f"[{GLUE}]", char) is not None


def phrase_regex(phrase: str) -> str:
    """The regex source for one lexicon phrase, to be matched against folded text."""
    tokens = fold_str(phrase).split()
    if tokens[0] == "~" or tokens[-1] == "~":
        raise ValueError(f"phrase {phrase!r}: a gap ~ must stand between two words")
    out: list[str] = []
    for index, token in enumerate(tokens):
        if token == "~":
            out.append(_GAP)
            continue
        if index and tokens[index - 1] != "~":
            prev = tokens[index - 1].rstrip("*")
            both = _wordish(prev[-1]) and _wordish(token[0])
            out.append(r"\s+" if both else r"\s*")
        elif index and _glued(token[0]):
            out.append(f"(?<![{GLUE}])")  # the gap ends at a word start, never mid-word
        out.append(_token(token))
    # Word boundaries only for scripts written with spaces: a Japanese phrase sits inside a run
    # of kana and kanji, and "couponを" must still hit "coupon".
    head = f"(?<![{GLUE}])" if _glued(tokens[0][0]) else ""
    if re.match(f"[{_KATAKANA}]", tokens[0][0]):
        # A katakana word glued to more katakana is another word: プレビュー is not レビュー.
        head = f"(?<![{_KATAKANA}])"
    last = tokens[-1]
    tail = f"(?![{GLUE}])" if _glued(last[-1]) and not last.endswith("*") else ""
    return head + "".join(out) + tail


def _longest_first(phrases: Iterable[str]) -> list[str]:
    by_length = {phrase_regex(p): len(fold_str(p)) for p in phrases}
    return sorted(by_length, key=lambda rx: (-by_length[rx], rx))


def alternation(phrases: Iterable[str]) -> str:
    """One non-capturing group of all phrases, longest first so the longest phrase wins."""
    ordered = _longest_first(phrases)
    return "(?:" + "|".join(ordered) + ")" if ordered else "(?!)"


# Phrases that open with a number ("#% off", "# stars", "# €") start with this in their regex.
_NUMBER_HEAD = f"(?<![{GLUE}])" + _NUMBER


def _number_bucket(cats: Mapping[str, Iterable[str]]) -> tuple[str, dict[str, str]]:
    """The regex of the phrases that open with a number, the number read once.

    Every number in a text is a word start to try; as a flat alternation each phrase re-read the
    digits (a third of all matching time in a 2 KB reply full of order IDs and prices). Group
    names carry a suffix (a category can be on both sides); the map gives the category back.
    """
    factored: list[str] = []
    plain: list[str] = []
    names: dict[str, str] = {}
    for index, (category, items) in enumerate(cats.items()):
        ordered = _longest_first(items)
        rests = [rx[len(_NUMBER_HEAD) :] for rx in ordered if rx.startswith(_NUMBER_HEAD)]
        others = [rx for rx in ordered if not rx.startswith(_NUMBER_HEAD)]
        for kind, group, into in (("n", rests, factored), ("p", others, plain)):
            if group:
                name = f"c{index}{kind}"
                names[name] = category
                into.append(f"(?P<{name}>" + "|".join(group) + ")")
    head = [_NUMBER_HEAD + "(?:" + "|".join(factored) + ")"] if factored else []
    return "|".join(head + plain), names


# Every kana or kanji is a word start of its own: Japanese has no spaces to anchor on.
_CJK_WORD = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK_WORD}]|[^\W{_CJK_WORD}]+")


def _key(word: str) -> str:
    return "#" if word[0].isdigit() else word[:3]


class _Node(dict[str, "_Node"]):
    pass


def _trie(words: Iterable[str]) -> str:
    """A prefix-factored alternation: ``re`` tries alternatives one by one, so 600 keys as a
    flat list cost 600 tries per word and as a trie a few dozen."""
    tree = _Node()
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, _Node())
        node[""] = _Node()

    def emit(node: _Node) -> str:
        branches = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if "" in node:
            branches.append("")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return emit(tree)


def starts_pattern(keys: Iterable[str]) -> re.Pattern[str]:
    """Word starts whose key (see :func:`_key`) has phrases: a C-speed scan in place of a
    Python loop over every word. A key shorter than three characters is a whole word."""
    whole: list[str] = []
    prefixes: list[str] = []
    cjk: list[str] = []
    for key in keys:
        if key == "#":
            continue
        if len(key) == 1 and re.match(f"[{_CJK_WORD}]", key):
            cjk.append(re.escape(key))
        else:
            (prefixes if len(key) >= 3 else whole).append(key)
    alternatives = [_trie(prefixes)] if prefixes else []
    if whole:
        alternatives.append(_trie(whole) + f"(?![^\\W{_CJK_WORD}])")
    if "#" in keys:
        alternatives.append("\\d")
    parts = [f"(?<![^\\W{_CJK_WORD}])(?:{'|'.join(alternatives) or '(?!)'})"]
    if cjk:
        parts.append(f"[{''.join(cjk)}]")
    return re.compile("|".join(parts))


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
            if key != "#"
        }
        self._names: dict[str, str] = {}
        if "#" in buckets:
            source, self._names = _number_bucket(buckets["#"])
            self._patterns["#"] = re.compile(source)
        self._starts = starts_pattern(self._patterns)

    def finditer(
        self, folded: str, starts: Iterable[tuple[int, str]] | None = None
    ) -> Iterator[tuple[int, int, str]]:
        """``(start, end, category)`` of non-overlapping hits, left to right. ``starts`` are
        word starts and keys from :func:`word_starts` with keys covering this matcher's: one
        scan of the text then serves every matcher."""
        last = 0
        patterns = self._patterns
        if starts is None:
            starts = word_starts(folded, self._starts)
        for at, key in starts:
            if at < last:
                continue
            pattern = patterns.get(key)
            hit = pattern.match(folded, at) if pattern is not None else None
            if hit is not None and hit.lastgroup:
                last = hit.end()
                yield at, hit.end(), self._names.get(hit.lastgroup, hit.lastgroup)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self._patterns)


def word_starts(folded: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """``(offset, key)`` of every word start in ``folded`` that ``pattern`` (see
    :func:`starts_pattern`) knows."""
    hits = pattern.finditer(folded)
    return [(m.start(), "#" if m.group().isdigit() else m.group()) for m in hits]
