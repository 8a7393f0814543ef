"""The handlers that render errors, every one as an RFC 9457 problem (service/api/problems.py):
a `ServiceError`'s status and detail, Starlette's own errors (no such route, method not allowed),
validation errors that say where and what without echoing the input, a database that cannot be
reached, and, should one ever happen, an unexpected error (a 500 without its traceback)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import sqlalchemy.exc as sa_exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from service import logs
from service.api import problems
from service.errors import ServiceError
from service.store.outage import DatabaseDown

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5


def problem_response(
    status: int,
    detail: object,
    *,
    type_: str = problems.BLANK,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, object]] | None = None,
) -> Response:
    problem = problems.body(
        status, detail, type_=type_, request_id=logs.request_id.get(), errors=errors
    )
    return Response(
        problems.encode(problem),
        status_code=status,
        headers=dict(headers or {}),
        media_type=problems.MEDIA_TYPE,
    )


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> Response:
        type_ = problems.urn(exc.problem_type) if exc.problem_type else problems.BLANK
        return problem_response(exc.status_code, exc.detail, type_=type_, errors=exc.errors)

    @app.exception_handler(HTTPException)
    async def _http_error(_request: Request, exc: HTTPException) -> Response:
        # Routing's own: 404 for a path no route has, 405 (with its Allow header), and a
        # route's HTTPException.
        return problem_response(exc.status_code, exc.detail, headers=exc.headers)

    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.InterfaceError)
    @app.exception_handler(sa_exc.TimeoutError)
    @app.exception_handler(DatabaseDown)
    async def _database_down(_request: Request, exc: Exception) -> Response:
        # Down, unreachable, restarting or out of connections: worth retrying, and nothing of
        # the request was stored (its transaction never committed).
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem_response(
            503,
            "the database is unavailable; nothing was stored, retry shortly",
            type_=problems.DATABASE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> Response:
        # Say where and what, never echo the input: it may be a megabyte of buyer text, hold
        # personal data, or contain characters that cannot even be encoded in the answer.
        detail = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error["type"]}
            for error in exc.errors()
        ]
        return problem_response(422, detail, type_=problems.VALIDATION)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception) -> Response:
        # Starlette logs the traceback and re-raises for the server; the client gets a problem
        # with the request id to quote, and nothing of the error's own text.
        return problem_response(500, "an unexpected error; quote the request_id to the operator")
