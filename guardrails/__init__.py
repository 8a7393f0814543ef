"""replydesk guardrails: fix a draft against Amazon's buyer-messaging policy and say what changed.

``check(text, context(order_id=..., marketplace=..., ...))`` returns a :class:`Report` with the
fixed text and one :class:`Finding` per change, flag or block. The :class:`Context` carries what
the rules need besides the text: the order, the buyer's language, the kind of message, the
seller's attachments, the order's completion and the moment of sending, the template the text
came from, and what a drafted text may draw on (its :class:`Grounding`). Thread-safe, and
nothing heavy at import: a language's phrase automaton, the language model and phone metadata
are built on the first check that needs them (or ahead, by :func:`warm_up`), then shared
read-only. :func:`read_ahead` reads a context's grounding before its text exists (while a model
drafts it).
"""

from guardrails.commitments import read_ahead
from guardrails.pipeline import check, context, warm_up
from guardrails.report import POLICY_VERSION, Finding, Report
from guardrails.spans import Attachment, Context, Grounding

__all__ = [
    "POLICY_VERSION",
    "Attachment",
    "Context",
    "Finding",
    "Grounding",
    "Report",
    "check",
    "context",
    "read_ahead",
    "warm_up",
]
