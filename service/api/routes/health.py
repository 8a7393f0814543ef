"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.api.startup import Startup
from service.resources import Resources
from service.store.db import pending_migrations
from service.store.models import Liveness, Readiness

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=None,
    responses={
        200: {"model": Liveness, "description": "the process answers"},
        503: {"model": Liveness, "description": "the start failed"},
    },
)
async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers (while it starts, too); 503 once its start has failed."""
    startup: Startup | None = getattr(request.app.state, "startup", None)
    state = startup.state if startup is not None else "ready"
    status = "failed" if state == "failed" else "ok"
    return JSONResponse(
        {"status": status, "start": state}, status_code=503 if state == "failed" else 200
    )


@router.get(
    "/readyz",
    response_model=None,
    responses={
        200: {"model": Readiness, "description": "ready"},
        503: {"model": Readiness, "description": "starting, or a check failed"},
    },
)
async def readyz(request: Request) -> JSONResponse:
    """Readiness: started, database reachable and migrated, knowledge base loaded."""
    resources: Resources | None = getattr(request.app.state, "resources", None)
    if resources is None:  # still starting, or the start failed: say so at once
        startup: Startup | None = getattr(request.app.state, "startup", None)
        error = startup.error if startup is not None else None
        start = f"failed: {error}" if error is not None else "starting"
        return JSONResponse({"status": "not ready", "checks": {"start": start}}, status_code=503)
    return await run_in_threadpool(_readiness, resources)


def _readiness(resources: Resources) -> JSONResponse:
    checks: dict[str, Any] = {"start": "ok"}
    ready = True
    try:
        with resources.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        migrations_pending = pending_migrations(resources.engine)
        checks["database"] = "migrations pending" if migrations_pending else "ok"
        ready &= not migrations_pending
    except sa.exc.SQLAlchemyError as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = False
    kb = resources.kb
    checks["knowledge_base"] = {
        "entries": len(kb.entries),
        "errors": [str(error) for error in kb.errors],
        "stale": list(kb.stale),  # broken files still served in their last good version
    }
    ready &= len(kb.entries) > 0
    checks["llm"] = "configured" if resources.llm is not None else "templates only"
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
