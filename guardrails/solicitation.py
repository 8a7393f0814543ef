"""``review_solicitation``, ``incentive`` and ``off_platform``: sentences that must go whole.

Like marketing, these are asks ("please leave us 5 stars", "order directly from our shop")
that cannot be cut out of a sentence and leave a sentence, so each hit removes the sentences it
touches. The phrases are data (``lexicon/<language>.yaml``); English always applies.

An incentive is compensation *tied to* a review, so it needs both in one sentence: a
compensation word ("refund", "gift card", "free") next to a review ask, or an explicit exchange
("in exchange for"). A refund on its own, or "thank you for your feedback, we refunded you",
is ordinary support and stays.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guardrails import phrases, sentences
from guardrails.spans import Context, Span, quote

# "@shop_official": a social-media handle, not part of an e-mail address or a URL. A plain
# word after "@" ("the @home series") is too often a product name; handles that name no
# network need a digit, "_" or "." to count.
_HANDLE = re.compile(
    r"(?<![\w@./:-])[@＠][A-Za-z_][A-Za-z0-9]*[_.0-9][A-Za-z0-9_.]{0,28}(?<!\.)(?![\w@＠-])"
)

# Amazon's own pages for writing a review or leaving seller feedback: an https Amazon link is
# allowed, but one that opens the review form asks for a review.
_REVIEW_LINK = re.compile(
    r"https?://(?:www\.)?amazon\.[a-z.]{2,10}/[^\s]*?"
    r"(?:create-review|review-your-purchases|/review/|hz/feedback|gp/feedback|ss/feedback"
    r"|feedback/leave|product-reviews/[^\s]*write)[^\s]*",
    re.IGNORECASE,
)

_WHY = {
    "review_solicitation": 'only Amazon\'s own "Request a Review" may ask for reviews or '
    "feedback, and never for positive ones or to change them.",
    "incentive": "offering anything in return for a review or feedback is forbidden.",
    "off_platform": "buyers must be served through Amazon, not sent elsewhere.",
}


# (family, categories) of each phrase table; () is every category.
_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "review": ("review_solicitation", ()),
    "off": ("off_platform", ()),
    "offers": ("incentive", ("offers",)),
    "compensation": ("incentive", ("compensation",)),
}


def _hits(text: str, table: str, ctx: Context) -> tuple[tuple[int, int, str], ...]:
    return _cached_hits(text, table, ctx.language)


@lru_cache(maxsize=64)  # review asks are needed by two detectors of the same check
def _cached_hits(text: str, table: str, language: str) -> tuple[tuple[int, int, str], ...]:
    family, only = _TABLES[table]
    found = phrases.find(family, text, language, only=only)
    if table == "review" and (notices := _notices()):
        # "a laissé un avis de passage": the carrier's card, no review.
        found = [hit for hit in found if not _before_notice(text, hit[1], notices)]
    if table == "offers":
        # "merci pour votre avis", "thank you for your review": thanks, not a price for one.
        found = [hit for hit in found if not _THANKED.search(text, max(0, hit[0] - 40), hit[0])]
    if table == "review" and any(hit[2] == STAR_COUNT for hit in found):
        offered = [
            *_cached_hits(text, "offers", language),
            *_cached_hits(text, "compensation", language),
        ]
        found = _ratings_only(text, found, offered)
    return tuple(found)


# "Five stars" asks for a rating in most sentences that say it, but not in "the five stars on
# the dial are the speed settings" or "星空プロジェクター…5つのモード": a star count that is the
# only review cue of its sentence (no other ask, nothing offered: "for 5 stars we send you a
# second one free") counts unless the sentence model reads that sentence as ordinary text
# (``none``) with this confidence. An ask ("five stars would make our day") is not read as
# ``none`` by it.
STAR_COUNT = "star_count"
STARS_PLAIN = 0.7


def _ratings_only(
    text: str, found: list[tuple[int, int, str]], offered: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    from guardrails import sentence_model  # it reads this module's warnings

    bounds = sentences.bounds(text)
    owner = [sentences.covering(bounds, start, end) for start, end, _ in found]
    other = {where for where, hit in zip(owner, found, strict=True) if hit[2] != STAR_COUNT}
    other |= {sentences.covering(bounds, start, end) for start, end, _ in offered}
    alone = {
        where
        for where, hit in zip(owner, found, strict=True)
        if hit[2] == STAR_COUNT and where not in other
    }
    if not alone:
        return found
    places = sorted(alone)
    read = sentence_model.model().predict([text[start:end] for start, end in places])
    plain = {
        where
        for where, prediction in zip(places, read, strict=True)
        if prediction.label == sentence_model.NONE and prediction.probability >= STARS_PLAIN
    }
    return [hit for where, hit in zip(owner, found, strict=True) if where not in plain]


def sentence_span(rule: str, text: str, start: int, end: int, category: str) -> Span:
    """The fix of a sentence that breaks ``rule`` (review, incentive, off_platform): it goes
    whole, and the message names what it held."""
    match = text[start:end]
    kind = category.replace("_", " ")
    msg = f'Removed a sentence ({kind}: "{quote(match)}"): {_WHY[rule]}'
    return Span(rule, "fixed", start, end, match, msg, sentence=True)


def detect_reviews(text: str, *, ctx: Context) -> list[Span]:
    """Review asks, and offers made for a review ("in exchange for your feedback on Amazon, …"):
    an offer tied to a review asks for that review, whatever else it is."""
    hits = sorted({*_hits(text, "review", ctx), *_hits(text, "offers", ctx)})
    if "amazon." in text.lower():
        hits = sorted(
            {*hits, *((m.start(), m.end(), "review link") for m in _REVIEW_LINK.finditer(text))}
        )
    spans: list[Span] = []
    last = -1
    for start, end, category in hits:
        if start >= last:
            spans.append(sentence_span("review_solicitation", text, start, end, category))
            last = end
    return spans


@lru_cache(maxsize=1)
def _notices() -> tuple[str, ...]:
    return tuple(p.casefold() for p in phrases.everywhere("review_solicitation", "not_before"))


def _before_notice(text: str, end: int, notices: tuple[str, ...]) -> bool:
    after = " ".join(text[end : end + 40].casefold().split())
    return after.startswith(notices)


def detect_incentives(text: str, *, ctx: Context) -> list[Span]:
    offers = _hits(text, "offers", ctx)
    asks = _hits(text, "review", ctx)
    if not asks:  # compensation alone ("we refunded you") is ordinary support
        return [sentence_span("incentive", text, *hit) for hit in offers]
    bounds = sentences.bounds(text)
    asked = {sentences.covering(bounds, s, e) for s, e, _ in asks}
    spans = [sentence_span("incentive", text, *hit) for hit in offers]
    for start, end, category in _hits(text, "compensation", ctx):
        if sentences.covering(bounds, start, end) in asked:
            spans.append(sentence_span("incentive", text, start, end, category))
    return spans


# Thanks right before an offer's words ("merci pour votre avis", "thanks so much for your
# review"): the buyer is thanked for an opinion given, nothing is offered for one.
_THANKED = re.compile(
    r"\b(?:thank you|thanks|merci|danke|vielen dank|gracias|grazie)(?:\s+(?:so much|very much|"
    r"beaucoup|bien|mille|muchas|molto|sehr))?(?:\s+(?:for|pour|für|por|per))?\s*\Z",
    re.IGNORECASE,
)
# A contrast after a negation starts another clause: "we do not offer phone support, but
# message us on WhatsApp" still invites.
_CONTRAST = re.compile(
    r"\b(?:but|however|aber|jedoch|mais|cependant|pero|sin embargo|ma|però)\b|けど|けれど|が、",
    re.IGNORECASE,
)
# A sentence that rules the act out before naming it asks and offers nothing: "no need to email
# us separately" (an invitation declined), "we do not issue coupons", "当店ではクーポンの発行は
# 承っておりません" (an offer declined; Japanese says so after it).
_NO_NEED = re.compile(
    r"\b(?:no need to|don't need to|do not need to|there's no need|there is no need|nicht "
    r"nötig|nicht notwendig|brauchen sie (?:uns )?nicht|müssen sie (?:uns )?nicht|pas besoin de|"
    r"inutile de|no hace falta|no es necesario|non serve|non è necessario|non c'è bisogno)\b",
    re.IGNORECASE,
)
_DECLINED = re.compile(
    r"\b(?:we do not (?:offer|issue|provide)|we don't (?:offer|issue|provide)|we cannot offer|"
    r"we can't offer|bieten wir (?:leider )?keine|geben wir (?:leider )?keine|nous ne proposons "
    r"pas|nous n'offrons pas|no ofrecemos|no emitimos|non offriamo|non emettiamo)\b",
    re.IGNORECASE,
)
_DECLINED_AFTER = re.compile(r"承っておりません|行っておりません|いたしかねます|できかねます")


def declines(text: str, start: int, end: int, *, invitation: bool = False) -> bool:
    """Does the sentence around ``text[start:end]`` decline what it names: an offer refused
    before it (or, in Japanese, after it), or with ``invitation``, a contact said to be
    needless ("no need to email us")?"""
    first, last = sentences.covering(sentences.bounds(text), start, end)
    for pattern in (_DECLINED, *((_NO_NEED,) if invitation else ())):
        m = pattern.search(text, first, start)
        if m is not None and not _CONTRAST.search(text, m.end(), start):
            return True
    after = _DECLINED_AFTER.search(text, end, last)
    return after is not None and not _CONTRAST.search(text, end, after.start())


# Messengers and networks named as what a product shows or works with ("WhatsApp notifications
# on the watch"), not as a way to reach the seller.
_PLATFORM_NAME = re.compile(
    r"whats\s?app|instagram|facebook|messenger|telegram|tiktok|line|x|twitter|snapchat|wechat",
    re.IGNORECASE,
)
_APP_FEATURE = re.compile(r"notification|benachrichtigung|notificaci|notifica|通知", re.IGNORECASE)


_WORD = re.compile(r"[^\W_]+(?:\s?app)?", re.IGNORECASE)


def asks_nothing(sentence: str) -> bool:
    """A whole sentence that warns ("never"), calls a contact needless ("no need to email us")
    or names a messenger as what a product shows ("WhatsApp notifications"): the sentence
    model's off_platform flags are read as the phrase rules read their hits."""
    if warns(sentence):
        return True
    if _CONTRAST.search(sentence):  # "…, but message us on WhatsApp": another clause asks
        return False
    if _NO_NEED.search(sentence) or _DECLINED.search(sentence):
        return True
    return bool(_APP_FEATURE.search(sentence)) and any(
        _PLATFORM_NAME.fullmatch(m.group()) for m in _WORD.finditer(sentence)
    )


def _feature(text: str, start: int, end: int) -> bool:
    """Is the hit a messenger's bare name in a sentence about what a product shows?"""
    return bool(_PLATFORM_NAME.fullmatch(text[start:end].strip())) and bool(
        _APP_FEATURE.search(sentences.around(text, start, end))
    )


# A warning against leaving Amazon is no invitation to: "we will never ask you to pay by
# WhatsApp", "nunca le pediremos datos por WhatsApp", "LINEでお支払いをお願いすることは一切ござい
# ません". A sentence that says "never" (or its like) around the channel is left alone.
_NEVER = re.compile(
    r"\b(?:never|nunca|jamais|niemals|nie|mai|en aucun cas|in keinem fall|en ningún caso"
    r"|in nessun caso)\b|一切|決して",
    re.IGNORECASE,
)


def warns(sentence: str) -> bool:
    """Does the sentence warn against something ("never", "jamais", "一切…ません")?"""
    return _NEVER.search(sentence) is not None


def _warned(text: str, start: int, end: int) -> bool:
    return warns(sentences.around(text, start, end))


def detect_off_platform(text: str, *, ctx: Context) -> list[Span]:
    hits = _hits(text, "off", ctx)
    if hits:  # a warning, a declined contact or an app's feature is no invitation
        never = _NEVER.search(text) is not None
        hits = tuple(
            (start, end, category)
            for start, end, category in hits
            if not (never and _warned(text, start, end))
            and not declines(text, start, end, invitation=True)
            and not _feature(text, start, end)
        )
    spans = [sentence_span("off_platform", text, *hit) for hit in hits]
    if "@" in text or "＠" in text:
        spans += [
            sentence_span("off_platform", text, m.start(), m.end(), "social handle")
            for m in _HANDLE.finditer(text)
        ]
    return spans
