"""The LLM path against any OpenAI-compatible endpoint: ``python -m evals llm --base-url URL
--model NAME``. Anyone can run it against their own model (docs/llm-eval.md).

It drafts a fixed set of buyer messages (``evals/data/llm/messages.yaml``: 66 messages, 11 per
language, with their orders) through the whole pipeline, as ``POST /draft`` does, against the
repo's knowledge base and prompts, and scores each stored draft:

- who wrote it: the model, or the template after a fallback (with its reason and the quality
  checks the model's answer failed);
- the guard: passed or blocked, and what it had to fix in the model's text;
- the reply: in the buyer's language, with the order ID, with the facts the intent needs (the
  carrier or the tracking number for a shipping question), no unsupported commitment, within
  Amazon's 2,000 characters, no prompt marker and no run of the buyer's words said back;
- the time: each draft's wait for the model against the deadline, and the most calls the
  drafter had in flight at once against ``--max-in-flight``.

It prints a markdown table per language and overall, and writes every draft's scores as JSON
(``--json``). Nothing is sent anywhere but ``--base-url``; the database is a temporary SQLite
file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from guardrails.language_rule import mismatch
from service.cli.demo_messages import to_request
from service.compose.reply import draft_reply
from service.config import Settings
from service.generate.prompts import MARKERS
from service.generate.quality import copied_run
from service.resources import open_resources
from service.store.models import Draft, utcnow

REPO = Path(__file__).resolve().parent.parent
MESSAGES = REPO / "evals" / "data" / "llm" / "messages.yaml"
SHIPPING = frozenset({"where_is_my_order", "shipping_delay", "delivered_not_received"})
LANGUAGES = ("en", "de", "fr", "es", "it", "ja")


@dataclass
class Scored:
    """One draft's scores (a row of the JSON)."""

    index: int
    language: str
    intent_written: str  # what the set's writer meant
    intent: str  # what replydesk read
    # The model asked for the intent (REPLYDESK_LLM_INTENT_BELOW): confirmed, changed or failed,
    # and the classifier's reading before it; None when nobody asked.
    intent_asked: str | None
    intent_before: str | None
    kind: str  # llm or template
    fallback_reason: str | None
    quality: list[str]
    passed: bool
    blocked: list[str]
    fixed: list[str]
    language_ok: bool
    order_id: bool
    facts: bool | None  # None: the intent needs no order fact
    unsupported: bool
    length: int
    leaked: bool
    echoed: bool
    latency_ms: int
    prompt_tokens: int
    completion_tokens: int
    text: str = field(repr=False)


def load(path: Path = MESSAGES) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return entries


def score(index: int, entry: dict[str, Any], draft: Draft) -> Scored:
    text = draft.text
    rules = [(f["rule"], f["action"]) for f in draft.findings]
    language_ok = mismatch(text, entry["language"]) is None
    tracking = entry.get("tracking") or {}
    facts_known = [str(v) for v in (tracking.get("carrier"), tracking.get("number")) if v]
    facts = (
        any(fact.replace(" ", "") in text.replace(" ", "") for fact in facts_known)
        if entry["intent"] in SHIPPING and facts_known
        else None
    )
    choice = draft.intent_choice or {}
    return Scored(
        index=index,
        language=entry["language"],
        intent_written=entry["intent"],
        intent=draft.intent,
        intent_asked=choice.get("outcome"),
        intent_before=choice.get("intent_before"),
        kind=draft.generator_kind,
        fallback_reason=draft.fallback_reason,
        quality=[check["check"] for check in draft.quality],
        passed=draft.guardrails_passed,
        blocked=sorted({rule for rule, action in rules if action == "blocked"}),
        fixed=sorted({rule for rule, action in rules if action == "fixed"}),
        language_ok=language_ok,
        order_id=entry["order_id"] in text,
        facts=facts,
        unsupported=any(rule == "unsupported_commitment" for rule, _ in rules),
        length=len(text),
        leaked=any(marker in text for marker in MARKERS) or "BUYER_MESSAGE" in text,
        echoed=copied_run(text, [entry["message"]]) is not None,
        latency_ms=draft.latency_ms,
        prompt_tokens=draft.prompt_tokens,
        completion_tokens=draft.completion_tokens,
        text=text,
    )


async def draft_all(
    settings: Settings, entries: Sequence[dict[str, Any]], *, concurrency: int
) -> tuple[list[Draft], int]:
    """Every entry drafted, ``concurrency`` at a time; and the drafter's peak of calls."""
    now = utcnow()
    gate = asyncio.Semaphore(concurrency)
    async with open_resources(settings) as resources:

        async def one(entry: dict[str, Any]) -> Draft:
            async with gate:
                return await draft_reply(to_request(entry, now=now), resources=resources)

        drafts = await asyncio.gather(*(one(entry) for entry in entries))
        peak = int(getattr(resources.llm, "peak_in_flight", 0))
    return list(drafts), peak


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "–"


def summary(rows: Sequence[Scored]) -> dict[str, Any]:
    facts = [r for r in rows if r.facts is not None]
    latencies = [r.latency_ms for r in rows]
    return {
        "drafts": len(rows),
        "intent_right": sum(r.intent == r.intent_written for r in rows),
        "intent_asked": sum(r.intent_asked is not None for r in rows),
        # A change the model made: to the writer's intent, or away from it.
        "intent_changed_right": sum(_changed(r) and r.intent == r.intent_written for r in rows),
        "intent_changed_wrong": sum(
            _changed(r) and r.intent_before == r.intent_written for r in rows
        ),
        "from_model": sum(r.kind == "llm" for r in rows),
        "passed": sum(r.passed for r in rows),
        "language_ok": sum(r.language_ok for r in rows),
        "order_id": sum(r.order_id for r in rows),
        "facts": [sum(bool(r.facts) for r in facts), len(facts)],
        "unsupported": sum(r.unsupported for r in rows),
        "within_2000": sum(r.length <= 2000 for r in rows),
        "leaked_passed": sum(r.leaked and r.passed for r in rows),
        "echoed_passed": sum(r.echoed and r.passed for r in rows),
        "latency_ms_p50": statistics.median(latencies) if latencies else None,
        "latency_ms_max": max(latencies) if latencies else None,
        "fallbacks": dict(Counter(r.fallback_reason for r in rows if r.fallback_reason)),
        "quality_failed": dict(Counter(check for r in rows for check in r.quality)),
        "prompt_tokens": sum(r.prompt_tokens for r in rows),
        "completion_tokens": sum(r.completion_tokens for r in rows),
    }


def _changed(row: Scored) -> bool:
    return row.intent_asked == "changed"


def table(rows: Sequence[Scored]) -> str:
    head = (
        "| language | drafts | from the model | guard passed | buyer's language | order ID "
        "| shipping facts | unsupported commitments | ≤ 2,000 chars | leaked or echoed, passed "
        "| latency p50 / max |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    lines = [head]
    groups = [(lang, [r for r in rows if r.language == lang]) for lang in LANGUAGES]
    for name, group in [*groups, ("all", list(rows))]:
        if not group:
            continue
        s = summary(group)
        n = s["drafts"]
        lines.append(
            f"| {name} | {n} | {pct(s['from_model'], n)} | {pct(s['passed'], n)} "
            f"| {pct(s['language_ok'], n)} | {pct(s['order_id'], n)} "
            f"| {pct(*s['facts'])} | {s['unsupported']} | {pct(s['within_2000'], n)} "
            f"| {s['leaked_passed'] + s['echoed_passed']} "
            f"| {s['latency_ms_p50']:.0f} / {s['latency_ms_max']} ms |"
        )
    return "\n".join(lines)


def report(rows: Sequence[Scored], *, peak: int, settings: Settings) -> str:
    s = summary(rows)
    limit = settings.llm_max_in_flight or "no limit"
    deadline_ms = settings.llm_timeout_s * 1000
    over = sum(r.latency_ms > deadline_ms + 500 for r in rows)  # the guard's time aside
    fallbacks = ", ".join(f"{k} {v}" for k, v in sorted(s["fallbacks"].items())) or "none"
    checks = ", ".join(f"{k} {v}" for k, v in sorted(s["quality_failed"].items())) or "none"
    return (
        f"{table(rows)}\n\n"
        f"- model `{settings.llm_model}` at `{settings.llm_base_url}`; context "
        f"{settings.llm_context_tokens} tokens, deadline {settings.llm_timeout_s:g} s\n"
        f"- intent: {pct(s['intent_right'], s['drafts'])} as the set's writer meant; the model "
        f"was asked about {s['intent_asked']} (below {settings.llm_intent_below:g} confidence) "
        f"and changed {s['intent_changed_right']} to the writer's intent, "
        f"{s['intent_changed_wrong']} away from it\n"
        f"- fallbacks to the template: {fallbacks}\n"
        f"- quality checks failed: {checks}\n"
        f"- calls in flight at most: {peak} (limit: {limit}); drafts past the deadline: {over}\n"
        f"- tokens reported: {s['prompt_tokens']} prompt, {s['completion_tokens']} completion\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    about = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m evals llm", description=about)
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8080/v1")
    parser.add_argument("--model", required=True)
    parser.add_argument("--api-key", default="", help="or OPENAI_API_KEY")
    parser.add_argument("--concurrency", type=int, default=8, help="drafts at once")
    parser.add_argument("--max-in-flight", type=int, default=0, help="0: no limit")
    parser.add_argument("--context-tokens", type=int, default=8192)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per draft")
    parser.add_argument(
        "--intent-below", type=float, default=0.5, help="REPLYDESK_LLM_INTENT_BELOW (0: never)"
    )
    parser.add_argument("--messages", type=Path, default=MESSAGES)
    parser.add_argument("--limit", type=int, default=0, help="only the first N messages")
    parser.add_argument("--json", type=Path, help="write every draft's scores here")
    args = parser.parse_args(argv)
    entries = load(args.messages)[: args.limit or None]
    with tempfile.TemporaryDirectory() as tmp:
        values: dict[str, Any] = {
            "database_url": f"sqlite:///{tmp}/eval.db",
            "kb_dir": REPO / "knowledge_base",
            "prompts_dir": REPO / "prompts",
            "kb_watch": False,
            "llm_base_url": args.base_url,
            "llm_model": args.model,
            "llm_timeout_s": args.timeout,
            "llm_max_in_flight": args.max_in_flight,
            "llm_context_tokens": args.context_tokens,
            "llm_intent_below": args.intent_below,
        }
        if args.api_key:
            values["llm_api_key"] = args.api_key
        settings = Settings(_env_file=None, **values)
        drafts, peak = asyncio.run(draft_all(settings, entries, concurrency=args.concurrency))
    rows = [score(i, entry, d) for i, (entry, d) in enumerate(zip(entries, drafts, strict=True))]
    print(report(rows, peak=peak, settings=settings))
    if args.json:
        drafts_json = [asdict(row) for row in rows]
        document = {"summary": summary(rows), "peak_in_flight": peak, "drafts": drafts_json}
        args.json.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
