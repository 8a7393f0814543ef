"""One small error base carrying an HTTP status. Domain code raises these; the web layer
(`service.api.errors`) renders them, so nothing here knows about HTTP frameworks."""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400
    # The problem type (RFC 9457) of an error with more to say than its status, as the last part
    # of `urn:replydesk:problem:…`; None for one the status says all of (`about:blank`).
    problem_type: str | None = None
    # A 422's field errors (`loc`, `msg`, `type`), when a route checks a field itself.
    errors: list[dict[str, object]] | None = None

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
    problem_type = "validation-error"

    def __init__(self, loc: tuple[str | int, ...], message: str, *, kind: str = "value_error"):
        super().__init__(message)
        self.errors = [{"loc": list(loc), "msg": message, "type": kind}]
