"""``amazon_duplicate``: a proactive message that only repeats what Amazon already sends.

Amazon confirms orders and shipments itself; a seller-initiated message that says nothing else
("Thank you for your order! It has shipped.") is forbidden. Replies are never judged: thanking
a buyer who wrote first is fine.

A message is a duplicate when it confirms (an order, a shipment, a delivery, a thank-you: the
lexicon's ``amazon_duplicate.confirmations``, or a sentence the sentence model is sure only
confirms, see :func:`guardrails.sentence_model.confirms`) and brings nothing of what a
proactive message is allowed for: no question, and none of the lexicon's ``substance`` (a
request, an issue or apology, instructions, an invoice, a return, a delivery to schedule, a
design to approve). How warmly or at what length it confirms does not matter: a chatty
shipping notice that restates the carrier, the tracking number and the date is still Amazon's
notice.
"""

from __future__ import annotations

import re

from guardrails import order_id, phrases, sentence_model
from guardrails.spans import Context, Span
from guardrails.textnorm import fold

FAMILY = "amazon_duplicate"
_CONFIRM = ("confirmations",)
_CLOSE = ("closings",)
_QUESTION = re.compile(r"[?？]")


def _hit(only: tuple[str, ...], text: str, ctx: Context) -> bool:
    return bool(phrases.find(FAMILY, text, ctx.language, only=only))


def detect(text: str, *, ctx: Context) -> list[Span]:
    if ctx.message_kind != "proactive":
        return []
    # The substance phrases are matched apart from the shared scan (phrases.SEPARATE): only
    # proactive drafts ask.
    substance = phrases.apart(ctx.language, FAMILY, ("substance",))
    if _QUESTION.search(text) or next(substance.finditer(fold(text).text), None):
        return []
    plain = order_id.ORDER_ID.sub(" ", text)
    # A confirmation in the lexicon's words, or one the sentence model is sure of ("Quick
    # heads-up: your parcel left our warehouse this morning and is with the carrier now").
    if not _hit(_CONFIRM, plain, ctx) and not sentence_model.confirms(plain):
        return []
    msg = (
        "This proactive message only repeats Amazon's own order or shipping confirmation or a "
        "bare thank-you, which Amazon forbids: add what the buyer needs to know, or do not send it."
    )
    return [Span("amazon_duplicate", "blocked", 0, 0, "", msg)]


def is_closing(sentence: str, *, ctx: Context) -> bool:
    """ "Best regards,", "Mit freundlichen Grüßen", "よろしくお願いいたします": the closing phrase
    is the whole line, give or take punctuation ("Thanks for your patience." is a sentence)."""
    folded = fold(sentence.strip().rstrip(",.!、。！")).text.strip()
    automaton = phrases.automaton(ctx.language)
    hit = automaton.table(FAMILY, _CLOSE).first_at_start(folded, automaton.opening(folded))
    return hit is not None and hit[1] >= len(folded)
