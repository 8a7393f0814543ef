"""The `unsupported_commitment` rule on blind sets of model drafts (evals/data/commitments/).

Each case is an LLM draft with what the model was given (the order, knowledge-base passages, a
template, the agent's instructions) and the writer's labels: the kinds of unsupported
commitment the draft makes and, for each, an exact piece of the draft (``evidence``); clean
cases make none. The drafts are checked as `/draft` checks a model's answer: grounded on the
same order facts, written out as the service writes them, with the message's arrival as now.

Figures: violating drafts with at least one finding, pieces of evidence a finding covers, per
kind, and clean drafts left without a finding. Sets ``a`` and ``b`` were scored first and
tuned on by concept (in-sample since); set ``c``, sealed, was scored once for the figure the
project reports (evals/data/commitments/README.md).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

import guardrails
from evals.sealed import pct, score_sealed
from service.compose.pipeline import grounding_of, order_dates, order_facts
from service.store.models import OrderIn

DATA = Path(__file__).parent / "data" / "commitments"
RULE = "unsupported_commitment"


def load(path: Path) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return cases


def _moment(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass(frozen=True)
class Outcome:
    case: dict[str, Any]
    spans: tuple[tuple[int, int], ...]  # the findings' places in the draft

    @property
    def violating(self) -> bool:
        return bool(self.case["unsupported"])

    def covered(self, evidence: str) -> bool:
        start = self.case["draft"].find(evidence)
        end = start + len(evidence)
        return any(s < end and start < e for s, e in self.spans)


def run(case: dict[str, Any]) -> Outcome:
    raw = dict(case["order"])
    for key in ("purchase_date", "shipped_at", "delivered_at", "latest_delivery_date"):
        raw[key] = _moment(raw.get(key))
    raw["marketplace"] = case["marketplace"]
    raw["items"] = [
        {"title": i.get("title"), "quantity": i.get("quantity", 1)} for i in raw.get("items") or ()
    ]
    texts = [*(case.get("kb") or ()), case.get("template") or "", case.get("instructions") or ""]
    spans = unsupported(
        case["draft"],
        OrderIn.model_validate(raw),
        language=case["language"],
        received=_moment(case["received_at"]),
        texts=texts,
    )
    return Outcome(case, spans)


def unsupported(
    draft: str, order: OrderIn, *, language: str, received: datetime | None, texts: Sequence[str]
) -> tuple[tuple[int, int], ...]:
    """Where ``draft`` makes a promise nothing supports, checked as `/draft` checks a model's
    answer: grounded on the order (its facts written out, its dates by event) and ``texts``,
    with the message's arrival as now."""
    facts = order_facts(order, language=language, at=received)
    ctx = guardrails.context(
        order_id=order.order_id,
        marketplace=order.marketplace,
        language=language,
        now=received,
        grounding=grounding_of(facts, texts=texts, dates=order_dates(order, received)),
    )
    report = guardrails.check(draft, ctx)
    return tuple((f.start, f.end) for f in report.findings if f.rule == RULE)


def report(outcomes: Iterable[Outcome], *, title: str) -> str:
    outcomes = list(outcomes)
    bad = [o for o in outcomes if o.violating]
    clean = [o for o in outcomes if not o.violating]
    caught = [o for o in bad if o.spans]
    evidence = [(o, e) for o in bad for e in o.case["evidence"]]
    covered = [1 for o, e in evidence if o.covered(e)]
    lines = [
        f"### {title}",
        "",
        f"- violating drafts flagged: {pct(len(caught), len(bad))}",
        f"- pieces of evidence a finding covers: {pct(len(covered), len(evidence))}",
        f"- clean drafts without a finding: {pct(sum(not o.spans for o in clean), len(clean))}",
        "",
        "| language | violating flagged | clean untouched |",
        "| --- | --- | --- |",
    ]
    for language in sorted({o.case["language"] for o in outcomes}):
        mine = [o for o in outcomes if o.case["language"] == language]
        v = [o for o in mine if o.violating]
        c = [o for o in mine if not o.violating]
        lines.append(
            f"| {language} | {pct(sum(bool(o.spans) for o in v), len(v))} "
            f"| {pct(sum(not o.spans for o in c), len(c))} |"
        )
    kinds: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    for o in bad:
        for kind in set(o.case["unsupported"]):
            kinds[kind] += 1
            hit[kind] += bool(o.spans)
    lines += ["", "| kind | drafts with it flagged |", "| --- | --- |"]
    lines += [f"| {k} | {pct(hit[k], kinds[k])} |" for k in sorted(kinds)]
    return "\n".join(lines)


def files(folder: Path, name: str) -> list[Path]:
    """Set `name`'s files in `folder`: `<name>.yaml`, or one `<name>-<language>.yaml` each."""
    return sorted({*folder.glob(f"{name}.yaml"), *folder.glob(f"{name}-*.yaml")})


def score(paths: Iterable[Path], *, title: str) -> str:
    return report((run(case) for path in paths for case in load(path)), title=title)


def _set(name: str) -> Callable[[], str]:
    def scored() -> str:
        sealed = DATA / f"{name}.sealed.tar.gz"
        title = f"unsupported_commitment, set {name}"
        if sealed.exists():
            return score_sealed(sealed, lambda folder: score(files(folder, name), title=title))
        if files(DATA, name):
            return score(files(DATA, name), title=title)
        return f"(set {name} not present: {DATA})"

    return scored


# `make eval` prints the plain set; a sealed one is scored on purpose, once per figure:
# `python -m evals.commitments b`.
EVALS: dict[str, Callable[[], str]] = {"commitments-a": _set("a")}


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(_set(name)(), end="\n\n")
