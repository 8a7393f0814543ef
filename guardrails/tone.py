"""``unprofessional``: profanity, insults, blaming the buyer, sensitive content. Flagged only.

Tone is a judgement call: "this is not our fault" can be a fair statement of fact, so the
guardrail points at the words and leaves the rewrite to the agent. The phrases are data
(``lexicon/<language>.yaml`` under ``unprofessional``); English always applies.
"""

from __future__ import annotations

from guardrails import phrases
from guardrails.spans import Context, Span, quote

_TONE = phrases.matchers("unprofessional")

_WHY = {
    "profanity": "profanity has no place in a message to a buyer",
    "insults": "it insults the buyer",
    "blame": "it blames the buyer",
    "sensitive": "it touches sensitive personal topics",
}


def detect(text: str, *, ctx: Context) -> list[Span]:
    spans = []
    for start, end, category in phrases.find(phrases.matcher_for(_TONE, ctx.language), text):
        match = text[start:end]
        why = _WHY.get(category, "it reads as unprofessional")
        msg = f'"{quote(match)}" may read as unprofessional ({why}): please rephrase.'
        spans.append(Span("unprofessional", "flagged", start, end, match, msg))
    return spans
