"""``order_id_mismatch`` and ``order_id_missing``: a reply names its own order and no other.

Amazon order IDs are 3-7-7 digits (``114-3941689-8772232``). Drafts copy IDs from other threads
or make them up, so any other 3-7-7 number is replaced by this order's ID. When the ID is absent
after all other fixes, it is inserted on a line of its own in the buyer's language: after the
greeting line when there is one ("Hello Jane,"), otherwise first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from guardrails import phrases, sentences
from guardrails.phrase_syntax import alternation
from guardrails.spans import Context, Span
from guardrails.textnorm import fold_str

_HYPHEN = "[-－‐‑]"
# \d also matches full-width and other scripts' digits, which buyers' keyboards produce. The
# edges exclude digits, Latin letters and hyphens only: in Japanese the ID abuts the text.
_EDGE = r"0-9A-Za-z０-９Ａ-Ｚａ-ｚ\-－‐‑"
# (The look-behind follows the first digit so ``re`` can skip ahead to digits in C.)
ORDER_ID = re.compile(rf"\d(?<![{_EDGE}]\d)\d{{2}}{_HYPHEN}\d{{7}}{_HYPHEN}\d{{7}}(?![{_EDGE}])")
_CANONICAL = re.compile(r"\d{3}-\d{7}-\d{7}")


@lru_cache(maxsize=64)  # the mismatch rule, the phone rule and the final check read the same text
def found(text: str) -> tuple[tuple[int, int, str], ...]:
    """``(start, end, canonical ID)`` of every order ID in ``text``."""
    return tuple((m.start(), m.end(), canonical(m.group())) for m in ORDER_ID.finditer(text))


def canonical(raw: str) -> str:
    """ASCII digits and hyphens, so ``１１４－…`` and ``114-…`` compare equal."""
    if raw.isascii():
        return raw.strip()
    return "".join(
        str(unicodedata.decimal(ch)) if ch.isdigit() else "-" if ch in "-－‐‑" else ch
        for ch in raw.strip()
    )


def validate(order_id: str) -> str:
    value = canonical(order_id)
    if not _CANONICAL.fullmatch(value):
        raise ValueError(
            f"order_id {order_id!r} is not an Amazon order ID like 114-3941689-8772232"
        )
    return value


def detect_mismatch(text: str, *, ctx: Context) -> list[Span]:
    spans = []
    for start, end, value in found(text):
        if value != ctx.order_id:
            raw = text[start:end]
            msg = (
                f"Replaced the order ID {raw} with this order's ID {ctx.order_id}: "
                "a reply must not name another order."
            )
            spans.append(Span("order_id_mismatch", "fixed", start, end, raw, msg, ctx.order_id))
    return spans


def present(text: str, *, ctx: Context) -> bool:
    return any(value == ctx.order_id for _, _, value in found(text))


@cache
def _greetings_by_first() -> dict[str, list[str]]:
    """Every language's greetings by their first (folded) character."""
    groups: dict[str, list[str]] = {}
    for greeting in phrases.everywhere("order_id", "greetings"):
        groups.setdefault(fold_str(greeting).split()[0][0], []).append(greeting)
    return groups


@lru_cache(maxsize=256)
def _greeting(first: str) -> re.Pattern[str] | None:
    """The greetings a line opening with ``first`` may start with, as ``re`` compares case-blind
    (a greeting's regex opens with its first character, or a number for "#"): the alternation
    of all of them matches a line just when this one does, and compiles in a fraction of the
    time (one group per first character, on first need)."""
    chosen = [
        greeting
        for key, greetings in _greetings_by_first().items()
        if (first.isdecimal() if key == "#" else re.match(re.escape(key), first, re.IGNORECASE))
        for greeting in greetings
    ]
    return re.compile(alternation(chosen), re.IGNORECASE) if chosen else None


@cache  # Japanese honorifics close the name ("田中様"), so no word boundary applies to them.
def _suffix() -> re.Pattern[str]:
    suffixes = phrases.everywhere("order_id", "greeting_suffixes")
    return re.compile("(?:" + "|".join(map(re.escape, suffixes)) + r")[、,，!！]?$")


def is_greeting(line: str) -> bool:
    """A short line that only greets: "Hello Jane,", "Dear Mr. Smith,", "田中様"."""
    s = line.strip()
    if not s or len(s) > 60:
        return False
    if _suffix().search(s):
        return True
    folded = s.casefold()
    pattern = _greeting(folded[0])
    if pattern is None or not pattern.match(folded):
        return False
    return s[-1] in ",!:，、" or (len(s) <= 40 and not re.search(r"[.?]", s))


def label(*, ctx: Context) -> str:
    template = phrases.get(ctx.language, "order_id", "label") or phrases.get(
        "en", "order_id", "label"
    )
    return template[0].replace("{order_id}", ctx.order_id)


def insertion(text: str, *, ctx: Context) -> tuple[int, str]:
    """Where (an offset in ``text``) and what to insert so the order ID stands on its own line."""
    line = label(ctx=ctx)
    lines = sentences.lines(text)
    if not lines:
        return 0, line
    first_start, first_end = lines[0]
    if not is_greeting(text[first_start:first_end]):
        return first_start, line + "\n\n"
    if len(lines) == 1:
        return first_end, "\n\n" + line
    return lines[1][0], line + "\n\n"


def missing_message(*, ctx: Context) -> str:
    return f'Inserted the order ID as "{label(ctx=ctx)}": every reply must name its order.'
