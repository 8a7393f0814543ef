"""``placeholder``: template leftovers such as ``{{buyer_name}}``, ``[Customer Name]``,
``<ORDER_ID>``, ``XXX`` or ``〇〇様``. Blocked, never guessed: only the agent knows the value.

The shapes are code (braces, ALL_CAPS in angle brackets, runs of X or 〇); what counts as a
placeholder inside square brackets is data, the ``placeholder.words`` of every language
("name", "Kundenname", "nom", …), so "[1]" or "[sic]" stay ordinary text. A markdown link
``[label](url)`` is a link, not a placeholder.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guardrails import phrases
from guardrails.spans import Context, Span, quote
from guardrails.textnorm import fold_str

# Date formats as templates write them, per language: day, month, year letters.
_DAY = r"(?i:DD|TT|JJ|GG)"
_MONTH = r"(?i:MM)"
_YEAR = r"(?i:YYYY|JJJJ|AAAA|YY|JJ|AA)"
_SHAPES = re.compile(
    r"\{\{[^{}\n]{0,80}\}\}|\{%[^{}\n]{0,80}%\}|\$\{[^{}\n]{1,40}\}"
    r"|(?<![\w{])\{[A-Za-z_][A-Za-z0-9_ ]{0,40}\}(?!\})"
    r"|%[A-Z][A-Z0-9_]{2,30}%"
    r"|<[A-Z][A-Z0-9]*(?:[_ ][A-Z0-9]+)+>|<(?:NAME|DATE|ORDER|BUYER|CUSTOMER|PRODUCT|ASIN)>"
    r"|(?<![A-Za-z0-9])(?:X{3,}|x{4,})(?![A-Za-z0-9])"
    r"|[〇○●◯×＿_]{2,}(?=様|さま|さん|殿)|_{4,}|＿{3,}"
    r"|lorem ipsum"
    # The data markers of replydesk's own prompts (<<<BUYER_MESSAGE … BUYER_MESSAGE>>>, and
    # their neutralised ‹‹‹ ›››): a model that echoes its prompt.
    r"|(?:<<<|‹‹‹)\s?(?:[A-Z][A-Z_]{2,40})?|(?:>>>|›››)"
)
_BRACKETED = re.compile(
    r"\[([^\[\]\n]{1,50})\](?!\()|[［【〔]([^［］【】〔〕\n]{1,30})[］】〕]"
    r"|<([^<>/=\"\n]{1,30})>"  # "<Cognome>", "<nom du client>": words, never an HTML tag
)
_CAPS_SLOT = re.compile(r"[A-Z][A-Z0-9]*(?:[_ ][A-Z0-9]+)*")
_WORDS = tuple(fold_str(w) for w in phrases.everywhere("placeholder", "words"))
_SPACED = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(w) for w in _WORDS if w.isascii()) + r")(?!\w)"
)
_UNSPACED = tuple(w for w in _WORDS if not w.isascii())


@lru_cache(maxsize=32)
def _single_words(language: str) -> frozenset[str]:
    """The language's one-word placeholder words (English's too: drafts quote English copy)."""
    words = {
        *phrases.get(language, "placeholder", "words"),
        *phrases.get("en", "placeholder", "words"),
    }
    return frozenset(fold_str(w) for w in words if w.isalpha() and len(w) >= 3)


@lru_cache(maxsize=32)
def _capitalised(language: str) -> re.Pattern[str]:
    """The language's one-word placeholder words in capitals ("NOMBRE"), as substrings: a run of
    capitals that folds to one of them is one of them in capitals (the letters of _CAPS_WORD
    fold one to one), so where none occurs, no run needs reading."""
    return re.compile("|".join(re.escape(w.upper()) for w in sorted(_single_words(language))))


def _is_slot(inner: str) -> bool:
    inner = inner.strip()
    if len(inner) >= 3 and _CAPS_SLOT.fullmatch(inner) and any(c.isalpha() for c in inner):
        return True  # [ORDER ID], [NAME]
    folded = fold_str(inner)
    return bool(_SPACED.search(folded)) or any(w in folded for w in _UNSPACED)


# Every shape above opens with one of these characters, a run of X or x, or "lorem ipsum".
_OPENERS = re.compile(r"[{$%<>‹›〇○●◯×＿_]")
# Values left as their format: an amount of X's ("XX,XX €", "$XX.XX"), a date format
# ("TT.MM.JJJJ", "jj/mm/aaaa", "YYYY-MM-DD"), marks for the digits of a Japanese date or time
# ("＊＊月＊＊日", "〇月〇日"). Each is tried only where a cheap test finds its telltale.
_AMOUNT = re.compile(r"(?<![A-Za-z0-9])[$€£¥]?[ \t]?[Xx]{1,4}[.,][Xx]{2}(?![A-Za-z0-9])")
_DATE_FORMAT = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_DAY}[./-]{_MONTH}|{_MONTH}[./-]{_DAY})[./-]{_YEAR}(?![A-Za-z0-9])"
    rf"|(?<![A-Za-z0-9]){_YEAR}[./-]{_MONTH}[./-]{_DAY}(?![A-Za-z0-9])"
)
# (not the 〇 of a number in kanji: 二〇〇〇年 is the year 2000)
_DATE_MARKS = re.compile(
    r"(?<![一二三四五六七八九十〇百千])[〇○●◯×＊*]{1,4}[年月日時](?:[〇○●◯×＊*]{1,4}[月日時分])*"
)
_AMOUNT_HINT = re.compile(r"[Xx][.,][Xx]")
_MARK_HINT = re.compile(r"[〇○●◯×＊*][年月日時]")
_DATE_HINT = re.compile(r"[./-][Mm]{2}[./-]")
# What the amount hint cannot do without ("x." of "XX.XX"), as substrings.
_AMOUNT_PAIRS = ("x.", "x,", "X.", "X,")


def _formats(text: str) -> list[tuple[int, int]]:
    # Substring tests in C first: a regex scan of every draft costs more than the rest.
    found = []
    if any(pair in text for pair in _AMOUNT_PAIRS) and _AMOUNT_HINT.search(text):
        found += [m.span() for m in _AMOUNT.finditer(text)]
    if _DATE_HINT.search(text):  # opens with a separator: re skips ahead to each in C
        found += [m.span() for m in _DATE_FORMAT.finditer(text)]
    if any(mark in text for mark in "〇○●◯×＊*") and _MARK_HINT.search(text):
        found += [m.span() for m in _DATE_MARKS.finditer(text)]
    return found


# A placeholder word in capitals, standing alone in ordinary text: "Hola NOMBRE,".
_CAPS_WORD = re.compile(r"[A-ZÀ-ÖØ-Þ]{3,}")  # whole words only: checked in _capital_words


def _starts(text: str) -> list[int]:
    """Where a shape may start: its opening character (a run of X or x from its first letter)."""
    places = [m.start() for m in _OPENERS.finditer(text)]
    for word in ("XXX", "xxxx", "lorem ipsum"):
        at = text.find(word)
        while at >= 0:
            places.append(at)
            while at < len(text) and text[at] == word[0]:
                at += 1  # the rest of the run: preceded by a letter, no shape starts there
            at = text.find(word, at)
    return sorted(places)


def _shapes(text: str) -> list[tuple[int, int]]:
    """``_SHAPES.finditer(text)`` tried only where a shape can start: the same spans."""
    found: list[tuple[int, int]] = []
    end = 0
    for at in _starts(text):
        if at >= end and (m := _SHAPES.match(text, at)) is not None:
            found.append(m.span())
            end = m.end()
    return found


def _capital_words(text: str, language: str) -> list[tuple[int, int]]:
    """Placeholder words in capitals between words that are not: "Hola NOMBRE," (a shouted
    sentence is the formatting rule's)."""
    found: list[tuple[int, int]] = []
    if _capitalised(language).search(text) is None:
        return found  # no placeholder word in capitals anywhere: no run of capitals to read
    single = _single_words(language)
    for m in _CAPS_WORD.finditer(text):
        start, end = m.span()
        if (start and (text[start - 1].isalnum() or text[start - 1] == "_")) or (
            end < len(text) and (text[end].isalnum() or text[end] == "_")
        ):
            continue
        if fold_str(m.group()) not in single:
            continue
        before = text[max(0, m.start() - 12) : m.start()].split()
        after = text[m.end() : m.end() + 12].split()
        near = [w for w in (before[-1:] + after[:1]) if any(c.isalpha() for c in w)]
        if not any(w.isupper() for w in near):
            found.append(m.span())
    return found


def detect(text: str, *, ctx: Context) -> list[Span]:
    found = _shapes(text) + _formats(text)
    found += _capital_words(text, ctx.language)
    if any(c in text for c in "[［【〔<"):
        for m in _BRACKETED.finditer(text):
            if _is_slot(m.group(1) or m.group(2) or m.group(3) or ""):
                found.append(m.span())
    spans: list[Span] = []
    for start, end in sorted(set(found)):
        if spans and start < spans[-1].end:
            continue
        match = text[start:end]
        msg = f'"{quote(match)}" is a template placeholder: fill it in or remove it.'
        spans.append(Span("placeholder", "blocked", start, end, match, msg))
    return spans
