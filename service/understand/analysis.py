"""Analyse a buyer message: language, intent (with a confidence), tags and priority."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import yaml

from guardrails import marketplaces
from guardrails.language import identify
from guardrails.locales import language_of
from guardrails.textnorm import CJK_SPAN, normalize
from service import DATA_DIR
from service.understand import concerns, phrase_rules
from service.understand import escalation as escalations
from service.understand.escalation import Escalation
from service.understand.intent_model import IntentModel
from service.understand.intents import TAGS, Priority, base_priority

# Below this the detector guesses (a bare "danke" or "ok"); the marketplace knows better.
_MIN_CONFIDENCE = 0.8
_MIN_LETTERS = 12
_CJK = re.compile(f"[{CJK_SPAN}]")
_ACKNOWLEDGEMENTS = DATA_DIR / "acknowledgements.yaml"
_MAX_ACK_CHARS = 200  # a long message is never one that needs nothing
_NEEDS_REPLY = DATA_DIR / "needs_reply.yaml"
_MAX_LEFTOVER_WORDS = 3  # besides the acknowledgements: "the blender", a name
_MAX_LEFTOVER_LENGTH = 15
_MAX_CJK_LEFTOVER = 6  # kana and kanji besides them: "商品", "今日"
NO_ESCALATION = Escalation(recommended=False, reasons=())
# A message of nothing but these is a thanks ("🙏", "👍👍"); "😡" or "!!!" is not.
_THANKS_EMOJI = frozenset("🙏👍👌😊🙂😀😃😄😁🥰😍❤♥💕💖✅🎉👏🤗☺💯🌟⭐✨🥳😘💐")
_EMOJI_MODIFIERS = frozenset("\ufe0f\u200d🏻🏼🏽🏾🏿")


@dataclass(frozen=True, slots=True)
class Analysis:
    language: str
    language_source: str  # "request", "message" or "marketplace"
    intent: str
    intent_confidence: float
    tags: tuple[str, ...]
    priority: Priority
    no_response_needed: bool = False
    escalation: Escalation = NO_ESCALATION
    # "model" (the classifier), "escalation" (a reason that is an intent decided it) or "llm"
    # (the classifier was unsure and the configured model chose from the intent list).
    intent_source: str = "model"
    claim_filed: bool = False  # the message says an A-to-z claim is made, not only threatened
    # Item problems the message states beside its intent ("arrived broken, refund please"):
    # the reply answers them too (service/understand/concerns.py).
    concerns: tuple[str, ...] = ()


def escalation(
    intent: str, *, text: str = "", language: str = "en", confidence: float = 1.0
) -> Escalation:
    """Escalation signals of the message (service/escalation.py), with the intent's say."""
    return escalations.detect(text, language=language, intent=intent, intent_confidence=confidence)


@lru_cache(maxsize=1)
def intent_model() -> IntentModel:
    """Loaded once from the file `replydesk intents build` wrote (tens of milliseconds)."""
    return IntentModel.load()


@lru_cache(maxsize=1)
def _acknowledgement_re() -> re.Pattern[str]:
    text = _ACKNOWLEDGEMENTS.read_text(encoding="utf-8")
    raw: dict[str, list[str]] = yaml.load(text, Loader=phrase_rules.YAML_LOADER)
    phrases = sorted({fold(p) for values in raw.values() for p in values}, key=len, reverse=True)
    # Latin phrases must stand alone ("ok" is not the start of "okra"); Japanese has no spaces.
    alternatives = [re.escape(p) if p[0] >= "\u3000" else rf"\b{re.escape(p)}\b" for p in phrases]
    return re.compile("|".join(alternatives))


@dataclass(frozen=True, slots=True)
class _Waiting:
    """What shows the buyer still waits for something (service/data/needs_reply.yaml)."""

    fine: re.Pattern[str]
    signs: re.Pattern[str]


@cache
def _waiting(language: str) -> _Waiting | None:
    raw: dict[str, dict[str, str]] = yaml.load(
        _NEEDS_REPLY.read_text(encoding="utf-8"), Loader=phrase_rules.YAML_LOADER
    )
    table = raw.get(language)
    if table is None:
        return None
    signs = "|".join(f"(?:{table[key]})" for key in ("contrast", "request", "trouble"))
    return _Waiting(re.compile(table["fine"]), re.compile(signs))


def _still_waiting(folded: str, language: str) -> bool:
    # The message's language and English (buyers mix it in); Japanese too wherever kana or
    # kanji occur, whatever language the message was taken for.
    codes = (language, "en", *(("ja",) if _CJK.search(folded) else ()))
    for code in dict.fromkeys(codes):
        table = _waiting(code)
        if table is not None and table.signs.search(table.fine.sub(" ", folded)):
            return True
    return False


def no_response_needed(
    text: str,
    *,
    buyer_name: str | None = None,
    language: str = "en",
    intent: str | None = None,
    confidence: float = 0.0,
) -> bool:
    """Nothing left to answer: a thanks, "ok, got it", an arrival or a fix confirmed, praise, a
    matter waved off, and at most a few plain words besides; never a question mark, and never
    a contrast, a request or a word of trouble (service/data/needs_reply.yaml). ``intent`` and
    its ``confidence`` are the intent model's reading: a message it is sure names a concern
    ("arrived busted", "fattura grazie") is never one, whatever words the lists lack."""
    if intent is not None and intent not in NO_CONCERN and confidence >= SURE_OF_A_CONCERN:
        return False
    folded = fold(text)
    if "?" in folded or "？" in folded or len(folded) > _MAX_ACK_CHARS:
        return False
    if not any(ch.isalnum() for ch in folded):  # "🙏", "👍👍": thanks without a word
        marks = [ch for ch in folded if not ch.isspace() and ch not in _EMOJI_MODIFIERS]
        emoji = [ch for ch in marks if not unicodedata.category(ch).startswith("P")]
        return bool(emoji) and all(ch in _THANKS_EMOJI for ch in emoji)
    # What the acknowledgements say is read as said ("refund received" is no trouble word);
    # what else the buyer wrote is read for a contrast, a request or a word of trouble.
    rest, found = _acknowledgement_re().subn(" ", folded)
    if _still_waiting(rest, language):
        return False
    if buyer_name:
        rest = rest.replace(fold(buyer_name), " ")
    # What remains may be punctuation, a name or a few plain words ("the blender", "today");
    # in Japanese, where nothing parts the words, only a few characters.
    leftover = re.sub(r"[\W_]+", " ", rest).split()
    cjk = sum(1 for word in leftover for ch in word if ch >= "\u3000")
    if cjk > _MAX_CJK_LEFTOVER:
        return False
    latin = [word for word in leftover if not any(ch >= "\u3000" for ch in word)]
    return (
        found > 0
        and len(latin) <= _MAX_LEFTOVER_WORDS
        and all(len(word) <= _MAX_LEFTOVER_LENGTH for word in latin)
    )


def warm_up() -> None:
    """Load the intent model now, at start-up, rather than on the first request. Escalation
    phrases compile per language on first use (a few tens of milliseconds each)."""
    intent_model()
    _acknowledgement_re()
    concerns.warm_up()


fold = normalize


def detect_language(*, text: str, locale: str | None, marketplace: str) -> tuple[str, str]:
    """The buyer's language (docs/policy.md): request locale, else the message, else marketplace."""
    if locale:
        return language_of(locale), "request"
    letters = sum(ch.isalpha() for ch in text)
    cjk = _CJK.search(text) is not None
    if letters >= _MIN_LETTERS or cjk:
        language, confidence = identify(text)
        if confidence >= _MIN_CONFIDENCE:
            return language, "message"
    return marketplaces.resolve(marketplace).language, "marketplace"


def classify_intent(text: str) -> tuple[str, float]:
    """The intent and a confidence (0–1); `other` when the message is like no intent."""
    prediction = intent_model().predict(text)
    return prediction.intent, prediction.confidence


# An A-to-z claim the escalation reads decides the intent when the message says the claim is
# made ("I have opened a claim"), or when the model found no concrete concern in it (other,
# praise): the template, tags and clock then agree with the escalation. A claim only
# threatened over a concrete problem ("…still not here: I'll file a claim on Friday") keeps
# that problem as its intent, so the reply answers it; the escalation still marks it.
CLAIM = "a_to_z_claim"
NO_CONCERN = frozenset({"other", "positive_feedback"})
# The intent model's confidence in a concern above which a message always needs a reply: on the
# no-response development messages it costs 3 of 203 found, and it keeps the 10 of the model's
# 8,125 training messages of a concern that the phrase lists alone would silence.
SURE_OF_A_CONCERN = 0.8
# The confidence given to an intent the escalation phrases decided (they are written for
# precision: no false claim on the project's escalation sets).
ESCALATION_CONFIDENCE = 0.9


def analyse(
    *,
    text: str,
    locale: str | None,
    marketplace: str,
    buyer_name: str | None = None,
    chosen: str | None = None,
) -> Analysis:
    """The reading of a message. ``chosen`` is the intent an LLM picked when the classifier was
    unsure (service/compose/intent_choice.py): it decides, with the classifier's confidence in
    it, unless the escalation's claim does (below)."""
    language, source = detect_language(text=text, locale=locale, marketplace=marketplace)
    prediction = intent_model().predict(text)
    intent, confidence, decided_by = prediction.intent, prediction.confidence, "model"
    if chosen is not None:
        intent, confidence, decided_by = chosen, prediction.share(chosen), "llm"
    # A claim the model named is escalated as one the classifier is sure of: the intent and
    # the escalation agree, and a person looks (a wrong claim costs a look, a missed one more).
    sure = 1.0 if decided_by == "llm" else confidence
    escalated = escalation(intent, text=text, language=language, confidence=sure)
    claimed = CLAIM in escalated.reasons
    filed = claimed and escalations.claim_filed(text, language=language)
    if claimed and intent != CLAIM and (intent in NO_CONCERN or filed):
        intent, confidence, decided_by = CLAIM, ESCALATION_CONFIDENCE, "escalation"
    stated = concerns.secondary(text, language=language, intent=intent)
    return Analysis(
        language=language,
        language_source=source,
        intent=intent,
        intent_confidence=confidence,
        tags=tuple(dict.fromkeys(tag for name in (intent, *stated) for tag in TAGS[name])),
        priority=base_priority(intent),
        no_response_needed=not escalated.recommended
        and no_response_needed(
            text,
            buyer_name=buyer_name,
            language=language,
            intent=prediction.intent,
            confidence=prediction.confidence,
        ),
        escalation=escalated,
        intent_source=decided_by,
        claim_filed=filed,
        concerns=stated,
    )
