"""Analyse a buyer message: language, intent (with a confidence), tags and priority."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from guardrails import marketplaces
from guardrails.language import identify
from service.intents import INTENTS, TAGS, Priority, base_priority

# Below this the detector guesses (a bare "danke" or "ok"); the marketplace knows better.
_MIN_CONFIDENCE = 0.8
_MIN_LETTERS = 12
_INTENT_FILE = Path(__file__).parent / "data" / "intent_keywords.yaml"


@dataclass(frozen=True, slots=True)
class Analysis:
    language: str
    language_source: str  # "request", "message" or "marketplace"
    intent: str
    intent_confidence: float
    tags: tuple[str, ...]
    priority: Priority


@lru_cache(maxsize=1)
def _intent_patterns() -> tuple[tuple[str, int, re.Pattern[str]], ...]:
    raw = yaml.safe_load(_INTENT_FILE.read_text(encoding="utf-8"))
    patterns = []
    for intent, rules in raw.items():
        if intent not in INTENTS:
            raise ValueError(f"{_INTENT_FILE}: unknown intent {intent!r}")
        for weight, pattern in rules:
            patterns.append((intent, int(weight), re.compile(pattern, re.IGNORECASE)))
    return tuple(patterns)


def warm_up() -> None:
    """Load the intent patterns (done once, at start-up)."""
    _intent_patterns()


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def language_code(locale: str) -> str:
    """`de-DE`, `de_DE` or `DE` → `de`."""
    return locale.replace("_", "-").split("-")[0].lower()


def detect_language(*, text: str, locale: str | None, marketplace: str) -> tuple[str, str]:
    """The buyer's language per POLICY.md: request locale, else the message, else marketplace."""
    if locale:
        return language_code(locale), "request"
    letters = sum(ch.isalpha() for ch in text)
    cjk = any("\u3040" <= ch <= "\u9fff" for ch in text)
    if letters >= _MIN_LETTERS or cjk:
        language, confidence = identify(text)
        if confidence >= _MIN_CONFIDENCE:
            return language, "message"
    return marketplaces.resolve(marketplace).language, "marketplace"


def classify_intent(text: str) -> tuple[str, float]:
    folded = fold(text)
    scores: dict[str, int] = {}
    for intent, weight, pattern in _intent_patterns():
        if pattern.search(folded):
            scores[intent] = scores.get(intent, 0) + weight
    if not scores:
        return "other", 0.0
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], INTENTS.index(kv[0])))
    best, top = ranked[0]
    total = sum(scores.values())
    # Share of the evidence, damped for thin evidence: one weak keyword is not certainty.
    confidence = (top / total) * min(1.0, top / 4)
    return best, round(confidence, 3)


def analyse(*, text: str, locale: str | None, marketplace: str) -> Analysis:
    language, source = detect_language(text=text, locale=locale, marketplace=marketplace)
    intent, confidence = classify_intent(text)
    return Analysis(
        language=language,
        language_source=source,
        intent=intent,
        intent_confidence=confidence,
        tags=TAGS[intent],
        priority=base_priority(intent),
    )
