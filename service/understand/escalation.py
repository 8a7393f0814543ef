"""Escalation: messages an agent must not answer freely (POLICY.md, "Escalate instead").

A-to-z claims and threats of one, chargebacks, legal threats, safety incidents, fraud signals
and requests to deal outside Amazon. The signals are phrase patterns per language in
`service/data/escalation/<lang>.yaml` (data ops can extend), matched sentence by sentence so a
look-alike word elsewhere in the message cannot cancel or trigger a signal. A reason holds one
rule or a list of them, each with its own `unless`: a look-alike context (a lawyer who recommended
the product, a fire pit that burns well) then cancels only the words it is about. The intent model
adds `a_to_z_claim` when it is confident: a claim phrased in words the lists lack is still one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import yaml

from guardrails.textnorm import normalize
from service import DATA_DIR

PHRASES_DIR: Final = DATA_DIR / "escalation"
REASONS: Final = (
    "a_to_z_claim",
    "chargeback",
    "legal_threat",
    "safety_incident",
    "fraud_signal",
    "off_amazon",
)
# English patterns run for every message: buyers write "A-to-z", "chargeback" or "WhatsApp"
# in any language.
_ALWAYS: Final = "en"
_INTENT_CONFIDENCE: Final = 0.6
_SENTENCE = re.compile(r"[^.!?;。！？\n]+")
# libyaml when PyYAML has it: the six phrase files parse ten times faster, at every start.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Escalation:
    recommended: bool
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"recommended": self.recommended, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class _Rule:
    match: re.Pattern[str]
    unless: re.Pattern[str] | None


def _compile(patterns: list[str], *, where: str) -> re.Pattern[str]:
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error as exc:
        raise ValueError(f"{where}: bad pattern: {exc}") from exc


@cache
def rules(language: str) -> dict[str, tuple[_Rule, ...]]:
    """The language's rules per reason (empty for a language without a file)."""
    path = PHRASES_DIR / f"{language}.yaml"
    if not path.is_file():
        return {}
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    found: dict[str, tuple[_Rule, ...]] = {}
    for reason, spec in raw.items():
        if reason not in REASONS:
            raise ValueError(f"{path.name}: unknown reason {reason!r} (use {', '.join(REASONS)})")
        where = f"{path.name}:{reason}"
        found[reason] = tuple(
            _Rule(
                match=_compile(group["match"], where=where),
                unless=_compile(group["unless"], where=where) if group.get("unless") else None,
            )
            for group in (spec if isinstance(spec, list) else [spec])
        )
    return found


def languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in PHRASES_DIR.glob("*.yaml")))


def _fold(text: str) -> str:
    # Typographic apostrophes as typed ones: "s’est brûlé" is "s'est brûlé".
    return normalize(text).replace("\u2019", "'")


def signals(text: str, *, language: str) -> tuple[str, ...]:
    """The reasons found in the text, in REASONS order."""
    tables = [rules(code) for code in dict.fromkeys((language, _ALWAYS))]
    found: set[str] = set()
    for sentence in _SENTENCE.findall(_fold(text)):
        for table in tables:
            for reason, group in table.items():
                if reason not in found and any(_fires(rule, sentence) for rule in group):
                    found.add(reason)
    return tuple(r for r in REASONS if r in found)


def _fires(rule: _Rule, sentence: str) -> bool:
    return bool(rule.match.search(sentence)) and not (
        rule.unless is not None and rule.unless.search(sentence)
    )


def detect(
    text: str, *, language: str, intent: str | None = None, intent_confidence: float = 0.0
) -> Escalation:
    reasons = set(signals(text, language=language))
    # Only when the phrases found nothing: a chargeback is often classified as a claim too.
    if not reasons and intent == "a_to_z_claim" and intent_confidence >= _INTENT_CONFIDENCE:
        reasons.add("a_to_z_claim")
    ordered = tuple(r for r in REASONS if r in reasons)
    return Escalation(recommended=bool(ordered), reasons=ordered)


def warm_up() -> None:
    for code in languages():
        rules(code)
