"""The handlers that render errors: a `ServiceError`'s status and detail, validation errors
that say where and what without echoing the input, and a database that cannot be reached."""

from __future__ import annotations

import logging

import sqlalchemy.exc as sa_exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from service.errors import ServiceError

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.InterfaceError)
    @app.exception_handler(sa_exc.TimeoutError)
    async def _database_down(_request: Request, exc: Exception) -> JSONResponse:
        # Down, unreachable, restarting or out of connections: worth retrying, and nothing of
        # the request was stored (its transaction never committed).
        log.warning("database unavailable: %s", type(exc).__name__)
        return JSONResponse(
            {"detail": "the database is unavailable; nothing was stored, retry shortly"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Say where and what, never echo the input: it may be a megabyte of buyer text, hold
        # personal data, or contain characters that cannot even be encoded in the answer.
        detail = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error["type"]}
            for error in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)
