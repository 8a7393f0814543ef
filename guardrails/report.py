"""What a check returns: the fixed text and one finding per thing the guardrails saw.

These two classes are the public result of :func:`guardrails.check`; the service stores and
serves them as JSON, so both are frozen and know how to turn into plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

#: Version of the rule book (docs/policy.md) these rules implement; every draft records it.
POLICY_VERSION = "2026.12"

Action = Literal["fixed", "flagged", "blocked"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule hit. ``start``/``end`` index the *input* text; an insertion has ``start == end``."""

    rule: str
    action: Action
    match: str
    start: int
    end: int
    message: str

    def to_dict(self) -> dict[str, str | int]:
        return {
            "rule": self.rule,
            "action": self.action,
            "match": self.match,
            "start": self.start,
            "end": self.end,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The inverse of :meth:`to_dict` (a finding stored as JSON, typed again)."""
        action = str(data["action"])
        if action not in ("fixed", "flagged", "blocked"):
            raise ValueError(f"unknown finding action {action!r}")
        return cls(
            str(data["rule"]),
            cast(Action, action),
            str(data.get("match", "")),
            int(data.get("start", 0)),
            int(data.get("end", 0)),
            str(data.get("message", "")),
        )


@dataclass(frozen=True, slots=True)
class Report:
    """The fixed text, whether it may be approved, and every finding in input order."""

    text: str
    passed: bool
    findings: tuple[Finding, ...]
    policy_version: str = POLICY_VERSION

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "passed": self.passed,
            "policy_version": self.policy_version,
            "findings": [f.to_dict() for f in self.findings],
        }
