"""`replydesk kb lint`: everything that can be wrong with a knowledge base, as `file:line:` lines.

Loading catches the schema, ids, intents, Jinja syntax and unknown variables. Lint then renders
every template with a full and an empty order and runs the guardrails on the full one, in a
marketplace of the template's language: a finding the guardrails had to fix or block means the
template itself is wrong (a link, a coupon, a review request, no order ID…), so it is an error;
a flagged finding is a warning for a human to judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import guardrails
from guardrails.marketplaces import HOME_MARKETPLACE
from service.knowledge import Entry, KBError, RenderError, load_kb, render
from service.knowledge.render import minimal_context, sample_context


@dataclass(frozen=True, slots=True)
class LintReport:
    errors: tuple[KBError, ...]
    warnings: tuple[KBError, ...]
    entries: int

    @property
    def ok(self) -> bool:
        return not self.errors


def lint(kb_dir: Path) -> LintReport:
    kb = load_kb(kb_dir)
    errors = list(kb.errors)
    warnings: list[KBError] = []
    for entry in kb.entries:
        if entry.kind == "template":
            template_errors, template_warnings = lint_template(entry)
            errors += template_errors
            warnings += template_warnings
    key = lambda e: (e.path, e.line, e.message)  # noqa: E731
    return LintReport(
        tuple(sorted(errors, key=key)), tuple(sorted(warnings, key=key)), len(kb.entries)
    )


def lint_template(entry: Entry) -> tuple[list[KBError], list[KBError]]:
    errors: list[KBError] = []
    warnings: list[KBError] = []
    marketplace = HOME_MARKETPLACE.get(entry.language)
    if marketplace is None:
        warnings.append(
            KBError(
                entry.path,
                entry.id_line,
                f"no marketplace speaks '{entry.language}'; checked as amazon.com",
            )
        )
        marketplace = "amazon.com"
    full = sample_context() | {"marketplace": marketplace}
    empty = minimal_context() | {"marketplace": marketplace}
    texts: list[str] = []
    for name, context in (("a full order", full), ("an order with only its ID", empty)):
        try:
            texts.append(render(entry, context))
        except RenderError as exc:
            errors.append(KBError(entry.path, entry.line, f"cannot render with {name}: {exc}"))
    if not texts:
        return errors, warnings
    order_id = str(full["order_id"])
    report = guardrails.check(
        texts[0], order_id=order_id, marketplace=marketplace, language=entry.language
    )
    for finding in report.findings:
        line = _line_of(entry, finding.match)
        message = f"guardrails {finding.action} {finding.rule}: {finding.message}"
        if finding.match:
            message += f" (in {finding.match!r})"
        (warnings if finding.action == "flagged" else errors).append(
            KBError(entry.path, line, message)
        )
    return errors, warnings


def _line_of(entry: Entry, match: str) -> int:
    """The file line where the matched text appears in the body, else the body's first line."""
    needle = match.strip().splitlines()[0] if match.strip() else ""
    if needle:
        for offset, text in enumerate(entry.body.split("\n")):
            if needle in text:
                return entry.line + offset
    return entry.line
