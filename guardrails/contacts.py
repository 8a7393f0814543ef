"""``email_address``: e-mail addresses, also obfuscated ("name [at] shop [dot] com", "＠").

Plain addresses need a letter-only top label; obfuscated ones a real public suffix (via
publicsuffixlist, like links). Phone numbers and messenger IDs are in :mod:`guardrails.phones`.
"""

from __future__ import annotations

import re
from functools import cache

from guardrails import phrases
from guardrails.domains import registrable
from guardrails.spans import Context, Span, quote
from guardrails.textnorm import GLUE, fold
from guardrails.views import reading_through

_OPEN = r"[\[({<（［【｛＜]"
_CLOSE = r"[\])}>）］】｝＞]"
# "at" spelt out: English, Spanish "arroba", French "arobase" and "chez", Italian "chiocciola",
# German "bei", Japanese "アットマーク"; "dot" likewise ("punkt", "point", "punto", "ドット"). A
# star stands for the @ in Japanese anti-spam notation ("info★shop.jp, ★を@に").
LATIN_AT = "arroba|arobase|chiocciola|bei|chez"
KANA_AT = "アットマーク|あっとまーく"
LATIN_DOT = "dot|punkt|point|punto"
KANA_DOT = "ドット|どっと"
_AT_WORDS = rf"at|@|＠|{LATIN_AT}|{KANA_AT}"
_DOT_WORDS = rf"{LATIN_DOT}|{KANA_DOT}"
_AT = (
    r"(?:[ \t]?[@＠★☆][ \t]?"
    rf"|[ \t]*{_OPEN}[ \t]*(?i:{_AT_WORDS})[ \t]*{_CLOSE}[ \t]*|[ \t]+AT[ \t]+"
    r"|(?i:[ \t]+at[ \t]+)(?=\w[\w-]*(?i:[ \t]+dot[ \t]+)))"
)
_DOT = (
    rf"(?:[.．]|[ \t]*{_OPEN}[ \t]*(?i:{_DOT_WORDS})[ \t]*{_CLOSE}[ \t]*"
    r"|[ \t]+DOT[ \t]+|(?i:[ \t]+dot[ \t]+))"
)
# Unbracketed words ("compta arobase jardin-et-co point fr", "keiriアットマークshop.jp"): only
# behind a spelt-out "at" word, so "info@shop.de point by point" keeps its last words, and only
# with a host that ends in a real public suffix (checked in _email_ok).
_AT_WORD = rf"(?:(?i:[ \t]+(?:{LATIN_AT})[ \t]+)|[ \t]*(?:{KANA_AT})[ \t]*)"
_DOT_WORD = rf"(?:(?i:[ \t]+(?:{LATIN_DOT})[ \t]+)|[ \t]*(?:{KANA_DOT})[ \t]*)"
# Addresses are ASCII or its full-width form; see textnorm.GLUE for why not \w.
_A = r"0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
_EMAIL = re.compile(
    rf"(?<![{_A}._%+-])(?:mailto:)?[{_A}._%+-]*[{_A}]{_AT}[{_A}][{_A}-]*(?:{_DOT}[{_A}-]*[{_A}])+"
)
# The name before the at word may be spelt out too: "anna punkt keller bei gmx punkt net".
_EMAIL_WORDS = re.compile(
    rf"(?<![{_A}._%+-])(?:[{_A}]+{_DOT_WORD}){{0,2}}[{_A}._%+-]*[{_A}]{_AT_WORD}[{_A}][{_A}-]*"
    rf"(?:(?:{_DOT}|{_DOT_WORD})[{_A}-]*[{_A}])+"
)
_PLAIN = re.compile(r"[^\s\[\](){}<>]+[@＠][^\s\[\](){}<>]+")
_OBFUSCATION = re.compile(rf"{_AT}|{_AT_WORD}|{_DOT}|{_DOT_WORD}")

WHY = "buyers are answered through Amazon messages only."


def any_of(category: str) -> str:
    """One alternation of a contacts category, longest first ("telephone" before "tel")."""
    items = sorted(phrases.everywhere("contacts", category), key=len, reverse=True)
    if not items:
        return "(?!)"
    return "|".join(re.escape(item).replace(r"\ ", r"[ \t]+") for item in items)


@cache
def invites() -> re.Pattern[str]:
    """Words that ask the buyer to use a contact detail: "write to us", "call me", "e-mail",
    "WhatsApp", "までご連絡" (the lexicon's invitations, phone cues, e-mail labels and
    messengers, every language's). What is left of a sentence once its contact details are
    removed still sends the buyer off Amazon when it holds one."""
    words = "|".join(
        any_of(category) for category in ("invitations", "phone_cues", "email_labels", "messengers")
    )
    return re.compile(rf"(?<![{GLUE}])(?:{words})(?![{GLUE}])", re.IGNORECASE)


def _email_ok(raw: str) -> bool:
    """Plain addresses need a letter-only top label; obfuscated ones a real public suffix."""
    body = raw.removeprefix("mailto:")
    if _PLAIN.fullmatch(body):
        top = re.split(r"[.．]", body)[-1]
        return top.isalpha() and len(top) >= 2
    host = ".".join(part.strip() for part in _OBFUSCATION.split(body)[1:])
    return bool(registrable(host))


# Cheap gates. _EMAIL needs one of its "at"s: an at sign, a bracketed at word, " AT ", or
# " at " before a " dot "; _EMAIL_WORDS needs a spelt-out at word. Each test below is implied
# by one of them (the folded text has every " dot", whatever its case), so each regex runs only
# on texts that can hold its address, and most replies are decided by a few substring tests.
_BRACKETED_AT = re.compile(rf"{_OPEN}[ \t]*(?i:{_AT_WORDS})[ \t]*{_CLOSE}")
_KANA_AT_WORDS = tuple(KANA_AT.split("|"))


_SPACED_AT = (" AT ", " AT\t", "\tAT ", "\tAT\t")


def _maybe_address(text: str) -> bool:
    """Could ``_EMAIL`` match: an at sign, " AT ", a bracketed at word, or " dot " (which the
    spelt-out " at " needs after it)?"""
    if any(at in text for at in "@＠★☆") or any(at in text for at in _SPACED_AT):
        return True
    folded = fold(text).text
    if " dot" in folded or "\tdot" in folded:
        return True
    return _BRACKETED_AT.search(text) is not None


def _maybe_words(text: str) -> bool:
    """Could ``_EMAIL_WORDS`` match: is there a spelt-out at word? A yes that is wrong only
    costs a scan that finds nothing: the regex needs the word too."""
    if any(word in text for word in _KANA_AT_WORDS):
        return True
    folded = fold(text).text
    # Case-blind, "arroba" and "arobase" fold to themselves; "chiocciola" may have a dotless i.
    # "bei" and "chez" count only before a spelt-out dot, which their addresses need.
    spelt_dot = " punkt " in folded or " point " in folded
    return (
        "arroba" in folded
        or "arobase" in folded
        or ("occ" in folded and "ola" in folded)
        or (spelt_dot and (" bei " in folded or " chez " in folded))
    )


@reading_through
def detect_emails(text: str, *, ctx: Context) -> list[Span]:
    address, words = _maybe_address(text), _maybe_words(text)
    if not address and not words:
        return []
    spans = []
    matches = list(_EMAIL.finditer(text)) if address else []
    if words:
        taken = [m.span() for m in matches]
        matches += [
            m
            for m in _EMAIL_WORDS.finditer(text)
            if not any(s < m.end() and m.start() < e for s, e in taken)
        ]
        matches.sort(key=lambda m: m.start())
    for m in matches:
        raw = m.group()
        if _email_ok(raw):
            end = m.end()
            key = _KEY.match(text, end)  # "（★を@に変えてください）": how to read it goes too
            if key is not None:
                end, raw = key.end(), text[m.start() : key.end()]
            msg = f"Removed the e-mail address {quote(raw)}: {WHY}"
            spans.append(
                Span("email_address", "fixed", m.start(), end, raw, msg, "", label_cleanup=True)
            )
    return spans


# A bracketed note right after an address that says how to read it: "(★を@に変えてください)",
# "(replace [at] with @)". It only makes sense with the address, and repeats its disguise.
_KEY = re.compile(r"[ \t]*[（(][^（）()\n]{0,30}[@＠★☆][^（）()\n]{0,30}[）)]")
