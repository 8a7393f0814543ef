"""The blind routing scorer (evals/routing_blind.py) reads a set, runs the same analysis as
`/triage`, and counts intent, escalation and no-response against the writer's labels; sealed
sets are read from their archive. Synthetic messages, written here for the scorer."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
import yaml

from evals.routing_blind import EVALS, SCORED, load_set, report, scored_sets
from evals.sealed import score_sealed

CASES = [
    {
        "id": "t-en-001",
        "text": "Where is my package? It still has not arrived and tracking shows nothing.",
        "intent": "where_is_my_order",
        "secondary": [],
        "escalate": False,
        "escalation_reason": None,
        "no_response_needed": False,
        "hard": False,
        "concept": "plain tracking question",
    },
    {
        "id": "t-en-002",
        "text": "Thanks, got it!",
        "intent": "positive_feedback",
        "secondary": [],
        "escalate": False,
        "escalation_reason": None,
        "no_response_needed": True,
        "hard": False,
        "concept": "bare thanks",
    },
    {
        "id": "t-en-003",
        "text": "I have filed an A-to-z Guarantee claim because the blender never came.",
        "intent": "a_to_z_claim",
        "secondary": [],
        "escalate": True,
        "escalation_reason": "a_to_z",
        "no_response_needed": False,
        "hard": False,
        "concept": "claim filed",
    },
]


def _write(folder: Path, cases: list[dict[str, object]]) -> Path:
    folder.mkdir()
    data = {"defaults": {"language": "en", "marketplace": "amazon.com"}, "cases": cases}
    (folder / "en.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_a_set_is_read_with_its_defaults(tmp_path: Path) -> None:
    cases = load_set(_write(tmp_path / "s", CASES))
    assert [c.id for c in cases] == ["t-en-001", "t-en-002", "t-en-003"]
    assert {c.language for c in cases} == {"en"} and cases[2].reason == "a_to_z"


def test_an_unknown_intent_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown intent"):
        load_set(_write(tmp_path / "s", [CASES[0] | {"intent": "wheres_my_stuff"}]))


def test_the_report_counts_against_the_labels_and_never_prints_a_message(tmp_path: Path) -> None:
    wrong = [CASES[0] | {"intent": "invoice_request"}, CASES[1], CASES[2]]
    text = report(_write(tmp_path / "s", wrong))
    assert "intent 2/3" in text
    assert "escalation recall 1/1" in text and "no response needed recall 1/1" in text
    assert "t-en-001: invoice_request → where_is_my_order (plain tracking question)" in text
    assert all(str(case["text"]) not in text for case in CASES)


def test_a_sealed_set_is_scored_from_its_archive(tmp_path: Path) -> None:
    folder = _write(tmp_path / "a", CASES)
    archive = tmp_path / "a.sealed.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="a")
    assert score_sealed(archive, report) == report(folder)


def test_make_eval_scores_only_the_sets_that_had_their_one_blind_score(tmp_path: Path) -> None:
    """A sealed set not yet scored stays blind: `make eval` (and CI) leave it alone."""
    for name in ("a", "b"):
        (tmp_path / f"{name}.sealed.tar.gz").write_bytes(b"")
    assert [p.name for p in scored_sets(tmp_path)] == ["a.sealed.tar.gz"]
    assert set(EVALS) == {f"routing-blind-{name}" for name in SCORED}
