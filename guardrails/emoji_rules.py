"""``emoji``: pictographs (Unicode's emoji sequences) and text emoticons like ``:-)``.

The copyright, registered and trade mark signs are emoji in Unicode's data but ordinary symbols
in product names ("Blender X2™"), so they stay unless written with the emoji variation selector.
Adjacent emoji form one finding ("😊😊"), and so do emoji joined by a zero-width joiner that
Unicode does not list as one sequence.

The sequences are the emoji package's (Unicode's emoji-test data: every fully-, minimally- and
unqualified emoji and component), written to ``data/emoji.txt`` as code points by
``python -m guardrails.emoji_data``; tests/guardrails/test_emoji.py fails when the installed
package lists others. A check reads them with one Aho-Corasick automaton, longest match first:
the package itself holds its names in many languages and its own tables, 7 MB of every
serving process, for the same answer. They load on the first text with a non-ASCII character,
not at import: an ASCII text can hold no pictograph.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import ahocorasick_rs

from guardrails.spans import Context, Span
from guardrails.textnorm import narrow

DATA = Path(__file__).parent / "data" / "emoji.txt"
TEXT_SYMBOLS = frozenset("©®™")
_VS16 = "\ufe0f"
_ZWJ = "\u200d"


def _ranges(chars: list[str]) -> str:
    """A character class of ranges: a class of 1,400 single characters is tested one by one."""
    points = sorted({ord(c) for c in chars})
    out, start, prev = [], points[0], points[0]
    for point in [*points[1:], -1]:
        if point == prev + 1:
            prev = point
            continue
        out.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        start = prev = point
    return "".join(out)


def sequences(path: Path = DATA) -> list[str]:
    """The emoji sequences of ``data/emoji.txt`` (a line of hex code points each)."""
    lines = path.read_text(encoding="ascii").splitlines()
    return [
        "".join(chr(int(point, 16)) for point in line.split())
        for line in lines
        if line.strip() and not line.startswith("#")
    ]


@cache  # two threads may both build it on the very first call; either is the same
def _emoji() -> tuple[ahocorasick_rs.AhoCorasick, re.Pattern[str]]:
    """The automaton of every sequence, and a prefilter for the characters that can start or
    be part of an emoji, except plain ASCII (keycaps start with a digit, which is only an
    emoji together with U+20E3): it lets most replies skip the automaton."""
    found = sequences()
    # Leftmost-longest, none overlapping: "👨‍👩‍👧" is one sequence, not three.
    automaton = ahocorasick_rs.AhoCorasick(
        found, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
    )
    starts = sorted({s[0] for s in found if not s[0].isascii()} - TEXT_SYMBOLS)
    # Basic-plane characters in one class (``re`` looks those up in a table) and the astral
    # ones, all pictographs, as one range: a class mixing both is searched range by range.
    bmp = [c for c in starts if ord(c) <= 0xFFFF]
    if not all(0x1F000 <= ord(c) <= 0x1FAFF for c in starts if ord(c) > 0xFFFF):
        raise RuntimeError("emoji.txt has pictographs outside U+1F000-U+1FAFF")
    if any(ord(c) < 0x100 for c in starts):  # detect skips Latin-1 texts unread
        raise RuntimeError("emoji.txt has an emoji that starts below U+0100")
    prefilter = re.compile("[" + _ranges([*bmp, "\u20e3", "\ufe0f"]) + "]|[\U0001f000-\U0001faff]")
    return automaton, prefilter


# Only the non-ASCII runs (plus a keycap's leading digit) can hold an emoji.
_NON_ASCII = re.compile(r"[0-9#*]?[^\x00-\x7f]+")

# Starts with one character class so ``re`` can skip ahead fast (the alternatives then check
# which character it was); the look-behind (not after ":", "/", "=", "<", ">" or "^", as in
# "http://" or "<=>") is checked per hit instead.
_EMOTICON = re.compile(
    r"[:;=^](?:(?<=[:;=])-?[)(\]\[DPpOo/\\|*]|(?<=[:;])'-?[()]|(?<=\^)[_-]?\^)(?![\w/\\])"
)
_NOT_AFTER = frozenset(":/=<>^")


def detect(text: str, *, ctx: Context) -> list[Span]:
    found: list[tuple[int, int]] = []
    # Every emoji character lies above Latin-1 (© and ® are text symbols here).
    automaton, prefilter = _emoji() if not narrow(text) else (None, None)
    runs = _NON_ASCII.finditer(text) if prefilter is not None and prefilter.search(text) else ()
    for run in runs:
        if automaton is None or prefilter is None or not prefilter.search(run.group()):
            continue
        for _, first, after in automaton.find_matches_as_indexes(run.group()):
            start, end = run.start() + first, run.start() + after
            if text[start:end] in TEXT_SYMBOLS:
                continue
            if end < len(text) and text[end] == _VS16:
                end += 1  # a stray presentation selector left behind would render as a box
            # Side by side, or joined by a ZWJ into a sequence Unicode does not list: one.
            if found and (found[-1][1] == start or text[found[-1][1] : start] == _ZWJ):
                found[-1] = (found[-1][0], end)
            else:
                found.append((start, end))
    spans = []
    for start, end in found:
        match = text[start:end]
        msg = f"Removed the emoji {match}: buyer messages must not contain emoji."
        spans.append(Span("emoji", "fixed", start, end, match, msg, replacement=""))
    for m in _EMOTICON.finditer(text):
        if m.start() and text[m.start() - 1] in _NOT_AFTER:
            continue
        msg = f'Removed the emoticon "{m.group()}": buyer messages must not contain emoticons.'
        spans.append(Span("emoji", "fixed", m.start(), m.end(), m.group(), msg, replacement=""))
    return spans
