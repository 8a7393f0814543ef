"""Sentence segmentation, sentence removal ranges, and the cleanup after removals.

Segmentation is deliberately simple and line-bound: a line break always ends a sentence (greeting
lines, bullets and signatures are lines), and inside a line a sentence ends at ``. ! ? …`` (or
``。！？``) followed by a space, unless the word is a known abbreviation ("e.g.", "z.B.") or the
next word starts in lower case. A spaced ``|`` or ``·`` also ends one, so a signature such as
"Anna | Tel: …" splits into parts.

Cleanup works on *seams*: the pipeline leaves a private-use marker wherever it removed text
(:data:`SEAM`, or :data:`LABEL_SEAM` after a link, address or number). Every cleanup pattern is
anchored on a marker, so text away from a fix is never touched: clean input stays byte-identical
and fixed input changes only where a finding says so.
"""

from __future__ import annotations

import bisect
import re
from functools import cache, lru_cache

from guardrails import phrases
from guardrails.textnorm import CJK_WORD

SEAM = "\ue000"
LABEL_SEAM = "\ue001"
_X = f"[{SEAM}{LABEL_SEAM}]"
_L = LABEL_SEAM

_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|$)|[。！？]+[」』）)]*|[ \t][|·•](?=[ \t])")
_ABBREVIATIONS = frozenset(p.casefold() for p in phrases.everywhere("sentences", "abbreviations"))
_BULLET = re.compile(r"[ \t]*(?:[-*•·–]|\d{1,2}[.)])?[ \t]*")


def _is_end(text: str, match: re.Match[str]) -> bool:
    mark = match.group()
    if mark.rstrip("\"'”’»)]") != ".":
        return True
    word_start = max(text.rfind(" ", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
    word = text[word_start : match.start() + 1].lstrip("([\"'“„«").casefold()
    if word in _ABBREVIATIONS or (len(word) == 2 and word[0].isalpha()):
        return False  # "z.B.", "J. Smith"
    rest = text[match.end() : match.end() + 3].lstrip(" \t")
    return not (rest[:1].isalpha() and rest[:1].islower())


# HTML line breaks and paragraphs end lines as much as "\n" does (the formatting rule turns
# them into "\n"), so sentences must not run across them.
_HARD_BREAK = re.compile(
    r"\n|<br\s*/?>|</?(?:p|div|li|ul|ol|h[1-6]|tr|blockquote)(?:\s[^<>]*)?>", re.IGNORECASE
)


def lines(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every non-blank line, trimmed; a line ends at "\n" or an HTML break."""
    out = []
    pos = 0
    for brk in [*_HARD_BREAK.finditer(text), None]:
        end = brk.start() if brk else len(text)
        piece = text[pos:end]
        if piece.strip():
            out.append((pos + len(piece) - len(piece.lstrip()), pos + len(piece.rstrip())))
        pos = brk.end() if brk else pos
    return out


def bounds(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every sentence, without surrounding whitespace."""
    return list(_bounds(text))


@lru_cache(maxsize=64)  # the resolver and the incentive rule split the same text
def _bounds(text: str) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for start, line_end in lines(text):
        for match in _END.finditer(text, start, line_end):
            if match.end() > start and _is_end(text, match):
                out.append((start, match.end()))
                start = match.end()
                while start < line_end and text[start] in " \t":
                    start += 1
        if start < line_end:
            out.append((start, line_end))
    return tuple(out)


def covering(sentences: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """The union of the sentences that ``text[start:end]`` touches."""
    # Sentences are sorted and disjoint: bisect instead of a scan (a long text has thousands).
    first = bisect.bisect_right(sentences, start, key=lambda r: r[1])
    stop = bisect.bisect_left(sentences, max(end, start + 1), lo=first, key=lambda r: r[0])
    touched = sentences[first:stop]
    if not touched:
        return start, end
    return touched[0][0], touched[-1][1]


def around(text: str, start: int, end: int) -> str:
    """The sentences of ``text`` that ``text[start:end]`` touches, as one string."""
    first, last = covering(bounds(text), start, end)
    return text[first:last]


def removal_range(text: str, start: int, end: int) -> tuple[int, int]:
    """What removing the sentences ``text[start:end]`` deletes: with the bullet marker when
    nothing else is left on the line. The blanks around it are left to :func:`tidy`, so the
    range never collides with a fix of the whitespace next to it."""
    stop = end
    while stop < len(text) and text[stop] in " \t":
        stop += 1
    line_start = text.rfind("\n", 0, start) + 1
    if (stop == len(text) or text[stop] == "\n") and _BULLET.fullmatch(text, line_start, start):
        start = line_start
    return start, end


def _words(values: tuple[str, ...]) -> str:
    escaped = sorted({re.escape(v).replace(r"\ ", r"[ \t]+") for v in values}, key=len)
    return "|".join(reversed(escaped))


@cache  # every language's labels: compiled on the first text that had something removed
def _label_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A connector between two removed details ("X or Y"), a label before one ("Tel.: X")."""
    labels = _words(
        phrases.everywhere("contacts", "phone_labels")
        + phrases.everywhere("contacts", "email_labels")
        + phrases.everywhere("contacts", "link_labels")
    )
    preps = _words(phrases.everywhere("contacts", "prepositions"))
    connectors = _words(phrases.everywhere("contacts", "connectors"))
    connector = re.compile(
        rf"{_L}[ \t]*(?:[,/;&+]|(?<!\w)(?:{connectors})(?!\w))?[ \t]*{_L}", re.IGNORECASE
    )
    label = re.compile(
        rf"(?<!\w)(?:(?:{labels})[ \t]*\.?[ \t]*[:：]|(?:{labels})\.|(?:{preps})(?=[ \t]))"
        rf"[ \t]*{_L}",
        re.IGNORECASE,
    )
    return connector, label


_EMPTY_PAIR = re.compile(rf"[(\[{{][ \t]*({_X})+[ \t]*[)\]}}]|[\"“„«][ \t]*({_X})+[ \t]*[\"”“»]")
_ORPHAN_AFTER = re.compile(
    rf"[ \t]*[,;:|·•–—][ \t]*({_X})(?=(?:[ \t]*{_X})*[ \t]*(?:[.!?,;:)\]]|\n|$))"
)
_ORPHAN_BEFORE = re.compile(rf"(\A|\n|[.!?…][ \t]+)([ \t]*{_X})[ \t]*[.,;:!?|·•]+")
_CLUSTER = re.compile(
    rf"(?P<pre>[ \t\n]*)(?P<core>{_X}(?:[ \t\n]*{_X})*)(?P<post>(?:[ \t]*\n)*)(?P<indent>[ \t]*)"
)
_ORPHAN_CLOSER = re.compile(rf"({_X})([ \t]*)([)\]}}])")
_CLOSERS = frozenset(".,;:!?)]}…»”’")
_OPENERS = frozenset("([{«“„")


def _join(match: re.Match[str]) -> str:
    text = match.string
    pieces = re.split(_X, match.group())
    newlines = max(piece.count("\n") for piece in pieces)
    if match.start() == 0:
        return ""
    if match.end() == len(text):
        return "\n" if "\n" in pieces[-1] else ""
    if newlines:
        # Indentation only survives where it starts a line, not as a space after the seam.
        return "\n" * min(newlines, 2) + (match["indent"] if match["post"] else "")
    if text[match.end()] in _CLOSERS or text[match.start() - 1] in _OPENERS:
        return ""
    return " " if any(pieces) else ""


def tidy(text: str) -> str:
    """Close the seams left by removals; a no-op on text without markers."""
    if SEAM not in text and LABEL_SEAM not in text:
        return text
    connector, label = _label_patterns()
    for _ in range(3):  # "Tel.: X oder Fax: Y" needs label and connector passes to alternate
        before = text
        text = connector.sub(_L, text)
        text = label.sub(_L, text)
        if text == before:
            break
    text = _EMPTY_PAIR.sub(SEAM, text)
    for _ in range(3):  # "Anna | X | Y": each pass frees the separator before it
        before = text
        text = _ORPHAN_AFTER.sub(r"\1", text)
        if text == before:
            break
    text = _ORPHAN_BEFORE.sub(r"\1\2", text)
    text = _drop_orphan_closers(text)
    return _CLUSTER.sub(_join, text)


def _drop_orphan_closers(text: str) -> str:
    """A closing bracket right after a removal, with no opening one before it on its line: the
    removed link or number carried it ("see https://x.com/help) and …"). Left, it would glue
    to what comes before: "=)" is an emoticon."""

    def fix(m: re.Match[str]) -> str:
        line = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        closer = m.group(3)
        opener = {")": "(", "]": "[", "}": "{"}[closer]
        return m.group(1) if line.count(opener) <= line.count(closer) else m.group()

    return _ORPHAN_CLOSER.sub(fix, text) if any(c in text for c in ")]}") else text


_CJK = re.compile(f"[{CJK_WORD}]")
_FILLER = frozenset(
    word.casefold()
    for family in ("phone_labels", "email_labels", "link_labels", "prepositions", "connectors")
    for phrase in phrases.everywhere("contacts", family)
    for word in re.findall(r"[^\W\d_]+", phrase)
)


def content_words(text: str) -> int:
    """Words left in ``text`` that are not contact labels, prepositions or connectors: used to
    decide that a sentence only existed to carry a link, address or number."""
    cjk = len(_CJK.findall(text))
    words = re.findall(r"[^\W\d_]+|\d{3,}", _CJK.sub(" ", text))  # "9:00" is no content
    # Japanese and Chinese have no spaces: count roughly eight characters as a word.
    return sum(1 for w in words if w.casefold() not in _FILLER) + cjk // 8
