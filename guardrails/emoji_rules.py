"""``emoji``: pictographs (via the emoji package's Unicode data) and text emoticons like ``:-)``.

The copyright, registered and trade mark signs are emoji in Unicode's data but ordinary symbols
in product names ("Blender X2™"), so they stay unless written with the emoji variation selector.
Adjacent emoji form one finding ("😊😊"). The emoji package and its tables load on the first
text with a non-ASCII character, not at import: an ASCII text can hold no pictograph.
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType

from guardrails.spans import Context, Span

TEXT_SYMBOLS = frozenset("©®™")
_VS16 = "\ufe0f"


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


@cache  # two threads may both build it on the very first call; either is the same
def _emoji() -> tuple[ModuleType, re.Pattern[str]]:
    """The emoji package, warmed up, and a prefilter for the characters that can start or be
    part of an emoji, except plain ASCII (keycaps start with a digit, which is only an emoji
    together with U+20E3): it lets most replies skip emoji_list."""
    import emoji

    starts = sorted({e[0] for e in emoji.EMOJI_DATA if not e[0].isascii()} - TEXT_SYMBOLS)
    # Basic-plane characters in one class (``re`` looks those up in a table) and the astral
    # ones, all pictographs, as one range: a class mixing both is searched range by range.
    bmp = [c for c in starts if ord(c) <= 0xFFFF]
    if not all(0x1F000 <= ord(c) <= 0x1FAFF for c in starts if ord(c) > 0xFFFF):
        raise RuntimeError("the emoji package has pictographs outside U+1F000-U+1FAFF")
    prefilter = re.compile("[" + _ranges([*bmp, "\u20e3", "\ufe0f"]) + "]|[\U0001f000-\U0001faff]")
    emoji.emoji_list("warm up 😊")  # builds the package's lookup tables now, not mid-check
    return emoji, prefilter


# emoji_list walks the text character by character in Python; feeding it only the non-ASCII
# runs (plus a keycap's leading digit) keeps a 1,500-character reply well under a millisecond.
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
    emoji, prefilter = _emoji() if not text.isascii() else (None, None)
    runs = _NON_ASCII.finditer(text) if prefilter is not None and prefilter.search(text) else ()
    for run in runs:
        if prefilter is None or emoji is None or not prefilter.search(run.group()):
            continue
        for hit in emoji.emoji_list(run.group()):
            if hit["emoji"] in TEXT_SYMBOLS:
                continue
            start, end = run.start() + hit["match_start"], run.start() + hit["match_end"]
            if end < len(text) and text[end] == _VS16:
                end += 1  # a stray presentation selector left behind would render as a box
            if found and found[-1][1] == start:
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
