"""``unprofessional``: profanity, insults, blaming the buyer, sensitive content. Flagged only.

Tone is a judgement call: "this is not our fault" can be a fair statement of fact, so the
guardrail points at the words and leaves the rewrite to the agent. The phrases are data
(``lexicon/<language>.yaml`` under ``unprofessional``); English always applies.
"""

from __future__ import annotations

import re

from guardrails import phrases
from guardrails.spans import Context, Span, quote

_WHY = {
    "profanity": "profanity has no place in a message to a buyer",
    "listed": "a swear word or slur has no place in a message to a buyer",
    "insults": "it insults the buyer",
    "blame": "it blames the buyer",
    "sensitive": "it touches sensitive personal topics",
}


# Blame denied is an apology: "this is not your fault", "ce n'est pas de votre faute",
# "お客様のせいではございません". A negation just before a blame phrase (or, in Japanese, just
# after it) turns the flag off.
_NEGATED_BEFORE = re.compile(
    r"(?:\b(?:not|never|no|nicht|keine?|keineswegs|pas|jamais|nullement|nunca|non|mai)"
    r"|n't|n’t)\s+(?:\w+\s+){0,3}\Z",
    re.IGNORECASE,
)
_NEGATED_AFTER = re.compile(r"\A(?:では|じゃ)(?:ありません|ございません|ない)")


def _denied(text: str, start: int, end: int) -> bool:
    return bool(
        _NEGATED_BEFORE.search(text[max(0, start - 30) : start])
        or _NEGATED_AFTER.match(text[end : end + 8])
    )


# Profanity with letters masked: "f***", "sh*t", "a**hole", and strings of symbols (#@!%).
_MASKED = re.compile(r"(?<![\w*])[A-Za-z]{1,2}\*{1,4}[A-Za-z]{0,5}(?![\w*])|[#@$%&!]{4,}")


def detect(text: str, *, ctx: Context) -> list[Span]:
    spans = []
    if "*" in text or "#@" in text or "@!" in text:
        for m in _MASKED.finditer(text):
            if "*" in m.group() or any(c in m.group() for c in "#@$%&"):
                msg = f'"{quote(m.group())}" reads as masked profanity: please rephrase.'
                spans.append(Span("unprofessional", "flagged", m.start(), m.end(), m.group(), msg))
    for start, end, category in phrases.find("unprofessional", text, ctx.language):
        if category.startswith("blame") and _denied(text, start, end):
            continue
        match = text[start:end]
        why = _WHY.get(category, "it reads as unprofessional")
        msg = f'"{quote(match)}" may read as unprofessional ({why}): please rephrase.'
        spans.append(Span("unprofessional", "flagged", start, end, match, msg))
    return spans
