"""Messenger IDs ("LINE ID: shop_jp", "Telegram: @blender_help"): reported as ``phone_number``.

Messenger names are lexicon data (contacts, messengers); a name needs a colon and a handle after
it to count, or an @handle a few words later in the same sentence ("auf Telegram unter
@werkstatt"), so "we ship with LINE" alone is no finding.
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


# A messenger's name as a word of its own ("line" of "online" is none).
_NAME_AT = re.compile(rf"(?<![{GLUE}])(?:{_MESSENGER_NAMES}|line)(?![{GLUE}])", re.IGNORECASE)


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
    return spans + _handles_after_a_name(text, folded.text, [(s.start, s.end) for s in spans])


# A handle a few words after a messenger's name in the same sentence, without "ID:" before it:
# "erreichen Sie mich auf Telegram unter @heizungsprofi_bayern", "LINEで友だち追加…（ID：@shop）".
_HANDLE = re.compile(r"(?<![\w.@＠])[@＠][A-Za-z_][A-Za-z0-9_.]{2,31}(?<!\.)(?![\w@＠-]|\.\w)")
_NEAR = 40  # characters between the name and the handle, no sentence end among them
_SENTENCE_END = re.compile(r"[.!?。！？\n]")


def _handles_after_a_name(text: str, folded: str, taken: list[tuple[int, int]]) -> list[Span]:
    if "@" not in text and "＠" not in text:
        return []
    out = []
    names = [at for at in _starts(folded) if _NAME_AT.match(folded, at)]
    for m in _HANDLE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        before = [at for at in names if 0 <= m.start() - at <= _NEAR]
        if any(not _SENTENCE_END.search(text, at, m.start()) for at in before):
            raw = m.group()
            msg = f"Removed the messenger contact {quote(raw)}: {_WHY}"
            out.append(Span("phone_number", "fixed", m.start(), m.end(), raw, msg, ""))
    return out
