"""The `attachment_type` rule of POLICY.md, for the files a seller sends with a message.

Amazon accepts PDF, JPEG and PNG, up to 10 MB each and 5 per message, and only instruction
manuals, warranties, invoices and return labels. The guardrails judge text alone, so files are
judged here, with findings in the same shape. A file whose purpose the request does not give is
judged by its name (`Rechnung_123.pdf` is an invoice); one that says nothing is blocked, because
a photo of a new product is exactly what the rule exists to stop.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from service.store.models import SellerAttachmentIn

MAX_FILES: Final = 5
MAX_BYTES: Final = 10 * 1024 * 1024
TYPES: Final = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/png": "PNG",
}
_SUFFIXES: Final = (".pdf", ".jpg", ".jpeg", ".png")
# File-name words per purpose, in the six languages (folded, ASCII where buyers type ASCII).
_PURPOSE_WORDS: Final = {
    "instruction_manual": r"manual|instruction|guide|anleitung|handbuch|bedienung|notice"
    r"|mode.?d.?emploi|instrucciones|manuale|istruzioni|取扱説明書|説明書|マニュアル",
    "warranty": r"warrant|guarantee|garantie|gewahrleistung|garantia|garanzia|保証",
    "invoice": r"invoice|receipt|rechnung|facture|factura|fattura|ricevuta"
    r"|請求書|領収書|インボイス",
    "return_label": r"return.?label|label|rucksend|retoure|etiquette|etiqueta|etichetta"
    r"|返品|ラベル",
}


def guess_purpose(filename: str) -> str | None:
    name = filename.casefold()
    for purpose, words in _PURPOSE_WORDS.items():
        if re.search(words, name):
            return purpose
    return None


def _finding(match: str, message: str) -> dict[str, Any]:
    return {
        "rule": "attachment_type",
        "action": "blocked",
        "match": match,
        "start": 0,
        "end": 0,
        "message": message,
    }


def check(attachments: Sequence[SellerAttachmentIn]) -> list[dict[str, Any]]:
    """One blocked finding per problem; none when every file may be sent."""
    findings: list[dict[str, Any]] = []
    if len(attachments) > MAX_FILES:
        findings.append(
            _finding(
                f"{len(attachments)} files",
                f"Amazon accepts at most {MAX_FILES} attachments per message: send fewer.",
            )
        )
    for file in attachments:
        name = file.filename
        kind = TYPES.get(file.content_type.split(";")[0].strip().lower())
        if kind is None or not name.casefold().endswith(_SUFFIXES):
            findings.append(
                _finding(name, "Only PDF, JPEG and PNG files may be attached (by type and name).")
            )
        if file.size_bytes > MAX_BYTES:
            size = file.size_bytes / 1024 / 1024
            findings.append(_finding(name, f"{size:.1f} MB is over Amazon's 10 MB per file."))
        if (file.purpose or guess_purpose(name)) is None:
            findings.append(
                _finding(
                    name,
                    "Attach only an instruction manual, a warranty, an invoice or a return "
                    "label; say which in `purpose` if the file name does not.",
                )
            )
    return findings
