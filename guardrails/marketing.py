"""``marketing``: coupons, promo codes, "% off", sales, newsletters, "follow us", other products.

A promotion cannot be cut out of a sentence and leave a sentence, so the whole sentence goes
(the pipeline does the removal; see :mod:`guardrails.sentences`). The phrases are data in
``lexicon/<language>.yaml`` under ``marketing``; English phrases always apply, because drafts in
any language quote English promo copy, and the buyer's language adds its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from guardrails import phrases
from guardrails.spans import Context, Span, quote
from guardrails.textnorm import PhraseMatcher, fold

FAMILY = "marketing"


def _matcher(language: str) -> PhraseMatcher:
    merged: dict[str, list[str]] = {}
    for lang in dict.fromkeys(("en", language)):
        for category, items in phrases.categories(lang, FAMILY).items():
            merged.setdefault(category, []).extend(items)
    return PhraseMatcher(merged)


_MATCHERS: Mapping[str, PhraseMatcher] = {lang: _matcher(lang) for lang in phrases.LEXICONS}


def detect(text: str, *, ctx: Context) -> list[Span]:
    matcher = _MATCHERS.get(ctx.language, _MATCHERS["en"])
    folded = fold(text)
    spans = []
    for f_start, f_end, category in matcher.finditer(folded.text):
        start, end = folded.span(f_start, f_end)
        match = text[start:end]
        kind = category.replace("_", " ")
        msg = (
            f'Removed a sentence advertising ({kind}: "{quote(match)}"): '
            "buyer messages must not promote anything."
        )
        spans.append(Span("marketing", "fixed", start, end, match, msg, sentence=True))
    return spans
