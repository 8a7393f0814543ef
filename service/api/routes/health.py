"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.api.deps import ResourcesDep
from service.store.db import pending_migrations

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(resources: ResourcesDep) -> JSONResponse:
    """Readiness: database reachable and migrated, knowledge base loaded."""
    checks: dict[str, Any] = {}
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
