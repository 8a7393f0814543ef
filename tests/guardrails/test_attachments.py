"""attachment_type: the seller's files, judged through the check's context."""

from __future__ import annotations

import pytest

from guardrails import Attachment, check, context
from guardrails.attachments import MAX_BYTES, guess_purpose
from tests.guardrails.support import OID, rules

TEXT = "Hello Jane,\n\nthe manual for your blender is attached.\n\nBest regards,\nAnna"


def judged(*files: Attachment) -> list[tuple[str, str, str]]:
    report = check(TEXT, context(order_id=OID, marketplace="amazon.com", attachments=files))
    return [(f.rule, f.action, f.match) for f in report.findings if f.rule == "attachment_type"]


def test_a_manual_as_pdf_passes() -> None:
    assert judged(Attachment("Blender_manual.pdf", "application/pdf", 200_000)) == []


@pytest.mark.parametrize(
    ("file", "why"),
    [
        (Attachment("photo.gif", "image/gif", 1_000, "warranty"), "type"),
        (Attachment("invoice.pdf", "application/pdf", MAX_BYTES + 1), "size"),
        (Attachment("IMG_2041.jpg", "image/jpeg", 50_000), "purpose"),
    ],
)
def test_a_wrong_file_is_blocked(file: Attachment, why: str) -> None:
    found = judged(file)
    assert found == [("attachment_type", "blocked", file.filename)], why


def test_more_than_five_files_is_blocked() -> None:
    files = [Attachment(f"Rechnung_{n}.pdf", "application/pdf", 1_000) for n in range(6)]
    assert ("attachment_type", "blocked", "6 files") in judged(*files)


def test_the_purpose_is_read_from_the_name_in_six_languages() -> None:
    assert guess_purpose("Rechnung_123.pdf") == "invoice"
    assert guess_purpose("mode_d_emploi.pdf") == "instruction_manual"
    assert guess_purpose("返品ラベル.png") == "return_label"
    assert guess_purpose("garanzia.pdf") == "warranty"
    assert guess_purpose("new_product.jpg") is None


def test_without_files_the_rule_is_silent_and_the_report_unchanged() -> None:
    plain = check(TEXT, order_id=OID, marketplace="amazon.com")
    assert "attachment_type" not in {rule for rule, _ in rules(plain)}
    assert check(TEXT, context(order_id=OID, marketplace="amazon.com")) == plain
