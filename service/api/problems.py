"""Errors as RFC 9457 problem details (`application/problem+json`), one shape for every error.

A problem has `type`, `title` (the HTTP status phrase, or the problem type's name), `status` and
`detail`. `detail` keeps the shape it had before problem details (a string; an object with the
refused rule or the findings; for 422 the list of field errors), so plugins written against it
keep working; RFC 9457 clients find the same facts as members of the problem itself: `errors`
(each field error), and an object detail's members (`rule`, `findings`, `draft_id`, …).

The standard library alone: the start-up app (service/api/boot.py) answers with these before
FastAPI is even imported.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

MEDIA_TYPE = "application/problem+json"
BLANK = "about:blank"  # RFC 9457: no semantics beyond the status code
# The problem types with members of their own (documented in docs/api.md, "Errors").


def urn(name: str) -> str:
    """The problem type named ``name`` (a `ServiceError.problem_type`)."""
    return f"urn:replydesk:problem:{name}"


VALIDATION = urn("validation-error")
REFUSED = urn("refused")
STILL_BLOCKED = urn("still-blocked")
DATABASE_UNAVAILABLE = urn("database-unavailable")
TITLES = {
    VALIDATION: "The request is not valid",
    REFUSED: "A messaging rule forbids this message",
    STILL_BLOCKED: "The text still breaks a messaging rule",
    DATABASE_UNAVAILABLE: "The database is unavailable",
}
_RESERVED = frozenset({"type", "title", "status", "detail", "instance"})


def body(
    status: int,
    detail: object,
    *,
    type_: str = BLANK,
    request_id: str | None = None,
    errors: list[dict[str, object]] | None = None,
) -> dict[str, Any]:
    """The problem of an error with this status and detail (string, object or list), and the
    field errors of a 422 whose detail is a sentence."""
    problem: dict[str, Any] = {
        "type": type_,
        "title": TITLES.get(type_) or _phrase(status),
        "status": status,
        "detail": detail,
    }
    if isinstance(detail, dict):
        problem |= {k: v for k, v in detail.items() if k not in _RESERVED}
    elif isinstance(detail, list):
        problem["errors"] = detail
    if errors is not None:
        problem["errors"] = errors
    if request_id:
        problem["request_id"] = request_id
    return problem


def encode(problem: dict[str, Any]) -> bytes:
    try:
        return json.dumps(problem, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate (from a path, say): escaped, still an answer
        return json.dumps(problem, separators=(",", ":")).encode()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
