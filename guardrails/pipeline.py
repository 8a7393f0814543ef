"""``check``: run every detector once, resolve, apply, tidy, insert the order ID, re-check.

The detectors are one plain tuple below; their order is the tie-break when two fixes claim the
same text (see :mod:`guardrails.resolve`). What a check needs (phrase automata per language,
the language model, phone metadata) is built on first use, under a lock, and never mutated
afterwards, so concurrent checks share nothing mutable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from guardrails import (
    attachments,
    commitments,
    contacts,
    duplicate,
    emoji_rules,
    formatting,
    language_rule,
    links,
    marketing,
    marketplaces,
    phones,
    phrases,
    placeholders,
    sentence_model,
    sentences,
    solicitation,
    template_language,
    tone,
    window,
)
from guardrails import order_id as order_ids
from guardrails.locales import language_of
from guardrails.report import Finding, Report
from guardrails.resolve import Edit, resolve
from guardrails.sentences import tidy
from guardrails.spans import Attachment, Context, Detector, Grounding, MessageKind, Span, quote

MAX_LENGTH = 2000  # SP-API limit for a free-text message
# Five times that is no draft but a pasted document: it cannot be sent, and fixing it would let
# one request cost seconds (thousands of links or numbers). Such a text is blocked unread,
# which bounds every check to 10,000 characters of work.
MAX_CHECK_LENGTH = 10_000

DETECTORS: tuple[Detector, ...] = (
    links.detect,
    contacts.detect_emails,
    phones.detect_phones,
    order_ids.detect_mismatch,
    emoji_rules.detect,
    formatting.detect,
    marketing.detect,
    solicitation.detect_incentives,
    solicitation.detect_reviews,
    solicitation.detect_off_platform,
    placeholders.detect,
    tone.detect,
    language_rule.detect,
    duplicate.detect,
    commitments.detect,
)
MIN_SUBSTANCE = 1  # a content word besides greeting, order ID line and signature

# Rules that judge the circumstances of a message rather than its text.
CIRCUMSTANCES = (attachments.judge, window.judge, template_language.judge)


def context(
    *,
    order_id: str,
    marketplace: str,
    language: str | None = None,
    message_kind: str = "reply",
    attachments: Iterable[Attachment] = (),
    completed_at: datetime | None = None,
    now: datetime | None = None,
    template_id: str | None = None,
    template_language: str | None = None,
    grounding: Grounding | None = None,
) -> Context:
    """Everything :func:`check` needs to know, validated; ``ValueError`` names what is wrong.

    ``language`` is the buyer's locale (the marketplace's language when absent);
    ``message_kind`` is ``reply`` (acknowledgements are replies) or ``proactive``. The rest are
    circumstances: the seller's files (``attachment_type``), order completion and the moment of
    sending (``contact_window``), the template the text came from (``language_mismatch``), and
    what a drafted text may draw on (``unsupported_commitment``).
    """
    market = marketplaces.resolve(marketplace)
    lang = language_of(language) if language is not None and language.strip() else market.language
    kind: MessageKind
    if message_kind == "reply":
        kind = "reply"
    elif message_kind == "proactive":
        kind = "proactive"
    else:
        raise ValueError(f"message_kind {message_kind!r} must be 'reply' or 'proactive'")
    for moment in (completed_at, now):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("completed_at and now must be timezone-aware")
    return Context(
        order_ids.validate(order_id),
        market,
        lang,
        kind,
        attachments=tuple(attachments),
        completed_at=completed_at,
        now=now,
        template_id=template_id,
        template_language=language_of(template_language) if template_language else None,
        grounding=grounding,
    )


def detect(text: str, *, ctx: Context) -> list[tuple[int, Span]]:
    """Every detector's spans, each tagged with its detector's priority (lower wins ties)."""
    return [(prio, span) for prio, det in enumerate(DETECTORS) for span in det(text, ctx=ctx)]


def apply(text: str, edits: tuple[Edit, ...], *, insert: tuple[int, str] | None = None) -> str:
    """Apply sorted, non-overlapping edits; an insertion goes before an edit at the same offset."""
    out: list[str] = []
    pos = 0
    pending = insert
    for edit in edits:
        if pending is not None and pending[0] <= edit.start:
            out += [text[pos : pending[0]], pending[1]]
            pos, pending = pending[0], None
        out += [text[pos : edit.start], edit.text]
        pos = edit.end
    if pending is not None:
        out += [text[pos : pending[0]], pending[1]]
        pos = pending[0]
    out.append(text[pos:])
    return "".join(out)


def _recheck(fixed: str, *, ctx: Context) -> list[Finding]:
    """A fix must leave nothing to fix; if it did, that is a bug, and the agent must step in."""
    out = []
    for _, span in detect(fixed, ctx=ctx):
        if span.action == "fixed":
            msg = (
                f'The automatic fix did not converge: "{quote(span.match)}" still needs a fix '
                f"({span.rule}). Edit the draft by hand."
            )
            out.append(Finding(span.rule, "blocked", "", 0, 0, msg))
    return out


# Sentence-removal rules, gravest first: the one named when a removal leaves no message.
SENTENCE_RULES = {"incentive": 0, "review_solicitation": 1, "off_platform": 2, "marketing": 3}


def _has_substance(text: str, *, ctx: Context) -> bool:
    """Anything left besides greeting, order ID line, closing and signature?"""
    words = 0
    bounds = sentences.bounds(text)
    for index, (start, end) in enumerate(bounds):
        sentence = text[start:end]
        if order_ids.is_greeting(sentence) or duplicate.is_closing(sentence, ctx=ctx):
            continue
        count = sentences.content_words(order_ids.ORDER_ID.sub(" ", sentence))
        if order_ids.ORDER_ID.search(sentence) and count <= 2:
            continue  # "Order ID: …", "Your order …."
        last = index == len(bounds) - 1 and text[start] not in "-*•"
        if last and count <= 3 and not re.search(r"[.!?。！？]\s*$", sentence):
            continue  # the signature: "Anna", "Team Blender X2"
        words += count
    return words >= MIN_SUBSTANCE


def check(
    text: str,
    ctx: Context | None = None,
    /,
    *,
    order_id: str | None = None,
    marketplace: str | None = None,
    language: str | None = None,
    message_kind: str = "reply",
) -> Report:
    """Fix ``text`` against the messaging policy and report every change, flag and block.

    ``ctx`` comes from :func:`context`; the keywords are a shorthand for a context with no
    circumstances (``check(text, order_id=..., marketplace=...)``).
    """
    if ctx is None:
        if order_id is None or marketplace is None:
            raise ValueError("check needs a context, or order_id and marketplace")
        ctx = context(
            order_id=order_id, marketplace=marketplace, language=language, message_kind=message_kind
        )
    report = _check_text(text, ctx=ctx)
    # Circumstance findings follow the text's own, which are in input order.
    extra = [finding for judge in CIRCUMSTANCES for finding in judge(ctx)]
    if not extra:
        return report
    findings = report.findings + tuple(extra)
    passed = not any(f.action == "blocked" for f in findings)
    return Report(text=report.text, passed=passed, findings=findings)


def _check_text(text: str, *, ctx: Context) -> Report:
    if len(text) > MAX_CHECK_LENGTH:
        msg = (
            f"The text is {len(text):,} characters long, more than five times Amazon's limit of "
            f"{MAX_LENGTH:,}: it was not checked. Shorten it to a reply and check it again."
        )
        return Report(
            text=text, passed=False, findings=(Finding("length", "blocked", "", 0, 0, msg),)
        )
    spans = detect(text, ctx=ctx)
    # The second line: sentences the model is sure break a rule no phrase caught (flags only).
    second = sentence_model.detect(text, ctx=ctx, found=[span for _, span in spans])
    plan = resolve(text, spans + [(len(DETECTORS), span) for span in second])
    findings = list(plan.findings)
    fixed = tidy(apply(text, plan.edits))
    if not order_ids.present(fixed, ctx=ctx):
        at, line = order_ids.insertion(text, ctx=ctx)
        for edit in plan.edits:  # never split an edit; land right before it instead
            if edit.start < at < edit.end:
                at = edit.start
        fixed = tidy(apply(text, plan.edits, insert=(at, line)))
        label = order_ids.label(ctx=ctx)
        end = fixed.find(label) + len(label)
        if not fixed[end:].strip():  # nothing left after the ID: no blank lines to trail it
            fixed = fixed[:end]
        message = order_ids.missing_message(ctx=ctx)
        findings.append(Finding("order_id_missing", "fixed", "", at, at, message))
    if plan.edits:
        findings += _recheck(fixed, ctx=ctx)
    removed = [f for f in plan.findings if f.action == "fixed" and f.match == text[f.start : f.end]]
    sentence_rules = sorted(
        (f for f in removed if f.rule in SENTENCE_RULES), key=lambda f: SENTENCE_RULES[f.rule]
    )
    if sentence_rules and not _has_substance(fixed, ctx=ctx):
        first = sentence_rules[0]  # the gravest: an incentive before a plain ask
        msg = (
            f"Removing what broke the rules ({first.rule.replace('_', ' ')}) left no message: "
            "write the reply again."
        )
        findings.append(Finding(first.rule, "blocked", "", 0, 0, msg))
    if len(fixed) > MAX_LENGTH:
        msg = (
            f"The reply is {len(fixed):,} characters long; Amazon accepts at most "
            f"{MAX_LENGTH:,}. Shorten it by {len(fixed) - MAX_LENGTH:,} characters."
        )
        findings.append(Finding("length", "flagged", "", len(text), len(text), msg))
    findings.sort(key=lambda f: (f.start, f.end))
    passed = not any(f.action == "blocked" for f in findings)
    return Report(text=fixed, passed=passed, findings=tuple(findings))


def warm_up(languages: Iterable[str] = ("en",)) -> None:
    """Build now what the first check of each language would build (its phrase automaton and
    regexes, the language model, phone metadata), so no request pays for it."""
    for language in dict.fromkeys(languages):
        phrases.automaton(language).compile_all()
        ctx = context(order_id=_WARM_ORDER, marketplace="amazon.com", language=language)
        check(_WARM_TEXT, ctx)


_WARM_ORDER = "000-0000000-0000000"
_WARM_TEXT = (
    "Hello, thank you for your message. Call +1 415 555 0100 or see www.example.com :) "
    "Please leave us a review! Our new product launches soon. Best regards"
)
