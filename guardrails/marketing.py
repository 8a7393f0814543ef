"""``marketing``: coupons, promo codes, "% off", sales, newsletters, "follow us", other products.

A promotion cannot be cut out of a sentence and leave a sentence, so the whole sentence goes
(the pipeline does the removal; see :mod:`guardrails.sentences`). The phrases are data in
``lexicon/<language>.yaml`` under ``marketing``; English phrases always apply, because drafts in
any language quote English promo copy, and the buyer's language adds its own.
"""

from __future__ import annotations

from guardrails import phrases
from guardrails.spans import Context, Span, quote

FAMILY = "marketing"


def detect(text: str, *, ctx: Context) -> list[Span]:
    spans = []
    for start, end, category in phrases.find(FAMILY, text, ctx.language):
        match = text[start:end]
        kind = category.replace("_", " ")
        msg = (
            f'Removed a sentence advertising ({kind}: "{quote(match)}"): '
            "buyer messages must not promote anything."
        )
        spans.append(Span("marketing", "fixed", start, end, match, msg, sentence=True))
    return spans
