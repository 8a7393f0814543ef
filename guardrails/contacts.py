"""``email_address`` and ``phone_number``: direct contact details, which Amazon forbids.

Phone numbers come from the phonenumbers library (Google's libphonenumber metadata) with the
marketplace country as the default region and ``Leniency.VALID``: a number must be a real,
dialable number for that region, or carry a ``+`` country code. That is what keeps order IDs,
prices, tracking numbers, ASINs, model numbers, dates and opening hours out; the few shapes
that still parse (``INV-2026-000123``) are filtered as parts of longer codes. A second, cheap
pass catches numbers behind an explicit label ("Tel.: 030 1234567") in other countries' formats.
"""

from __future__ import annotations

import re

import phonenumbers

from guardrails import phrases
from guardrails.links import registrable
from guardrails.order_id import ORDER_ID
from guardrails.spans import Context, Span, quote
from guardrails.textnorm import GLUE

# All region metadata now, so a check never imports a metadata module on first use.
phonenumbers.PhoneMetadata.load_all()

_AT = (
    r"(?:[ \t]?[@＠][ \t]?|[ \t]*[\[({<][ \t]*(?i:at|@)[ \t]*[\])}>][ \t]*|[ \t]+AT[ \t]+"
    r"|(?i:[ \t]+at[ \t]+)(?=\w[\w-]*(?i:[ \t]+dot[ \t]+)))"
)
_DOT = (
    r"(?:[.．]|[ \t]*[\[({<][ \t]*(?i:dot|punkt|point|punto)[ \t]*[\])}>][ \t]*"
    r"|[ \t]+DOT[ \t]+|(?i:[ \t]+dot[ \t]+))"
)
# Addresses are ASCII or its full-width form; see textnorm.GLUE for why not \w.
_A = r"0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
_EMAIL = re.compile(
    rf"(?<![{_A}._%+-])(?:mailto:)?[{_A}._%+-]*[{_A}]{_AT}[{_A}][{_A}-]*(?:{_DOT}[{_A}-]*[{_A}])+"
)
_PLAIN = re.compile(r"[^\s\[\](){}<>]+[@＠][^\s\[\](){}<>]+")
_OBFUSCATION = re.compile(rf"{_AT}|{_DOT}")

_WHY = "buyers are answered through Amazon messages only."


def _any_of(category: str) -> str:
    """One alternation of a contacts category, longest first ("telephone" before "tel")."""
    items = sorted(phrases.everywhere("contacts", category), key=len, reverse=True)
    return "|".join(re.escape(item).replace(r"\ ", r"[ \t]+") for item in items)


# Not glued to letters: tracking numbers, ASINs and VAT IDs never start a phone number.
_CANDIDATE = re.compile(rf"(?<![{GLUE}])[+(（]?\d[\d \u00a0\-–./()（）]{{4,}}\d")
_CONTEXT = 24  # characters of context the matcher gets on each side of a candidate
_NUMBER = r"\+?[(（]?\d[\d \u00a0\-–./()（）]{5,}\d"
_LABELLED = re.compile(
    rf"(?<![{GLUE}])(?:{_any_of('phone_labels')})[ \t]*\.?[ \t]*[:：]?[ \t]*"
    rf"(?:(?:{_any_of('prepositions')})[ \t]+)?(?P<num>{_NUMBER})",
    re.IGNORECASE,
)
_AFTER_CODE_LABEL = re.compile(
    rf"(?<![{GLUE}])(?:{_any_of('code_labels')})\.?[ \t]*(?:no\.?|nr\.?|number|id|#)?"
    r"[ \t]*[:#]?[ \t]*\Z",
    re.IGNORECASE,
)
_GLUED = re.compile(rf"[{GLUE}]")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")


def _email_ok(raw: str) -> bool:
    """Plain addresses need a letter-only top label; obfuscated ones a real public suffix."""
    body = raw.removeprefix("mailto:")
    if _PLAIN.fullmatch(body):
        top = re.split(r"[.．]", body)[-1]
        return top.isalpha() and len(top) >= 2
    host = ".".join(part.strip() for part in _OBFUSCATION.split(body)[1:])
    return bool(registrable(host))


def detect_emails(text: str, *, ctx: Context) -> list[Span]:
    spans = []
    for m in _EMAIL.finditer(text):
        raw = m.group()
        if _email_ok(raw):
            msg = f"Removed the e-mail address {quote(raw)}: {_WHY}"
            spans.append(
                Span("email_address", "fixed", m.start(), m.end(), raw, msg, "", label_cleanup=True)
            )
    return spans


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
        start = text.rfind(" ", 0, max(0, m.start() - _CONTEXT)) + 1
        end = text.find(" ", m.end() + _CONTEXT)
        end = len(text) if end < 0 else end
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [(start, text[start:end]) for start, end in spans]


def detect_phones(text: str, *, ctx: Context) -> list[Span]:
    # Cheap prefilter: most replies hold only the order ID and a tracking number.
    orders = [(m.start(), m.end()) for m in ORDER_ID.finditer(text)]

    def in_order_id(start: int, end: int) -> bool:
        return any(start < e and end > s for s, e in orders)

    candidates = [
        m
        for m in _CANDIDATE.finditer(text)
        if _digits(m.group()) >= 7
        and not in_order_id(*m.span())
        and not _DATE.fullmatch(m.group().strip())
    ]
    found: dict[tuple[int, int], str] = {}
    for window_start, window in _windows(text, candidates):
        for hit in phonenumbers.PhoneNumberMatcher(
            window, ctx.marketplace.country, leniency=phonenumbers.Leniency.VALID
        ):
            start, end, raw = window_start + hit.start, window_start + hit.end, hit.raw_string
            if raw.startswith(("(", "（")) and not any(c in raw for c in ")）"):
                start, raw = start + 1, raw[1:]  # "(+1 415…)": the bracket is the text's
            skip = in_order_id(start, end) or _DATE.fullmatch(raw)
            if not raw.startswith("+"):  # codes never start with a country code
                skip = skip or _AFTER_CODE_LABEL.search(text, max(0, start - 40), start)
            if not skip and not _part_of_code(text, start, end):
                found[(start, end)] = raw
    for m in _LABELLED.finditer(text):
        start, end = m.span("num")
        raw = m["num"]
        covered = any(s <= start < e for s, e in found)
        skip = covered or in_order_id(start, end) or _DATE.fullmatch(raw.strip())
        if 7 <= _digits(raw) <= 15 and not skip:
            found[(start, end)] = raw
    spans = []
    for (start, end), raw in sorted(found.items()):
        msg = f"Removed the phone number {quote(raw)}: {_WHY}"
        spans.append(Span("phone_number", "fixed", start, end, raw, msg, "", label_cleanup=True))
    return spans
