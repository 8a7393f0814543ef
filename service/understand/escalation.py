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


# A file's top-level `unless`: what turns any reason's words in a sentence into no signal at all
# (a question about how a claim would work, a claim ruled out, a joke). English's applies to
# every message, as English patterns do. Its top-level `filed`: words saying an A-to-z claim
# has been made ("I have opened a claim"), as against threatened: a filed claim is the
# message's intent, a threat leaves the intent to what the buyer complains about.
GENERAL = "unless"
FILED = "filed"


@dataclass(frozen=True, slots=True)
class _File:
    rules: dict[str, tuple[_Rule, ...]]
    unless: re.Pattern[str] | None = None
    filed: re.Pattern[str] | None = None


@cache
def rules(language: str) -> dict[str, tuple[_Rule, ...]]:
    """The language's rules per reason (empty for a language without a file)."""
    return _load(language).rules


@cache
def _load(language: str) -> _File:
    path = PHRASES_DIR / f"{language}.yaml"
    if not path.is_file():
        return _File({})
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    lists = {key: raw.pop(key, None) for key in (GENERAL, FILED)}
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
    compiled: dict[str, re.Pattern[str] | None] = {}
    for key, patterns in lists.items():
        if patterns is not None and not (isinstance(patterns, list) and patterns):
            raise ValueError(f"{path.name}: {key} must be a non-empty list of patterns")
        compiled[key] = _compile(patterns, where=f"{path.name}:{key}") if patterns else None
    return _File(found, compiled[GENERAL], compiled[FILED])


def languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in PHRASES_DIR.glob("*.yaml")))


def _fold(text: str) -> str:
    # Typographic apostrophes as typed ones: "s’est brûlé" is "s'est brûlé".
    return normalize(text).replace("\u2019", "'")


def signals(text: str, *, language: str) -> tuple[str, ...]:
    """The reasons found in the text, in REASONS order."""
    return _read(text, language)[0]


def _files(language: str) -> list[_File]:
    """The language's file, then English's: English phrases apply to every message."""
    return [_load(code) for code in dict.fromkeys((language, _ALWAYS))]


def _read(text: str, language: str) -> tuple[tuple[str, ...], bool]:
    """The reasons found, and whether some sentence was set aside by a file-wide `unless`."""
    files = _files(language)
    general = [f.unless for f in files if f.unless is not None]
    found: set[str] = set()
    set_aside = False
    for sentence in _SENTENCE.findall(_fold(text)):
        if any(p.search(sentence) for p in general):
            set_aside = True
            continue
        for file in files:
            for reason, group in file.rules.items():
                if reason not in found and any(_fires(rule, sentence) for rule in group):
                    found.add(reason)
    return tuple(r for r in REASONS if r in found), set_aside


def claim_filed(text: str, *, language: str) -> bool:
    """Does the message say an A-to-z claim has been made (not only threatened)?"""
    files = _files(language)
    folded = _fold(text)
    return any(f.filed is not None and f.filed.search(folded) for f in files)


def _fires(rule: _Rule, sentence: str) -> bool:
    return bool(rule.match.search(sentence)) and not (
        rule.unless is not None and rule.unless.search(sentence)
    )


def detect(
    text: str, *, language: str, intent: str | None = None, intent_confidence: float = 0.0
) -> Escalation:
    found, set_aside = _read(text, language)
    reasons = set(found)
    # Only when the phrases found nothing: a chargeback is often classified as a claim too; and
    # not when the message rules a claim out or asks how one would work (a file's `unless`).
    claimed = intent == "a_to_z_claim" and intent_confidence >= _INTENT_CONFIDENCE
    if not reasons and claimed and not set_aside:
        reasons.add("a_to_z_claim")
    ordered = tuple(r for r in REASONS if r in reasons)
    return Escalation(recommended=bool(ordered), reasons=ordered)


def warm_up() -> None:
    for code in languages():
        rules(code)
