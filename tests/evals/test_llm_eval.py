"""`python -m evals llm` against the fake OpenAI server: the message set, the table and the
JSON, and that the harness sees what the gate and the queue do."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals import llm
from service.cli.demo_messages import to_request
from service.store.models import utcnow
from service.understand.intents import INTENTS
from tests.fakes import openai_server

FakeLLM = tuple[str, openai_server.FakeState]


def run(base_url: str, model: str, tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "scores.json"
    args = ["--base-url", base_url, "--model", model, "--json", str(out), *extra]
    assert llm.main(args) == 0
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def test_the_message_set_has_eleven_messages_per_language_with_valid_orders() -> None:
    entries = llm.load()
    assert Counter(entry["language"] for entry in entries) == dict.fromkeys(llm.LANGUAGES, 11)
    assert {entry["intent"] for entry in entries} <= set(INTENTS)
    assert len({entry["order_id"] for entry in entries}) == len(entries)
    for entry in entries:
        to_request(entry, now=utcnow())  # a valid /draft request


def test_a_model_that_drafts_well_is_scored_draft_by_draft(
    fake_llm: FakeLLM, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = run(fake_llm[0], "polyglot", tmp_path)
    summary = document["summary"]
    assert summary["drafts"] == 66
    assert summary["from_model"] >= 55  # the fake always says UPS: other carriers fail the gate
    assert summary["passed"] == summary["order_id"] == summary["language_ok"] == 66
    assert summary["leaked_passed"] == summary["echoed_passed"] == 0
    assert set(summary["fallbacks"]) <= {"low_quality"}
    rows = document["drafts"]
    assert [row["language"] for row in rows[:12]] == ["en"] * 11 + ["de"]
    # The server's usage, recorded: one call a draft, two when the intent was asked too.
    assert all(row["prompt_tokens"] == 321 * (1 + bool(row["intent_asked"])) for row in rows)
    assert summary["intent_asked"] == sum(bool(row["intent_asked"]) for row in rows)
    changed = [r for r in rows if r["intent_asked"] == "changed"]
    assert summary["intent_changed_right"] == sum(
        r["intent"] == r["intent_written"] for r in changed
    )
    assert summary["intent_right"] == sum(r["intent"] == r["intent_written"] for r in rows)
    table = capsys.readouterr().out
    assert "| all | 66 | " in table and "| ja | 11 | " in table


def test_a_model_that_says_the_buyer_back_gets_no_draft_stored_as_passed(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    document = run(fake_llm[0], "echo_buyer", tmp_path, "--limit", "12", "--intent-below", "0")
    summary = document["summary"]
    assert summary["drafts"] == 12 and summary["from_model"] == 0
    assert summary["fallbacks"] == {"low_quality": 12}
    assert summary["quality_failed"]["echo"] == 12
    assert summary["echoed_passed"] == 0
    assert summary["intent_asked"] == 0  # --intent-below 0: never asked


def test_the_in_flight_limit_holds_and_no_draft_waits_past_its_deadline(tmp_path: Path) -> None:
    with openai_server.running(delay=0.3) as (base_url, _):
        extra = ("--limit", "8", "--concurrency", "8", "--max-in-flight", "2", "--timeout", "5")
        document = run(base_url, "polyglot", tmp_path, *extra)
    assert document["peak_in_flight"] == 2
    assert document["summary"]["latency_ms_max"] < 5_000
    assert "queue_timeout" not in document["summary"]["fallbacks"]
