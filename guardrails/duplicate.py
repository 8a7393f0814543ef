"""``amazon_duplicate``: a proactive message that only repeats what Amazon already sends.

Amazon confirms orders and shipments itself; a seller-initiated message that says nothing else
("Thank you for your order! It has shipped.") is forbidden. Replies are never judged: thanking
a buyer who wrote first is fine. A message is a duplicate when every sentence besides the
greeting, the order ID, the closing and the signature is a confirmation or a thank-you from the
lexicon (``amazon_duplicate``) and short: a confirmation that goes on to say something new
("…, but the blue one is sold out, so…") is a real message.
"""

from __future__ import annotations

import re

from guardrails import order_id, phrases, sentences
from guardrails.spans import Context, Span
from guardrails.textnorm import HAN, KANA, fold

FAMILY = "amazon_duplicate"
_CONFIRM = ("confirmations",)
_CLOSE = ("closings",)
MAX_WORDS = 14  # a confirmation sentence longer than this says more than Amazon does
_WORD = re.compile(r"[^\W\d_]+")
_CJK = re.compile(f"[{KANA}{HAN}]")  # kana and kanji, compatibility ideographs aside


def _words(text: str) -> int:
    return len(_WORD.findall(_CJK.sub("", text))) + len(_CJK.findall(text)) // 4


def _hit(only: tuple[str, ...], text: str, ctx: Context) -> bool:
    return bool(phrases.find(FAMILY, text, ctx.language, only=only))


def detect(text: str, *, ctx: Context) -> list[Span]:
    if ctx.message_kind != "proactive":
        return []
    confirmations = 0
    for start, end in sentences.bounds(text):
        raw = text[start:end]
        sentence = order_id.ORDER_ID.sub(" ", raw).strip(" .:：-")
        words = _words(sentence)
        if words == 0 or order_id.is_greeting(sentence):
            continue
        if order_id.ORDER_ID.search(raw) and words <= 2:
            continue  # "Order 114-…", "Order ID: …"
        if _hit(_CLOSE, sentence, ctx) and words <= 4:
            continue
        if _hit(_CONFIRM, sentence, ctx) and words <= MAX_WORDS:
            confirmations += 1
            continue
        if words <= 3 and not re.search(r"[.!?。！？]$", raw):
            continue  # a signature line: "Anna", "Team Blender X2"
        return []
    if not confirmations:
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
