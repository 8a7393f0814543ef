"""Routing on blind sets: buyer messages written by people who never saw the intent examples,
the escalation phrases, the acknowledgement list or an earlier set, scored on the reading
`/draft` and `/triage` make of a message (service.understand.analysis.analyse): its language,
intent, escalation and "no response needed".

A set is a folder of ``<language>.yaml`` files (format: ``evals/data/routing-blind/README.md``).
The report gives intent accuracy (overall, per language, macro-F1 and the weakest intents),
escalation recall and precision, no-response recall and precision, and language detection. Its
misses are listed by id, expected and found labels and the writer's *concept* (the technique,
never the text), which is how they are passed on to whoever improves the routing.

``python -m evals.routing_blind DIR_OR_SEALED_TAR_GZ`` prints the report.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from evals.sealed import cases, pct, score_sealed
from service.understand.analysis import Analysis, analyse
from service.understand.concerns import CONCERNS
from service.understand.intents import INTENTS

# The writers' reason names and the detector's.
REASONS = {
    "a_to_z": "a_to_z_claim",
    "chargeback": "chargeback",
    "legal": "legal_threat",
    "safety": "safety_incident",
    "fraud": "fraud_signal",
    "off_amazon": "off_amazon",
}


@dataclass(frozen=True)
class RoutingCase:
    id: str
    language: str
    marketplace: str
    text: str
    intent: str
    secondary: tuple[str, ...]
    escalate: bool
    reason: str | None
    no_response_needed: bool
    hard: bool
    concept: str


def load_set(directory: Path) -> list[RoutingCase]:
    out = []
    for path, defaults, case in cases(directory):
        intent = str(case["intent"])
        if intent not in INTENTS:
            raise ValueError(f"{path.name} {case['id']}: unknown intent {intent!r}")
        out.append(
            RoutingCase(
                id=str(case["id"]),
                language=str(case.get("language", defaults["language"])),
                marketplace=str(case.get("marketplace", defaults["marketplace"])),
                text=str(case["text"]).strip(),
                intent=intent,
                secondary=tuple(case.get("secondary") or ()),
                escalate=bool(case["escalate"]),
                reason=case.get("escalation_reason"),
                no_response_needed=bool(case["no_response_needed"]),
                hard=bool(case.get("hard", False)),
                concept=str(case.get("concept", "")),
            )
        )
    return out


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _binary(pairs: list[tuple[bool, bool]]) -> tuple[int, int, int]:
    """(true positives, wanted, found) of ``(wanted, found)`` pairs."""
    return (
        sum(w and f for w, f in pairs),
        sum(w for w, _ in pairs),
        sum(f for _, f in pairs),
    )


def report(directory: Path) -> str:
    cases = load_set(directory)
    read: list[tuple[RoutingCase, Analysis]] = [
        (case, analyse(text=case.text, locale=None, marketplace=case.marketplace)) for case in cases
    ]
    right = [case.intent == got.intent for case, got in read]
    languages = sorted({case.language for case in cases})
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for case, got in read:
        if case.intent == got.intent:
            tp[case.intent] += 1
        else:
            fn[case.intent] += 1
            fp[got.intent] += 1
    present = sorted({case.intent for case in cases})
    f1 = {intent: _f1(tp[intent], fp[intent], fn[intent]) for intent in present}
    macro = sum(f1.values()) / len(f1)
    escalated = [(c.escalate, g.escalation.recommended) for c, g in read]
    quiet = [(c.no_response_needed, g.no_response_needed) for c, g in read]
    e_hit, e_want, e_found = _binary(escalated)
    q_hit, q_want, q_found = _binary(quiet)
    language_right = sum(case.language == got.language for case, got in read)
    hard = [ok for ok, (case, _) in zip(right, read, strict=True) if case.hard]
    lines = [
        f"Blind routing set `{directory.name}` ({len(cases)} messages): intent "
        f"{pct(sum(right), len(right))} (hard {pct(sum(hard), len(hard))}), macro-F1 "
        f"{macro:.3f}; escalation recall {pct(e_hit, e_want)}, precision "
        f"{pct(e_hit, e_found)}; no response needed recall {pct(q_hit, q_want)}, precision "
        f"{pct(q_hit, q_found)}; language {pct(language_right, len(cases))}.",
        "",
        "| language | intent | escalation recall | escalation precision | no-response recall "
        "| no-response precision |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for language in languages:
        mine = [(i, c, g) for i, (c, g) in enumerate(read) if c.language == language]
        ok = sum(right[i] for i, _, _ in mine)
        eh, ew, ef = _binary([(c.escalate, g.escalation.recommended) for _, c, g in mine])
        qh, qw, qf = _binary([(c.no_response_needed, g.no_response_needed) for _, c, g in mine])
        lines.append(
            f"| {language} | {pct(ok, len(mine))} | {pct(eh, ew)} | {pct(eh, ef)} "
            f"| {pct(qh, qw)} | {pct(qh, qf)} |"
        )
    lines += ["", "| intent | F1 | right | called this wrongly |", "| --- | --- | --- | --- |"]
    for intent in sorted(present, key=lambda i: f1[i]):
        lines.append(
            f"| {intent} | {f1[intent]:.2f} | {tp[intent]}/{tp[intent] + fn[intent]} "
            f"| {fp[intent]} |"
        )
    confusions: Counter[tuple[str, str]] = Counter(
        (c.intent, g.intent) for c, g in read if c.intent != g.intent
    )
    lines += [
        "",
        "Most frequent confusions (expected → found): "
        + ", ".join(f"{a} → {b} ({n})" for (a, b), n in confusions.most_common(8)),
    ]
    reasons_right = sum(
        REASONS.get(str(c.reason), "") in g.escalation.reasons
        for c, g in read
        if c.escalate and g.escalation.recommended
    )
    lines.append(
        f"Escalation reason among those found when both escalate: {pct(reasons_right, e_hit)}."
    )
    # Item problems named beside the intent: a found concern is right when the writer named it
    # as the message's intent or a secondary one (and the intent found is not that problem).
    c_hit = c_want = c_found = 0
    for case, got in read:
        named = ({case.intent, *case.secondary} & set(CONCERNS)) - {got.intent}
        c_hit += len(named & set(got.concerns))
        c_want += len(named)
        c_found += len(got.concerns)
    lines.append(
        f"Item problems beside the intent (`intents_secondary`): {pct(c_hit, c_found)} of those "
        f"found were named by the writer; {pct(c_hit, c_want)} of those named were found."
    )
    misses: dict[str, list[str]] = defaultdict(list)
    for (case, got), ok in zip(read, right, strict=True):
        where = f"{case.id}{' hard' if case.hard else ''}"
        if not ok:
            misses["intent"].append(f"{where}: {case.intent} → {got.intent} ({case.concept})")
        if case.escalate != got.escalation.recommended:
            want = f"escalate ({case.reason})" if case.escalate else "no escalation"
            found = ", ".join(got.escalation.reasons) or "none"
            misses["escalation"].append(f"{where}: wanted {want}, found {found} ({case.concept})")
        if case.no_response_needed != got.no_response_needed:
            want = "no response needed" if case.no_response_needed else "a reply needed"
            misses["no_response_needed"].append(f"{where}: wanted {want} ({case.concept})")
        if case.language != got.language:
            misses["language"].append(f"{where}: {case.language} → {got.language}")
    for kind, items in misses.items():
        lines += ["", f"Misses, {kind} (id, expected → found, the writer's concept):", ""]
        lines += [f"- {item}" for item in items]
    return "\n".join(lines)


BLIND_DIR = Path(__file__).resolve().parent / "data" / "routing-blind"


# The sets that had their one blind score (README.md keeps it): `make eval` reports them as
# in-sample figures. A set not named here is still blind and is scored once, by hand, with
# `python -m evals.routing_blind evals/data/routing-blind/<set>.sealed.tar.gz`; then its name
# goes here.
SCORED = frozenset({"a", "c", "d", "e"})


def _sealed(archive: Path) -> Callable[[], str]:
    return lambda: "(in-sample since its one blind score)\n" + score_sealed(archive, report)


def scored_sets(directory: Path = BLIND_DIR) -> list[Path]:
    """The archives of the sets in SCORED; a blind set is never scored by `make eval`."""
    return [
        path
        for path in sorted(directory.glob("*.sealed.tar.gz"))
        if path.name.removesuffix(".sealed.tar.gz") in SCORED
    ]


EVALS: dict[str, Callable[[], str]] = {
    f"routing-blind-{path.name.removesuffix('.sealed.tar.gz')}": _sealed(path)
    for path in scored_sets()
}


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        print(score_sealed(path, report) if name.endswith(".tar.gz") else report(path))
        print()
