"""replydesk guardrails: fix a draft against Amazon's buyer-messaging policy and say what changed.

``check(text, order_id=..., marketplace=...)`` returns a :class:`Report` with the fixed text and
one :class:`Finding` per change, flag or block. Pure and thread-safe: all data (phrase lists,
public-suffix list, phone metadata, emoji tables) is loaded at import, never during a check.
"""

from guardrails.pipeline import check
from guardrails.report import POLICY_VERSION, Finding, Report

__all__ = ["POLICY_VERSION", "Finding", "Report", "check"]
