"""``formatting``: markup and typography that read badly or not at all in a buyer message.

Mechanical problems are fixed: HTML tags stripped (line-break and paragraph tags become plain
line breaks), more than two line breaks in a row collapsed to one blank line, ``!!!`` cut to
``!``, invisible and private-use characters removed. ALL-CAPS shouting is only flagged: rewriting
it in sentence case is a judgement call for the agent.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from guardrails import phrases
from guardrails.spans import Context, Span, quote

# Only real element names: "<ORDER_ID>" or "<name>" are template leftovers, not markup.
_INLINE = (  # noqa: SIM905
    "a abbr b big body button caption center cite code col colgroup dd del dfn dl dt em figcaption "
    "figure font footer form head header html i iframe img input ins kbd label link main mark "
    "meta nav picture pre q s samp script section small source span strike strong style sub sup "
    "svg tbody td tfoot th thead title tt u var video audio article"
).split()
_BLOCK_WEIGHT = {"p": 2, "blockquote": 2, "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2}
_BLOCK_WEIGHT |= dict.fromkeys(("div", "li", "ul", "ol", "tr", "table", "hr"), 1)
_BLOCK = "|".join(_BLOCK_WEIGHT)
_TAG = re.compile(
    rf"<!--.*?-->|<!doctype[^<>]*>|</?(?:{'|'.join(_INLINE)})(?=[\s/>])[^<>]*>",
    re.IGNORECASE | re.DOTALL,
)
_BREAK_TOKEN = rf"\n|<br\s*/?>|</?(?:{_BLOCK})(?=[\s/>])[^<>]*>"
_BREAKS = re.compile(rf"(?:[ \t]*(?:{_BREAK_TOKEN}))+[ \t]*", re.IGNORECASE)
_TOKEN = re.compile(_BREAK_TOKEN, re.IGNORECASE)
_THREE_BREAKS = re.compile(r"\n[ \t]*\n[ \t]*\n")  # cheap gate for _breaks
_BANGS = re.compile(r"!{3,}|！{3,}")
_INVISIBLE = re.compile("[\ue000-\uf8ff\u200b\u2060\ufeff]+")
# Cheap gate: fewer than three capitalised words that are not acronyms cannot be shouting.
# (The look-behind follows the first capital so ``re`` can skip ahead to capitals in C.)
_CAPS = re.compile(
    r"[A-ZÀ-ÖØ-ÞΑ-ΩА-Я](?<![^\W\d_][A-ZÀ-ÖØ-ÞΑ-ΩА-Я])[A-ZÀ-ÖØ-ÞΑ-ΩА-Я]{2,}(?![^\W\d_])"
)
_SCAN = 200_000
_ACRONYMS = frozenset(a.upper() for a in phrases.everywhere("formatting", "acronyms"))


_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _may_be_invisible(text: str) -> bool:
    """Could ``_INVISIBLE`` match? Three single characters are found at C speed, the private-use
    block by a one-range class (the full class costs twice that)."""
    if text.isascii():
        return False
    singles = "\u200b" in text or "\u2060" in text or "\ufeff" in text
    return singles or _PRIVATE_USE.search(text) is not None


def _line_breaks(run: str) -> tuple[int, bool]:
    """How many line breaks a run of newlines and HTML break tags stands for, and whether it
    held a tag. ``<br>`` followed by a newline counts once, as a browser would show it."""
    count, tags, after_tag = 0, False, False
    for token in _TOKEN.findall(run):
        if token == "\n":
            count += 0 if after_tag else 1
            after_tag = False
            continue
        tags, after_tag = True, True
        name = token.strip("</>").split()[0].lower().rstrip("/")
        if token.startswith("</") or name in ("br", "hr"):
            count += 1 if name == "br" else _BLOCK_WEIGHT.get(name, 1)
    return count, tags


def _breaks(text: str) -> list[Span]:
    spans = []
    for m in _BREAKS.finditer(text):
        count, tags = _line_breaks(m.group())
        if not tags and count < 3:
            continue
        at_edge = m.start() == 0 or m.end() == len(text)
        new = "" if at_edge else "\n" * min(count, 2)
        if tags:
            msg = "Replaced HTML line-break and paragraph tags with plain line breaks."
        else:
            msg = f"Collapsed {count} line breaks in a row into one blank line."
        spans.append(Span("formatting", "fixed", m.start(), m.end(), m.group(), msg, new))
    return spans


_LINE = re.compile(r"[^\n]+")
_TOKEN_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\S")


# Quoted text is the buyer's or a product's, not the seller raising their voice: an engraving
# „FÜR IMMER“, a print text «JOYEUX ANNIVERSAIRE», a label 「SALE」 as it reads on the box.
_QUOTED = re.compile(r'„[^“”"\n]*[“”"]|"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|「[^」\n]*」|『[^』\n]*』')


def _shouting(text: str) -> list[Span]:
    """Runs of three or more capitalised words (not acronyms, not quoted) on one line; a word
    with a small letter ends a run, anything else (numbers, signs, acronyms, short words, quoted
    words) does not."""
    spans = []
    acronyms = _ACRONYMS
    for line in _lines_to_read(text):
        first = last = -1
        count = 0
        quoted = [m.span() for m in _QUOTED.finditer(text, line.start(), line.end())]
        for word in _TOKEN_WORD.finditer(text, line.start(), line.end()):
            token = word.group()
            if not token.isalpha():
                continue
            if quoted and any(s < word.start() < e for s, e in quoted):
                continue
            if not token.isupper():
                if count >= 3:
                    spans.append(_shout(text, first, last))
                count = 0
            elif len(token) >= 3 and token not in acronyms:
                if not count:
                    first = word.start()
                last = word.end()
                count += 1
        if count >= 3:
            spans.append(_shout(text, first, last))
    return spans


@cache  # built on the first text that passes the capitals gate (a few milliseconds)
def _capital_runs() -> re.Pattern[str]:
    """Runs of three or more letters none of which is a small or title-case letter of the
    Basic Multilingual Plane. Every capitalised word lies in such a run, and two never share
    one (a non-letter stands between them), so a line with fewer than three runs has fewer than
    three capitalised words (small letters beyond the BMP only make the bound looser)."""
    small = "".join(
        re.escape(c)
        for c in map(chr, range(0x10000))
        if c.islower() or unicodedata.category(c) == "Lt"  # not istitle(): "A" is a title
    )
    return re.compile(rf"[^\W\d_{small}]{{3,}}")


def _lines_to_read(text: str) -> list[re.Match[str]]:
    """The lines that may hold three capitalised words: the others are not tokenised."""
    counts: dict[int, int] = {}
    for run in _capital_runs().finditer(text):
        line = text.rfind("\n", 0, run.start())
        counts[line] = counts.get(line, 0) + 1
    starts = sorted(line + 1 for line, count in counts.items() if count >= 3)
    return [m for m in (_LINE.match(text, start) for start in starts) if m is not None]


def _shout(text: str, start: int, end: int) -> Span:
    match = text[start:end]
    msg = f'"{quote(match)}" is in capitals, which reads as shouting: rewrite it in sentence case.'
    return Span("formatting", "flagged", start, end, match, msg)


def detect(text: str, *, ctx: Context) -> list[Span]:
    spans = _breaks(text) if "<" in text or _THREE_BREAKS.search(text) else []
    if "<" in text:
        for m in _TAG.finditer(text):
            msg = f"Removed the HTML tag {quote(m.group())}: buyer messages do not display HTML."
            spans.append(Span("formatting", "fixed", m.start(), m.end(), m.group(), msg, ""))
    for m in _BANGS.finditer(text) if "!!!" in text or "！！！" in text else ():
        msg = f'Cut "{m.group()}" to a single exclamation mark.'
        spans.append(Span("formatting", "fixed", m.start(), m.end(), m.group(), msg, m.group()[0]))
    for m in _INVISIBLE.finditer(text) if _may_be_invisible(text) else ():
        msg = "Removed invisible or private-use characters that display as blanks or boxes."
        spans.append(Span("formatting", "fixed", m.start(), m.end(), m.group(), msg, ""))
    capitals = [w for w in _CAPS.findall(text[:_SCAN]) if w not in _ACRONYMS]
    return spans + (_shouting(text) if len(capitals) >= 3 else [])
