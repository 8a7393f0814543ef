"""``language_mismatch`` for template text: the template was not in the buyer's language.

When the knowledge base has no template in the buyer's language, the service renders another
language's (English stands in). The text-level rule (:mod:`guardrails.language_rule`) judges
only long, confidently identified texts; a rendered template's language is known for certain,
so a short one is caught too. Blocked: an agent must translate it before it goes out.
"""

from __future__ import annotations

from guardrails.report import Finding
from guardrails.spans import Context


def judge(ctx: Context) -> list[Finding]:
    used = ctx.template_language
    if used is None or used == ctx.language:
        return []
    which = f"template {ctx.template_id}" if ctx.template_id else "the template"
    message = (
        f"The knowledge base has no '{ctx.language}' version of {which}; the '{used}' one was "
        "used. Translate the reply before approving, and add the template to the knowledge base."
    )
    return [Finding("language_mismatch", "blocked", "", 0, 0, message)]
