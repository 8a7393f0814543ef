"""Messenger IDs ("LINE ID: shop_jp", "Telegram: @blender_help"): reported as ``phone_number``.

Messenger names are lexicon data (contacts, messengers); a name needs a colon and a handle after
it to count, so "we ship with LINE" alone is no finding.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guardrails import phrases
from guardrails.contacts import WHY as _WHY
from guardrails.contacts import any_of as _any_of
from guardrails.spans import Span, quote
from guardrails.textnorm import GLUE, fold, fold_str

_MESSENGER_NAMES = _any_of("messengers")
# Substring tests on the folded text are far cheaper than a case-blind regex alternation.
_MESSENGER_WORDS = (
    "line",
    *{fold_str(name).split()[0] for name in phrases.everywhere("contacts", "messengers")},
)
# A word that holds another ("lineid" holds "line") adds nothing to the test below.
_SEARCHED = tuple(
    sorted(w for w in set(_MESSENGER_WORDS) if not any(o != w and o in w for o in _MESSENGER_WORDS))
)


@lru_cache(maxsize=64)  # the phone rule asks twice per text
def has_messenger(text: str) -> bool:
    folded = fold(text).text
    return any(word in folded for word in _SEARCHED)


# "LINE ID: shop_jp", "Telegram: @blender_help", "WhatsApp-ID：shop123", and the Japanese
# "LINE公式アカウント（ID：@shop_name）" (matched folded: full-width forms are ASCII here). A
# bare "line" is a name only right before a bracketed "ID" ("Product line: HX" is none).
_MESSENGER = re.compile(
    rf"(?<![{GLUE}])(?:{_MESSENGER_NAMES}|line(?=[ \t]*\([ \t]*id))"
    r"(?:[ \t]*(?:の)?[ \t]*(?:公式)?[ \t]*(?:アカウント))?"
    r"(?P<open>[ \t]*\()?"
    r"(?:[ \t]*(?:の)?[ \t-]*(?:id|handle|user(?:name)?|ユーザー名|アカウント))?"
    r"[ \t]*[:：][ \t]*[@＠]?[A-Za-z0-9_][A-Za-z0-9_.\-]{2,31}(?![A-Za-z0-9_@])"
    r"(?(open)[ \t]*\)|)",
    re.IGNORECASE,
)


def _starts(folded: str) -> list[int]:
    """Where a messenger name may start: its first word's occurrences ("line" is in "online"
    and "deadline" too, so the full pattern is tried at these places only, not everywhere)."""
    found: set[int] = set()
    for word in _MESSENGER_WORDS:
        at = folded.find(word)
        while at >= 0:
            found.add(at)
            at = folded.find(word, at + 1)
    return sorted(found)


def detect_messengers(text: str) -> list[Span]:
    if not has_messenger(text):
        return []
    folded = fold(text)
    spans = []
    last = 0  # matches do not overlap, as with finditer
    for at in _starts(folded.text):
        m = _MESSENGER.match(folded.text, at) if at >= last else None
        if m is None:
            continue
        last = m.end()
        start, end = folded.span(*m.span())
        raw = text[start:end]
        msg = f"Removed the messenger contact {quote(raw)}: {_WHY}"
        spans.append(Span("phone_number", "fixed", start, end, raw, msg, "", label_cleanup=True))
    return spans
