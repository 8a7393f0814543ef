"""``attachment_type``: the files a seller sends with a message. Blocked.

Amazon accepts PDF, JPEG and PNG, up to 10 MB each and 5 per message, and only instruction
manuals, warranties, invoices and return labels. A file whose purpose the caller does not give is
judged by its name (``Rechnung_123.pdf`` is an invoice); one whose name says nothing is blocked,
because a photo of a new product is exactly what the rule exists to stop.
"""

from __future__ import annotations

import re
from typing import Final

from guardrails.report import Finding
from guardrails.spans import Context

RULE: Final = "attachment_type"
MAX_FILES: Final = 5
MAX_BYTES: Final = 10 * 1024 * 1024
TYPES: Final = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",
    "image/png": "PNG",
}
PURPOSES: Final = ("instruction_manual", "warranty", "invoice", "return_label")
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


def _blocked(match: str, message: str) -> Finding:
    return Finding(RULE, "blocked", match, 0, 0, message)


def judge(ctx: Context) -> list[Finding]:
    """One blocked finding per problem; none when every file may be sent."""
    files = ctx.attachments
    findings: list[Finding] = []
    if len(files) > MAX_FILES:
        findings.append(
            _blocked(
                f"{len(files)} files",
                f"Amazon accepts at most {MAX_FILES} attachments per message: send fewer.",
            )
        )
    for file in files:
        name = file.filename
        kind = TYPES.get(file.content_type.split(";")[0].strip().lower())
        if kind is None or not name.casefold().endswith(_SUFFIXES):
            findings.append(
                _blocked(name, "Only PDF, JPEG and PNG files may be attached (by type and name).")
            )
        if file.size_bytes > MAX_BYTES:
            size = file.size_bytes / 1024 / 1024
            findings.append(_blocked(name, f"{size:.1f} MB is over Amazon's 10 MB per file."))
        if (file.purpose or guess_purpose(name)) is None:
            findings.append(
                _blocked(
                    name,
                    "Attach only an instruction manual, a warranty, an invoice or a return "
                    "label; say which in `purpose` if the file name does not.",
                )
            )
    return findings
