"""``phone_number``: phone and fax numbers in every marketplace's formats, and messenger IDs.

Phone numbers come from the phonenumbers library (Google's libphonenumber metadata) with the
marketplace country as the default region and ``Leniency.VALID``: a number must be a real,
dialable number for that region, or carry a ``+`` country code. That is what keeps order IDs,
prices, tracking numbers, ASINs, model numbers, dates and opening hours out; the few shapes
that still parse (``INV-2026-000123``) are filtered as parts of longer codes. A second, cheap
pass catches numbers behind an explicit label ("Tel.: 030 1234567") in other countries' formats,
and a third any 7-15 digit group the text itself calls a phone number ("call me at …",
"… -Fax"; cue words are lexicon data). Messenger IDs ("LINE ID: shop_jp") count as numbers
(guardrails/messengers.py).
The matcher costs about 0.1 ms a number, so it sees at most MATCHER_BUDGET candidates a text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from functools import cache
from types import ModuleType

from guardrails.contacts import WHY as _WHY
from guardrails.messengers import detect_messengers, has_messenger
from guardrails.order_id import found as order_ids
from guardrails.phone_cues import (
    DATE,
    EXTENSION,
    IP_ADDRESS,
    SEPARATOR,
    after_code_label,
    cue_after,
    cue_before,
    labelled,
)
from guardrails.ranges import Ranges
from guardrails.spans import Context, Span, quote
from guardrails.spelt_numbers import spelt_numbers
from guardrails.textnorm import GLUE
from guardrails.views import reading_through


@cache
def _phonenumbers() -> ModuleType:
    """The library, imported on the first text with a number to read (region metadata then
    loads per region as numbers need it, under the library's own lock)."""
    import phonenumbers

    return phonenumbers


_SENTENCE_END = re.compile(r"\.\s")
# ``(?<![GLUE])[+＋(（]?\d…``, written to open with one character class so ``re`` can skip
# ahead in C: the sign or digit first, then the look-behind, then a digit after a sign.
_CANDIDATE = re.compile(
    rf"[+＋(（\d](?<![{GLUE}][+＋(（\d])(?:(?<=[+＋(（])\d|(?<=\d)){SEPARATOR}{{4,}}\d"
)
# The matcher costs about 0.1 ms a number; a 100 KB text can hold thousands. Past this many
# candidates only "+" numbers and cued ones count (see _international and _cued).
MATCHER_BUDGET = 32
_MAX_DIGITS = 20  # 15 for E.164, plus an extension and a stray prefix
_CONTEXT = 24  # characters of context the matcher gets on each side of a candidate
_GLUED = re.compile(rf"[{GLUE}]")


def _valid(raw: str, region: str) -> bool:
    phonenumbers = _phonenumbers()
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(raw, region)))
    except phonenumbers.NumberParseException:
        return False


def _digits(raw: str) -> int:
    return sum(ch.isdigit() for ch in raw)


def _part_of_code(text: str, start: int, end: int) -> bool:
    """``INV-2026-000123``, ``12345-67890-B``: glued to a longer code by a hyphen or slash."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    glued_before = len(before) == 2 and before[1] in "-/_" and before[0].isalnum()
    glued_after = len(after) == 2 and after[0] in "-/_" and after[1].isalnum()
    glued_letter = start > 0 and _GLUED.match(text[start - 1]) and text[start] != "+"
    return glued_before or glued_after or bool(glued_letter)


def _windows(text: str, candidates: list[re.Match[str]]) -> list[tuple[int, str]]:
    """Word-aligned stretches around the candidates: the matcher costs time per character, and
    needs only a little context (a leading "(", a trailing "ext. 12")."""
    spans: list[list[int]] = []
    for m in candidates:
        # Snap to a blank when one is near; Japanese has none, so cut there instead.
        start = max(0, m.start() - _CONTEXT)
        blank = text.rfind(" ", max(0, start - _CONTEXT), start)
        start = blank + 1 if blank >= 0 else start
        end = min(len(text), m.end() + _CONTEXT)
        blank = text.find(" ", end, end + _CONTEXT)
        end = blank if blank >= 0 else end
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [(start, text[start:end]) for start, end in spans]


def _cued(
    text: str,
    candidates: list[re.Match[str]],
    taken: Ranges,
    in_order_id: Callable[[int, int], bool],
) -> list[tuple[int, int]]:
    """Numbers in any country's format that the text itself calls a phone number.

    The region-bound matcher only knows the marketplace's own formats; a buyer abroad or a
    forwarding service writes others ("Mobile: 0490 39 07 81"). Next to a phone cue, any
    7-15 digit group that is not a date, an order ID or a labelled code is taken.
    """
    out = []
    for m in candidates:
        start, end = m.span()
        raw = m.group()
        if raw.startswith(("(", "（")) and not any(c in raw for c in ")）"):
            start += 1
        if taken.overlaps(start, end) or not 7 <= _digits(raw) <= 15:
            continue
        if IP_ADDRESS.fullmatch(raw) or after_code_label().search(text, max(0, start - 40), start):
            continue
        after = cue_after().match(text, end)  # "…-Fax" is a label, not the rest of a code
        if _part_of_code(text, start, end if after is None else len(text)):
            continue
        if after is None and not _cued_before(text, start):
            continue
        ext = EXTENSION.match(text, end)
        out.append((start, ext.end() if ext else end))
    return out


def _cued_before(text: str, start: int) -> bool:
    """Does the text right before ``start`` call what follows a phone number ("call me on",
    "Tel.:", "su móvil es el")?"""
    return cue_before().search(text[max(0, start - _CUE_REACH) : start]) is not None


_CUE_REACH = 40  # characters before a number where its cue may stand


def _international(text: str, m: re.Match[str]) -> bool:
    """Past the matcher's budget, only the unambiguous shape counts: "+" and 8-15 digits."""
    raw = m.group()
    return (
        raw.startswith(("+", "＋"))
        and 8 <= _digits(raw) <= 15
        and not _part_of_code(text, m.start(), m.end())
    )


def _pieces(text: str, orders: Ranges) -> Iterator[re.Match[str]]:
    """Digit runs, split around order IDs: "+1 415-555-2671. 114-3941689-8772232" is a phone
    number and an order ID, not one long run to skip."""
    exact = set(orders.items)
    for m in _CANDIDATE.finditer(text):
        if m.span() in exact:
            continue  # an order ID and nothing else: no piece (the commonest candidate)
        if not orders.overlaps(*m.span()):
            yield m
            continue
        pos = m.start()
        first = bisect.bisect_left(orders.items, (m.start(), m.start())) - 1
        for o_start, o_end in orders.items[max(0, first) :]:
            if o_start >= m.end():
                break
            if o_end <= pos:
                continue
            piece = _CANDIDATE.search(text, pos, o_start) if o_start > pos else None
            if piece is not None:
                yield piece
            pos = o_end
        piece = _CANDIDATE.search(text, pos, m.end()) if pos < m.end() else None
        if piece is not None:
            yield piece


@reading_through
def detect_phones(text: str, *, ctx: Context) -> list[Span]:
    spans = _detect_written(text, ctx=ctx)
    taken = Ranges([(s.start, s.end) for s in spans])

    def plausible(digits: str, start: int, end: int) -> bool:
        region = ctx.marketplace.country
        return (
            _valid(digits, region)
            or _valid("+" + digits, region)
            or _cued_before(text, start)
            or cue_after().match(text, end) is not None
        )

    for start, end in spelt_numbers(text, ctx=ctx, plausible=plausible):
        if not taken.overlaps(start, end):
            raw = text[start:end]
            msg = f"Removed the phone number spelt out as {quote(raw)}: {_WHY}"
            spans.append(
                Span("phone_number", "fixed", start, end, raw, msg, "", label_cleanup=True)
            )
    return sorted(spans, key=lambda span: span.start)


def _detect_written(text: str, *, ctx: Context) -> list[Span]:
    """Numbers written in digits, and messenger IDs."""
    if not _CANDIDATE.search(text) and not has_messenger(text):
        return []  # cheap prefilter: no run of digits, no messenger name
    orders = Ranges([(start, end) for start, end, _ in order_ids(text)])
    in_order_id = orders.overlaps
    # Cheap filters before the (slow) matcher: E.164 numbers have 7-15 digits, and a number
    # right after "part", "tracking", "Teilenummer"… is a code unless it starts with "+".
    candidates = [
        m
        for m in _pieces(text, orders)
        if 7 <= _digits(m.group()) <= _MAX_DIGITS
        and not in_order_id(*m.span())
        and not DATE.fullmatch(m.group().strip(" (（)）"))
        and (
            m.group().startswith(("+", "＋"))
            or not after_code_label().search(text, max(0, m.start() - 40), m.start())
        )
    ]
    if not candidates:
        return detect_messengers(text)
    near = Ranges([m.span() for m in candidates])
    found: dict[tuple[int, int], str] = {}
    for window_start, window in _windows(text, candidates[:MATCHER_BUDGET]):
        phonenumbers = _phonenumbers()
        for hit in phonenumbers.PhoneNumberMatcher(
            window, ctx.marketplace.country, leniency=phonenumbers.Leniency.VALID
        ):
            start, end, raw = window_start + hit.start, window_start + hit.end, hit.raw_string
            cut = _SENTENCE_END.search(raw)
            if cut is not None:  # read across a sentence end: the valid part, before or after
                head, tail = raw[: cut.start()], raw[cut.end() :]
                if _valid(head, ctx.marketplace.country):
                    raw, end = head, start + len(head)
                elif _valid(tail, ctx.marketplace.country):
                    raw, start = tail, start + cut.end()  # "(. +1 415-555-2671"
                else:
                    continue
            if raw.startswith(("(", "（")) and not any(c in raw for c in ")）"):
                start, raw = start + 1, raw[1:]  # "(+1 415…)": the bracket is the text's
            skip = in_order_id(start, end) or DATE.fullmatch(raw) or IP_ADDRESS.fullmatch(raw)
            if not raw.startswith("+"):  # codes never start with a country code
                skip = skip or after_code_label().search(text, max(0, start - 40), start)
            if near.overlaps(start, end) and not skip and not _part_of_code(text, start, end):
                found[(start, end)] = raw
    for m in candidates[MATCHER_BUDGET:]:
        if _international(text, m):
            found[m.span()] = m.group()
    taken = Ranges(list(found))
    for m in labelled().finditer(text):
        start, end = m.span("num")
        raw = m["num"]
        clash = taken.overlaps(start, end) or in_order_id(start, end)
        if 7 <= _digits(raw) <= 15 and not clash and not DATE.fullmatch(raw.strip()):
            found[(start, end)] = raw
            taken.add(start, end)
    for start, end in _cued(text, candidates, taken, in_order_id):
        found[(start, end)] = text[start:end]
    for start, end in list(found):
        ext = EXTENSION.match(text, end)  # "…-3621x0135": the extension goes with the number
        if ext:
            del found[(start, end)]
            found[(start, ext.end())] = text[start : ext.end()]
    spans = detect_messengers(text)
    messengers = Ranges([(s.start, s.end) for s in spans])
    for (start, end), raw in sorted(found.items()):
        if messengers.overlaps(start, end):
            continue
        msg = f"Removed the phone number {quote(raw)}: {_WHY}"
        spans.append(Span("phone_number", "fixed", start, end, raw, msg, "", label_cleanup=True))
    return spans
