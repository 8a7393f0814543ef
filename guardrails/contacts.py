"""``email_address``: e-mail addresses, also obfuscated ("name [at] shop [dot] com", "＠").

Plain addresses need a letter-only top label; obfuscated ones a real public suffix (via
tldextract, like links). Phone numbers and messenger IDs are in :mod:`guardrails.phones`.
"""

from __future__ import annotations

import re

from guardrails import phrases
from guardrails.links import registrable
from guardrails.spans import Context, Span, quote

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

WHY = "buyers are answered through Amazon messages only."


def any_of(category: str) -> str:
    """One alternation of a contacts category, longest first ("telephone" before "tel")."""
    items = sorted(phrases.everywhere("contacts", category), key=len, reverse=True)
    if not items:
        return "(?!)"
    return "|".join(re.escape(item).replace(r"\ ", r"[ \t]+") for item in items)


def _email_ok(raw: str) -> bool:
    """Plain addresses need a letter-only top label; obfuscated ones a real public suffix."""
    body = raw.removeprefix("mailto:")
    if _PLAIN.fullmatch(body):
        top = re.split(r"[.．]", body)[-1]
        return top.isalpha() and len(top) >= 2
    host = ".".join(part.strip() for part in _OBFUSCATION.split(body)[1:])
    return bool(registrable(host))


# Cheap gate: an address needs an at sign, a bracketed or capitalised "at", or a spelt-out dot.
_EMAIL_GATE = re.compile(
    r"[@＠]|[\[({<][ \t]*(?i:at)[ \t]*[\])}>]|[ \t]AT[ \t]|(?i:[ \t](?:dot|punkt|point|punto)[ \t])"
)


def detect_emails(text: str, *, ctx: Context) -> list[Span]:
    if not _EMAIL_GATE.search(text):
        return []
    spans = []
    for m in _EMAIL.finditer(text):
        raw = m.group()
        if _email_ok(raw):
            msg = f"Removed the e-mail address {quote(raw)}: {WHY}"
            spans.append(
                Span("email_address", "fixed", m.start(), m.end(), raw, msg, "", label_cleanup=True)
            )
    return spans
