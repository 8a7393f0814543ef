"""The commitment scorer (evals/commitments.py) reads a set, checks each draft as `/draft`
checks a model's answer, and counts flagged drafts, covered evidence and clean drafts left
alone; a sealed set is read from its archive. Synthetic cases, written here for the scorer."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from evals.commitments import DATA, files, load, report, run, score
from evals.sealed import score_sealed

ORDER = {
    "order_id": "114-3941689-8772232",
    "status": "Shipped",
    "purchase_date": "2026-11-25T09:00:00Z",
    "latest_delivery_date": "2026-12-04T23:59:59Z",
    "tracking": {"carrier": "UPS", "number": "1Z999AA10123456784"},
    "items": [{"title": "Kettle", "quantity": 1}],
}


def case(case_id: str, draft: str, unsupported: list[str], evidence: list[str]) -> dict[str, Any]:
    return {
        "id": case_id,
        "language": "en",
        "marketplace": "amazon.com",
        "received_at": "2026-12-02T10:00:00Z",
        "order": ORDER,
        "kb": ["Refunds are issued within 5 days of the return arriving."],
        "template": None,
        "instructions": None,
        "buyer_message": "Where is my kettle? I want $30 back.",
        "draft": draft,
        "unsupported": unsupported,
        "evidence": evidence,
        "concept": "synthetic",
    }


CASES = [
    case("en-01", "Hello, it arrives by December 9 and we sent $30 back.", ["date", "amount"],
         ["December 9", "$30"]),
    case("en-02", "Hello, it arrives by December 4 with UPS 1Z999AA10123456784.", [], []),
    case("en-03", "Hello, your refund follows within 5 days of the return arriving.", [], []),
]  # fmt: skip


def test_each_draft_is_read_against_its_own_grounding() -> None:
    first, second, third = (run(c) for c in CASES)
    assert [first.case["draft"][s:e] for s, e in first.spans] == ["December 9", "$30"]
    assert all(first.covered(e) for e in first.case["evidence"])
    assert second.spans == () and third.spans == ()


def test_the_report_counts_drafts_evidence_and_clean_ones() -> None:
    text = report((run(c) for c in CASES), title="t")
    assert "violating drafts flagged: 1/1 (100.0%)" in text
    assert "pieces of evidence a finding covers: 2/2 (100.0%)" in text
    assert "clean drafts without a finding: 2/2 (100.0%)" in text


def test_a_sealed_set_of_one_file_per_language_is_read_from_its_archive(tmp_path: Path) -> None:
    folder = tmp_path / "z"
    folder.mkdir()
    (folder / "z-en.yaml").write_text(yaml.safe_dump(CASES), encoding="utf-8")
    archive = tmp_path / "z.sealed.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="z")
    text = score_sealed(archive, lambda found: score(files(found, "z"), title="z"))
    assert "violating drafts flagged: 1/1" in text


@pytest.mark.eval
def test_set_a_holds_its_in_sample_floor() -> None:
    """Set a was tuned on (in-sample): a floor against regressions, not a figure to report."""
    outcomes = [run(c) for c in load(DATA / "a.yaml")]
    bad = [o for o in outcomes if o.violating]
    clean = [o for o in outcomes if not o.violating]
    assert sum(bool(o.spans) for o in bad) >= 47
    assert sum(not o.spans for o in clean) >= 35
