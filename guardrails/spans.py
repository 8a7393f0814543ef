"""The currency between detectors and the pipeline: an immutable context in, spans out.

A detector never edits text. It reports :class:`Span` objects against the text it was given,
each saying what to do (replace, remove, remove the whole sentence, or only flag); the
pipeline resolves overlaps once and applies everything in one pass. Keeping detectors pure
like this is what lets the pipeline re-run them on the fixed text to prove the fix converged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from guardrails.marketplaces import Marketplace
from guardrails.report import Action

MessageKind = Literal["reply", "proactive"]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the seller means to send with the message (judged by ``attachment_type``)."""

    filename: str
    content_type: str
    size_bytes: int
    purpose: str | None = None  # instruction_manual, warranty, invoice or return_label


@dataclass(frozen=True, slots=True)
class Grounding:
    """What a drafted text may draw on: ``texts`` (the order's facts written out, knowledge-base
    passages, the template, the agent's instructions) and the order's dates, by event: a date a
    text ties to shipping ("it left us on 5 May") must be a shipping date, one it ties to
    delivery a delivery date. The ``unsupported_commitment`` rule (guardrails.commitments)
    reads a text against it."""

    texts: tuple[str, ...] = ()
    dates: tuple[datetime, ...] = ()  # of no particular event: the purchase, the message
    shipping: tuple[datetime, ...] = ()  # when the order shipped
    delivery: tuple[datetime, ...] = ()  # delivered, or expected (earliest, latest)


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a rule may know about the message besides its text; built once per check by
    :func:`guardrails.context`, which validates it. The fields after ``message_kind`` are the
    circumstances some rules need; a rule whose circumstance is unknown (None, empty) is silent."""

    order_id: str  # normalised: ASCII digits and hyphens
    marketplace: Marketplace
    language: str  # ISO 639-1, lower case
    message_kind: MessageKind
    attachments: tuple[Attachment, ...] = ()
    # Order completion (delivery, else latest delivery date, else shipping) and the moment the
    # message goes out: together they decide ``contact_window``.
    completed_at: datetime | None = None
    now: datetime | None = None
    # The knowledge-base template the text was rendered from, when it was, and its language.
    template_id: str | None = None
    template_language: str | None = None
    # What a drafted text may draw on: with it, the ``unsupported_commitment`` rule applies.
    grounding: Grounding | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """A rule hit on ``text[start:end]`` and the fix for it.

    ``replacement`` None means leave the text alone (flag or block); ``""`` removes the match;
    any other string replaces it. ``sentence`` removes every sentence the span touches instead.
    ``label_cleanup`` marks removals (links, addresses, numbers) that can leave a dangling
    "Tel.:" or "call us at" behind, so the cleanup may drop those words too.
    """

    rule: str
    action: Action
    start: int
    end: int
    match: str
    message: str
    replacement: str | None = None
    sentence: bool = False
    label_cleanup: bool = False


class Detector(Protocol):
    def __call__(self, text: str, *, ctx: Context) -> list[Span]: ...


def quote(text: str, *, limit: int = 60) -> str:
    """A match shortened for a human message, so one long URL does not drown the sentence."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
