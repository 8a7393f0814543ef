"""Turn the detectors' overlapping spans into one consistent set of edits and findings.

Order of resolution (each step only sees what the previous ones left):
1. Sentence removals (``Span.sentence``) grow to the sentences they touch; removals of the same
   sentence merge, with one finding per rule and sentence.
2. A sentence whose links, addresses and numbers are removed and that then has at most
   :data:`MAX_FILLER_WORDS` other words ("Tel.: …", "Please call us at …"), or that no longer
   reads (:func:`guardrails.fluency.broken`: "call us or email."), or that still asks the buyer
   to use what was removed ("…, so just give us a call, Monday to Friday": the lexicon's
   invitations, see :func:`guardrails.contacts.invites`), is removed whole: stripping only the
   number would leave it dangling. The last kind is also an ``off_platform`` finding. A Japanese
   sentence loses only its last clause when the clauses before it end as a sentence does.
3. Every span inside a removed sentence is swallowed: its text goes with the sentence, and a
   fix's finding is kept (it says so), so the report names every rule the removed text broke.
4. The remaining edits are taken left to right; on overlap the earlier start wins, then the
   longer span (a URL beats the phone number inside it), then the detector listed first in
   ``pipeline.DETECTORS``. A dropped span needs no finding: if its text survives, the re-check
   in the pipeline reports it as blocked.
5. Flags never edit, so they never conflict; they are only dropped with a removed sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

from guardrails import contacts, fluency, sentences, solicitation
from guardrails.ranges import Ranges
from guardrails.report import Finding
from guardrails.spans import Span

MAX_FILLER_WORDS = 3


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    text: str  # may carry a seam marker for sentences.tidy


@dataclass(frozen=True, slots=True)
class Plan:
    edits: tuple[Edit, ...]  # sorted, non-overlapping
    findings: tuple[Finding, ...]


def _finding(span: Span) -> Finding:
    return Finding(span.rule, span.action, span.match, span.start, span.end, span.message)


def resolve(text: str, spans: list[tuple[int, Span]]) -> Plan:
    needs_sentences = any(s.sentence or s.label_cleanup for _, s in spans)
    bounds = sentences.bounds(text) if needs_sentences else []
    findings: list[Finding] = []
    removed: dict[tuple[int, int], dict[str, Span]] = {}
    # In start order, a new sentence range can only overlap the ranges merged last.
    for _, span in sorted((p for p in spans if p[1].sentence), key=lambda p: p[1].start):
        if span.sentence:
            rng = sentences.covering(bounds, span.start, span.end)
            recent = list(removed)[-2:]
            for other in [r for r in recent if r[0] < rng[1] and r[1] > rng[0]]:
                merged = removed.pop(other)
                rng = (min(rng[0], other[0]), max(rng[1], other[1]))
                removed.setdefault(rng, {}).update(merged)
            removed.setdefault(rng, {}).setdefault(span.rule, span)
    for (start, end), by_rule in removed.items():
        for span in by_rule.values():
            findings.append(replace(_finding(span), match=text[start:end], start=start, end=end))
    ranges = list(removed)

    contact, broken, clauses, invited = _contact_only(text, bounds, spans, ranges)
    for start, end in invited:
        span = solicitation.sentence_span(
            "off_platform", text, start, end, "contact outside Amazon"
        )
        findings.append(_finding(span))
    broken_set, clause_set = Ranges(broken), Ranges(clauses)
    edits = [
        Edit(*sentences.removal_range(text, s, e), sentences.SEAM) for s, e in ranges + contact
    ]

    candidates = sorted(
        ((prio, s) for prio, s in spans if s.replacement is not None and not s.sentence),
        key=lambda p: (p[1].start, -(p[1].end - p[1].start), p[0]),
    )
    last_end = swallowed_end = -1
    removed_set, contact_set = Ranges(ranges), Ranges(contact)
    for _, span in candidates:
        if removed_set.overlaps(span.start, span.end):
            # Its text goes with a sentence another rule removed; the finding stays, so the
            # report names every rule the removed text broke (the link, the phone number).
            if removed_set.contains(span.start, span.end) and span.start >= swallowed_end:
                swallowed_end = span.end
                note = " It went with its sentence, which another rule removed."
                findings.append(replace(_finding(span), message=span.message + note))
            continue
        if span.start < last_end:
            continue
        last_end = span.end
        finding = _finding(span)
        if contact_set.overlaps(span.start, span.end):
            if clause_set.overlaps(span.start, span.end):
                extra = " Its clause did not read without it, so the clause was removed."
            elif broken_set.overlaps(span.start, span.end):
                extra = " Its sentence did not read without it, so the whole sentence was removed."
            else:
                extra = " Its sentence only pointed there, so the whole sentence was removed."
            finding = replace(finding, message=finding.message + extra)
        else:
            marker = sentences.LABEL_SEAM if span.label_cleanup else sentences.SEAM
            edits.append(Edit(span.start, span.end, span.replacement or marker))
        findings.append(finding)
    gone = Ranges(ranges + contact)
    for _, span in spans:
        swallowed = gone.contains(span.start, span.end)
        if span.replacement is None and not span.sentence and not swallowed:
            findings.append(_finding(span))
    edits.sort(key=lambda e: e.start)
    return Plan(tuple(edits), tuple(findings))


def _contact_only(
    text: str,
    bounds: list[tuple[int, int]],
    spans: list[tuple[int, Span]],
    removed: list[tuple[int, int]],
) -> tuple[
    list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]]
]:
    """Sentences that hold nothing but removed contact details and filler words, that no
    longer read once they are removed, or that still ask the buyer to use them ("…, so just
    give us a call, Monday to Friday"); which of them are the second kind; the Japanese
    clauses that go instead of their whole sentence (:func:`guardrails.fluency.japanese_clause`);
    and which of them asked the buyer to get in touch (``off_platform``)."""
    taken = Ranges(removed)
    touched = []
    for _, span in spans:
        if span.label_cleanup and span.replacement == "" and not span.sentence:
            rng = sentences.covering(bounds, span.start, span.end)
            if not taken.overlaps(*rng):
                touched.append((rng, span))
    # A detail that runs past a sentence end ("+49 30 1234. 0 https://…") joins its sentences
    # into one group with the details of the next: judged apart, neither would be all contact.
    groups: list[tuple[tuple[int, int], list[Span]]] = []
    for rng, span in sorted(touched, key=lambda t: (t[0], t[1].start)):
        if groups and rng[0] < groups[-1][0][1]:
            (start, end), members = groups[-1]
            groups[-1] = ((start, max(end, rng[1])), [*members, span])
        else:
            groups.append((rng, [span]))
    out: list[tuple[int, int]] = []
    broken: list[tuple[int, int]] = []
    clauses: list[tuple[int, int]] = []
    invited: list[tuple[int, int]] = []
    for (start, end), members in groups:
        left, pos = [], start
        for span in sorted(members, key=lambda s: s.start):
            left.append(text[pos : max(pos, span.start)])
            pos = max(pos, span.end)
        left.append(text[pos:end])
        invites = any(contacts.invites().search(piece) for piece in left)
        if sentences.content_words(" ".join(left)) <= MAX_FILLER_WORDS:
            out.append((start, end))
            if invites:
                invited.append((start, end))
        elif (
            invites
            or any(fluency.cut_from_its_verb(a, b) for a, b in pairwise(left))
            or fluency.broken(sentences.tidy(sentences.LABEL_SEAM.join(left)))
        ):
            first, last = min(s.start for s in members), max(s.end for s in members)
            clause = fluency.japanese_clause(text[start:end], first - start, last - start)
            rng = (start + clause[0], start + clause[1]) if clause else (start, end)
            out.append(rng)
            (clauses if clause else broken).append(rng)
            if invites:
                invited.append(rng)
    return out, broken, clauses, invited
