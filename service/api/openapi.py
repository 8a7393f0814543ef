"""The OpenAPI document: every status a route can answer, each error as a problem
(service/api/problems.py), so that a generated client knows every answer it may get.

Statuses a route declares itself (409 on review, a refused proactive message) keep their
description and gain the problem schema; the ones that follow from the route's shape are added
here: 401 and 403 where a key is needed, 413 and 422 where a body or a parameter is read, 404
where the path names a draft or an audit, and 503 everywhere (the service still starting, the
database unavailable).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from service.api import problems

_REF = "#/components/schemas/"
_ALWAYS_OPEN = ("/healthz", "/readyz")  # their 503 is a status body, not a problem
_FOUND_BY_PATH = "{"  # /drafts/{draft_id}, /audits/{audit_id}: no such id is a 404
_WHEN = {
    400: "the body could not be read (it is not UTF-8)",
    401: "no API key, or one the service does not know (only when keys are configured)",
    403: "the key's role is below the route's role",
    404: "no such draft or audit",
    413: "the request body is over the configured limit",
    422: "a field is missing, malformed or out of range",
    503: "the service is starting, the database is unavailable (with Retry-After), or "
    "nothing to draft from",
}


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})

    type: str = Field(
        "about:blank", description="the problem type: about:blank or urn:replydesk:problem:…"
    )
    title: str = Field(description="the HTTP status phrase, or the problem type's name")
    status: int
    detail: str | dict[str, Any] | list[dict[str, Any]] = Field(
        description="what went wrong: a string; an object (a refused message's rule, a still "
        "blocked text's findings); the field errors of a 422"
    )
    request_id: str | None = Field(None, description="the X-Request-ID of the request")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where: body, query or path, then the field")
    msg: str = Field(description="what is wrong (the value itself is never echoed)")
    type: str


class ValidationProblem(Problem):
    """422: the request's fields that are not valid, in `errors` (and in `detail`, as before:
    the list, or the sentence of a field the route checks itself)."""

    detail: list[FieldError] | str  # type: ignore[assignment]
    errors: list[FieldError]


def _content(schema: str) -> dict[str, Any]:
    return {problems.MEDIA_TYPE: {"schema": {"$ref": _REF + schema}}}


def _statuses(path: str, operation: dict[str, Any]) -> set[int]:
    found: set[int] = set()
    security = operation.get("security") or []
    if security and {} not in security:  # {}: the key is optional (the review page)
        found |= {401, 403}
    if "requestBody" in operation:
        found |= {400, 413, 422}
    if operation.get("parameters"):
        found.add(422)
    if _FOUND_BY_PATH in path:
        found.add(404)
    if not path.startswith(_ALWAYS_OPEN):
        found.add(503)
    return found


def document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with every error status declared as a problem."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, ValidationProblem):
        found = model.model_json_schema(ref_template=_REF + "{model}")
        components.update(found.pop("$defs", {}))
        components[model.__name__] = found
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, replaced below
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in _statuses(path, operation):
                responses.setdefault(str(status), {})
            for code, response in responses.items():
                if not code.isdigit() or int(code) < 400:
                    continue
                status = int(code)
                own = response.get("description") not in (None, "Validation Error")
                if own and "content" in response:
                    continue  # a body of the route's own (/readyz's status)
                # A route's own 422 (still blocked, refused) is not only field errors.
                kind = "ValidationProblem" if status == 422 and not own else "Problem"
                response["content"] = _content(kind)
                if not own:
                    response["description"] = _WHEN.get(status) or HTTPStatus(status).phrase
                elif status == 422:
                    response["description"] += "; or " + _WHEN[422]
    _link_drafts(schema)
    return schema


def _link_drafts(schema: dict[str, Any]) -> None:
    """OpenAPI links from each answer that holds a `draft_id` to the routes that take one: a
    client (and a stateful test) can follow a new draft to its review."""
    components = schema["components"]["schemas"]
    takers = [
        operation["operationId"]
        for path, operations in schema["paths"].items()
        if "{draft_id}" in path
        for operation in operations.values()
    ]
    for operations in schema["paths"].values():
        for operation in operations.values():
            for code, response in operation["responses"].items():
                ref = response.get("content", {}).get("application/json", {}).get("schema", {})
                name = ref.get("$ref", "").rsplit("/", 1)[-1]
                if code.startswith("2") and "draft_id" in components.get(name, {}).get(
                    "properties", {}
                ):
                    response["links"] = {
                        taker: {
                            "operationId": taker,
                            "parameters": {"draft_id": "$response.body#/draft_id"},
                        }
                        for taker in takers
                    }


def install(app: FastAPI) -> None:
    """Serve :func:`document` as the app's OpenAPI (built on first request, then kept)."""
    built: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not built:
            built.update(document(app))
        return built

    setter: Callable[[], dict[str, Any]] = openapi
    app.openapi = setter  # type: ignore[method-assign]
