"""Operations: the compliance audit, statistics and Prometheus metrics (role ops)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlmodel import col, func, select
from starlette.concurrency import run_in_threadpool

from service.api.deps import ResourcesDep, SessionDep, require
from service.errors import NotFound, ServiceError
from service.ops import audit_report, audit_store, stats
from service.store.models import (
    MAX_OFFSET,
    Audit,
    AuditList,
    AuditReport,
    AuditRequest,
    Stats,
    Timestamp,
)

router = APIRouter(tags=["operations"])
_ops = require("ops")
Format = Literal["json", "md", "html"]
# What `format` chooses: the report as JSON, markdown or a page.
_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the report, in the `format` asked for",
        "model": AuditReport,
        "content": {
            "text/markdown": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}


def _render(report: dict[str, Any], fmt: Format) -> Response:
    if fmt == "md":
        return PlainTextResponse(audit_report.markdown(report), media_type="text/markdown")
    if fmt == "html":
        return HTMLResponse(audit_report.html(report))
    return JSONResponse(jsonable_encoder(report))


@router.post("/audit", response_model=None, dependencies=[Depends(_ops)], responses=_FORMATS)
async def run_audit(
    resources: ResourcesDep, body: AuditRequest | None = None, format: Format = "json"
) -> Response:
    """Re-run today's guardrails on a sample of sent replies and on every template; store it."""
    request = body or AuditRequest()
    _audit_id, report = await run_in_threadpool(
        audit_store.run_and_store,
        resources.engine,
        kb=resources.kb,
        request=request,
        requested_by="api",
    )
    return _render(report, format)


@router.get("/audits", response_model=AuditList, dependencies=[Depends(_ops)])
def list_audits(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AuditList:
    """Past audits, newest first."""
    total = session.exec(select(func.count()).select_from(Audit)).one()
    rows = session.exec(
        select(Audit).order_by(col(Audit.created_at).desc()).limit(limit).offset(offset)
    ).all()
    return AuditList(data=[audit_store.summary(row) for row in rows], count=int(total))


@router.get(
    "/audits/{audit_id}", response_model=None, dependencies=[Depends(_ops)], responses=_FORMATS
)
def get_audit(session: SessionDep, audit_id: str, format: Format = "json") -> Response:
    """One past audit's report, as it was the day it ran."""
    row = session.get(Audit, audit_id)
    if row is None:
        raise NotFound(f"no audit {audit_id!r}")
    return _render({"audit_id": row.id, **row.report}, format)


@router.get(
    "/stats",
    dependencies=[Depends(_ops)],
    response_model=Stats,
    responses={400: {"description": "`since` is not before `until`"}},
)
def get_stats(
    resources: ResourcesDep,
    session: SessionDep,
    since: Timestamp = None,
    until: Timestamp = None,
) -> dict[str, Any]:
    """Response times, 24-hour share, acceptance and edit rates, findings, LLM usage and cost.
    A time without a zone is taken as UTC, like everywhere in the API."""
    if since is not None and until is not None and since >= until:
        raise ServiceError("since must be before until")
    return stats.compute(session, since=since, until=until, prices=resources.settings.llm_prices)


@router.get("/metrics", response_class=PlainTextResponse, dependencies=[Depends(_ops)])
def metrics(request: Request) -> Response:
    """Prometheus metrics (send the ops key as a bearer token from the scrape config)."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
