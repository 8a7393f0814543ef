"""One small error base carrying an HTTP status. Domain code raises these; the web layer
(`service.api.errors`) renders them, so nothing here knows about HTTP frameworks."""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400

    def __init__(self, detail: object, *, status_code: int | None = None) -> None:
        super().__init__(str(detail))
        self.detail = detail
        if status_code is not None:
            self.status_code = status_code


class NotFound(ServiceError):
    status_code = 404


class Unavailable(ServiceError):
    status_code = 503


class InvalidField(ServiceError):
    """422 for one field a route checks itself: the message, and where (``loc``), as a
    validation error says it."""

    status_code = 422

    def __init__(self, loc: tuple[str | int, ...], message: str, *, kind: str = "value_error"):
        super().__init__(message)
        self.errors = [{"loc": list(loc), "msg": message, "type": kind}]
