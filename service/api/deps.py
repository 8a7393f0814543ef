"""Request-scoped dependencies: the app's resources, a database session, API-key roles."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlmodel import Session

from service.config import Role, Settings
from service.errors import ServiceError
from service.generate.llm import OpenAIDrafter, TemplateDrafter
from service.knowledge import KnowledgeBase
from service.ops.metrics import Metrics

# Each role may do what the roles before it may: an agent can check text like a plugin,
# ops can review like an agent.
_RANK: dict[Role, int] = {"plugin": 0, "agent": 1, "ops": 2}


@dataclass(slots=True)
class Resources:
    """Built once in the lifespan; `kb` is swapped whole on reload, never mutated."""

    settings: Settings
    engine: sa.Engine
    kb: KnowledgeBase
    llm: OpenAIDrafter | None
    templates: TemplateDrafter
    # Serialises reloads (watcher and POST /kb/reload), so one never overwrites a newer one.
    kb_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # The app's Prometheus metrics (service/metrics.py); None outside the server (CLI).
    metrics: Metrics | None = None


def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_session(resources: ResourcesDep) -> Iterator[Session]:
    with Session(resources.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


class Unauthorized(ServiceError):
    status_code = 401


class Forbidden(ServiceError):
    status_code = 403


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or None


def require(role: Role) -> Callable[[Request, Resources], Role | None]:
    """A dependency admitting keys of `role` or a higher one; open when no keys are set."""

    def check(request: Request, resources: ResourcesDep) -> Role | None:
        keys = resources.settings.key_roles()
        if not keys:
            return None
        presented = _presented_key(request)
        if presented is None:
            raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
        granted = next(
            (r for k, r in keys.items() if hmac.compare_digest(k.encode(), presented.encode())),
            None,
        )
        if granted is None:
            raise Unauthorized("unknown API key")
        if _RANK[granted] < _RANK[role]:
            raise Forbidden(f"this endpoint needs the {role!r} role; the key has {granted!r}")
        return granted

    return check
