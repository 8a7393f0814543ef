"""A small typed client for replydesk's plugin routes: draft (idempotent), read a draft, follow
events. httpx and the standard library only; the generated client of docs/integration.md is
the full alternative."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

import httpx

Status = Literal["pending", "blocked", "approved", "rejected"]


class Finding(TypedDict):
    rule: str
    action: Literal["fixed", "flagged", "blocked"]
    match: str
    start: int
    end: int
    message: str


class Escalation(TypedDict):
    recommended: bool
    reasons: list[str]


class Guardrails(TypedDict):
    passed: bool
    policy_version: str
    findings: list[Finding]


class Draft(TypedDict):
    draft_id: str
    status: Status
    text: str
    language: str
    intent: str
    order_id: str
    external_ref: str | None
    guardrails: Guardrails
    escalation: Escalation
    policy: dict[str, Any]


class Event(TypedDict):
    id: int
    type: str
    at: str
    draft_id: str
    data: dict[str, Any]


class ReplydeskError(Exception):
    """An answer that is not a success: the problem document's detail, and its status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"replydesk answered {status}: {detail}")
        self.status = status


@dataclass
class ReplydeskClient:
    base_url: str
    api_key: str
    timeout_s: float = 60.0
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=self.timeout_s,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )

    def close(self) -> None:
        self.http.close()

    def draft(self, request: dict[str, Any], *, idempotency_key: str) -> Draft:
        """POST /draft; a retry with the same key returns the same draft."""
        answer = self.http.post(
            "/draft", json=request, headers={"Idempotency-Key": idempotency_key}
        )
        result: Draft = self._json(answer)
        return result

    def read(self, draft_id: str) -> Draft:
        result: Draft = self._json(self.http.get(f"/drafts/{draft_id}"))
        return result

    def events(self, *, after: int = 0, limit: int = 100) -> tuple[list[Event], int]:
        """The events after ``after`` and the ``after`` of the next call."""
        page = self._json(self.http.get("/events", params={"after": after, "limit": limit}))
        return page["data"], page["next_after"]

    @staticmethod
    def _json(answer: httpx.Response) -> Any:
        if answer.is_success:
            return answer.json()
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text
        raise ReplydeskError(answer.status_code, str(detail))
