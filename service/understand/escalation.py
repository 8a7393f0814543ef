"""Escalation: messages an agent must not answer freely (docs/policy.md, "Escalate instead of
drafting freely").

A-to-z claims and threats of one, chargebacks, legal threats, safety incidents, fraud signals
and requests to deal outside Amazon. The signals are phrase patterns per language in
`service/data/escalation/<lang>.yaml` (data ops can extend; the format is read by
service/understand/phrase_rules.py), matched sentence by sentence so a
look-alike word elsewhere in the message cannot cancel or trigger a signal. A reason holds one
rule or a list of them, each with its own `unless`: a look-alike context (a lawyer who recommended
the product, a fire pit that burns well) then cancels only the words it is about. The intent model
adds `a_to_z_claim` when it is confident: a claim phrased in words the lists lack is still one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service import DATA_DIR
from service.understand import phrase_rules

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


@dataclass(frozen=True, slots=True)
class Escalation:
    recommended: bool
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"recommended": self.recommended, "reasons": list(self.reasons)}


# A file's top-level `unless`: what turns any reason's words in a sentence into no signal at all
# (a question about how a claim would work, a claim ruled out, a joke). English's applies to
# every message, as English patterns do. Its top-level `filed`: words saying an A-to-z claim
# has been made ("I have opened a claim"), as against threatened: a filed claim is the
# message's intent, a threat leaves the intent to what the buyer complains about.
FILED = "filed"


BOOK: Final = phrase_rules.RuleBook(
    PHRASES_DIR, names=REASONS, lists=(phrase_rules.GENERAL, FILED), always=_ALWAYS
)


def rules(language: str) -> dict[str, tuple[phrase_rules.Rule, ...]]:
    """The language's rules per reason (empty for a language without a file)."""
    return BOOK.load(language).rules


def languages() -> tuple[str, ...]:
    return BOOK.languages()


def signals(text: str, *, language: str) -> tuple[str, ...]:
    """The reasons found in the text, in REASONS order."""
    return BOOK.read(text, language)[0]


def claim_filed(text: str, *, language: str) -> bool:
    """Does the message say an A-to-z claim has been made (not only threatened)?"""
    folded = phrase_rules.fold(text)
    return any(
        (filed := f.pattern(FILED)) is not None and filed.search(folded)
        for f in BOOK.files(language)
    )


def detect(
    text: str, *, language: str, intent: str | None = None, intent_confidence: float = 0.0
) -> Escalation:
    found, set_aside = BOOK.read(text, language)
    reasons = set(found)
    # Only when the phrases found nothing: a chargeback is often classified as a claim too; and
    # not when the message rules a claim out or asks how one would work (a file's `unless`).
    claimed = intent == "a_to_z_claim" and intent_confidence >= _INTENT_CONFIDENCE
    if not reasons and claimed and not set_aside:
        reasons.add("a_to_z_claim")
    ordered = tuple(r for r in REASONS if r in reasons)
    return Escalation(recommended=bool(ordered), reasons=ordered)


def warm_up() -> None:
    BOOK.warm_up()
