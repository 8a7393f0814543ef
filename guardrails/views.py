"""What the contact rules read: the text without invisible characters and with look-alike letters
read as Latin, findings mapped back to the original offsets.

A zero-width space inside an address ("info@sh\u200bop.de") or a Cyrillic "о" in a domain
("shоp-berlin.de") hides it from a pattern but not from the buyer. ``reading_through`` wraps a
detector: when the text holds such characters, the detector reads a cleaned copy and each of its
spans is moved back onto the original text, so the fix removes the disguised address whole.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from guardrails.spans import Context, Detector, Span
from guardrails.textnorm import narrow

# Zero-width and other invisible format characters, the soft hyphen and the word joiner.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Cyrillic and Greek letters that look like Latin ones (Unicode's confusables, the common part).
_LOOK_ALIKES = str.maketrans(
    "АВЕКМНОРСТХаеорсухіјѕԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧοντ",
    "ABEKMHOPCTXaeopcyxijsdqwABEZHIKMNOPTYXovt",
)
_LOOK_ALIKE = re.compile("[АВЕКМНОРСТХаеорсухіјѕԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧοντ]")
_LATIN = re.compile("[A-Za-z]")
# The invisible characters below U+0100 (the soft hyphen), read off INVISIBLE itself; every
# look-alike lies above.
_NARROW_INVISIBLE = tuple(char for char in map(chr, range(0x100)) if INVISIBLE.match(char))


@functools.lru_cache(maxsize=64)  # the link, e-mail and phone rules ask about the same text
def _disguised(text: str) -> bool:
    if narrow(text):  # no look-alike, and of the invisible characters only the Latin-1 ones
        return any(char in text for char in _NARROW_INVISIBLE)
    if INVISIBLE.search(text):
        return True
    # A look-alike counts only beside Latin letters: Greek or Russian words are just words.
    return any(
        _LATIN.search(text, max(0, m.start() - 1), m.end() + 1) for m in _LOOK_ALIKE.finditer(text)
    )


def clean(text: str) -> tuple[str, list[int]]:
    """The text without invisible characters and with look-alikes read as Latin, and for each
    of its characters the offset it had in ``text``."""
    keep = [i for i, char in enumerate(text) if not INVISIBLE.match(char)]
    view = "".join(text[i] for i in keep).translate(_LOOK_ALIKES)
    return view, keep


def reading_through(detect: Detector) -> Detector:
    """``detect`` on the cleaned text as well when the text is disguised, spans in original
    offsets: the cleaned text's spans, and the original's where the cleaned text has none. So a
    look-alike that makes a host read as Amazon's ("аmazon.de" with a Cyrillic "а") is still
    judged as written, and an address cut by a zero-width space is removed whole."""

    @functools.wraps(detect)
    def wrapper(text: str, *, ctx: Context) -> list[Span]:
        found = detect(text, ctx=ctx)
        if not _disguised(text):
            return found
        view, offsets = clean(text)
        out = []
        for span in detect(view, ctx=ctx):
            start = offsets[span.start] if span.start < len(offsets) else len(text)
            end = offsets[span.end - 1] + 1 if span.end > span.start else start
            out.append(replace(span, start=start, end=end, match=text[start:end]))
        out += [s for s in found if all(s.end <= o.start or s.start >= o.end for o in out)]
        return sorted(out, key=lambda span: (span.start, span.end))

    return wrapper
