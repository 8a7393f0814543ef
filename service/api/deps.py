"""Request-scoped dependencies: the app's resources, a database session, the clock, API-key
roles."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.config import Role
from service.errors import ServiceError
from service.resources import Resources

if TYPE_CHECKING:
    from service.api.startup import Startup

# Each role may do what the roles before it may: an agent can check text like a plugin,
# ops can review like an agent.
_RANK: dict[Role, int] = {"plugin": 0, "agent": 1, "ops": 2}


# The dependencies below are `async def` although they never await: FastAPI runs a plain `def`
# dependency in its thread pool, and a thread hop costs more than any of them.
async def get_resources(request: Request) -> Resources:
    ready: Resources | None = getattr(request.app.state, "resources", None)
    if ready is not None:
        return ready
    startup: Startup = request.app.state.startup  # still building: wait for it (or 503)
    return await startup.resources()


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def get_session(resources: ResourcesDep) -> Iterator[Session]:
    with Session(resources.engine, expire_on_commit=False) as session:
        yield session


# Closed when the route returns, before the answer goes out ("function" scope): a database lost
# between the route's query and the session's closing is then a 503 like any other, where
# closing after the answer had started left the client's connection dropped without one.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def current_time() -> datetime:
    """The clock of every route: tests override this dependency to freeze time."""
    return datetime.now(UTC)


NowDep = Annotated[datetime, Depends(current_time)]


class Unauthorized(ServiceError):
    status_code = 401


class Forbidden(ServiceError):
    status_code = 403


# The two ways to present a key, declared as OpenAPI security schemes (generated clients
# send them); neither answers an error itself: `authorize` says what is missing.
BEARER = HTTPBearer(
    auto_error=False, scheme_name="BearerKey", description="`Authorization: Bearer <key>`"
)
API_KEY = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="ApiKeyHeader", description="the key alone"
)


async def presented_key(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
    api_key: Annotated[str | None, Security(API_KEY)],
) -> str | None:
    """The key a request presents: a bearer token, else (no token, another scheme) X-API-Key."""
    token = bearer.credentials.strip() if bearer is not None else ""
    return token or api_key or None


PresentedKey = Annotated[str | None, Depends(presented_key)]


def authorize(resources: Resources, role: Role, presented: str | None) -> Role | None:
    """The role of the presented key if it may act as `role`; None when no keys are set."""
    keys = resources.settings.key_roles()
    if not keys:
        return None
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


def require(role: Role) -> Callable[[Resources, str | None], Awaitable[Role | None]]:
    """A dependency admitting keys of `role` or a higher one; open when no keys are set."""

    async def check(resources: ResourcesDep, presented: PresentedKey) -> Role | None:
        return authorize(resources, role, presented)

    return check
