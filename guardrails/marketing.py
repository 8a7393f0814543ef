"""``marketing``: coupons, promo codes, "% off", sales, newsletters, "follow us", other products.

A promotion cannot be cut out of a sentence and leave a sentence, so the whole sentence goes
(the pipeline does the removal; see :mod:`guardrails.sentences`). The phrases are data in
``lexicon/<language>.yaml`` under ``marketing``; English phrases always apply, because drafts in
any language quote English promo copy, and the buyer's language adds its own.
"""

from __future__ import annotations

from functools import cache

from guardrails import phrases, sentences, solicitation
from guardrails.spans import Context, Span, quote
from guardrails.textnorm import fold_str

FAMILY = "marketing"


@cache
def _cues(category: str) -> tuple[str, ...]:
    return tuple(fold_str(p) for p in phrases.everywhere(FAMILY, category))


def _explains_refund(text: str, start: int, end: int) -> bool:
    """A coupon already used on this order, in a sentence about the refund: "the coupon you
    applied at checkout lowered the price, so the refund is …" explains, it does not promote."""
    sentence = fold_str(sentences.around(text, start, end))
    return any(c in sentence for c in _cues("refund_words")) and any(
        c in sentence for c in _cues("applied_to_order")
    )


def detect(text: str, *, ctx: Context) -> list[Span]:
    spans = []
    for start, end, category in phrases.find(FAMILY, text, ctx.language):
        if category == "coupon" and _explains_refund(text, start, end):
            continue
        if solicitation.declines(text, start, end):  # "we do not issue coupons"
            continue
        match = text[start:end]
        kind = category.replace("_", " ")
        msg = (
            f'Removed a sentence advertising ({kind}: "{quote(match)}"): '
            "buyer messages must not promote anything."
        )
        spans.append(Span("marketing", "fixed", start, end, match, msg, sentence=True))
    return spans
