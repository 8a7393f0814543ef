"""Structured logs: one JSON object a line, the request id on each, personal data masked.

The request id and the personal data to mask live in context variables that the request
middleware (service/api/middleware.py) sets for each request; `note_personal` adds a buyer's
name once the request body is parsed (service/store/models.py calls it for
`order.buyer_name`). The redaction
runs in the formatter, over the message and every extra field, so a log call anywhere (ours,
uvicorn's, a library's) cannot print an e-mail address, a phone number or a known buyer name.
Message bodies are never passed to a logger in the first place.

Stdlib only: a JSON formatter is thirty lines, and owning it lets redaction see every field
before it is serialised, which a third-party formatter would make us hook into anyway.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from typing import IO, Any

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# A set shared by reference: names added in a copied context (a thread, a task) still count.
_personal: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "personal", default=None
)

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, possibly grouped by spaces, dots, dashes, slashes or parentheses.
_PHONE = re.compile(r"(?<![\w])\+?\(?\d(?:[\d\s().\-/]{5,}\d)(?![\w])")
# Digit runs that are not personal and that logs need: order ids and timestamps.
_KEEP = re.compile(r"\d{3}-\d{7}-\d{7}|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)?")
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}


def new_request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token, else a fresh one."""
    if incoming and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def start_request(rid: str) -> tuple[contextvars.Token[str | None], contextvars.Token[Any]]:
    return request_id.set(rid), _personal.set(set())


def end_request(tokens: tuple[contextvars.Token[str | None], contextvars.Token[Any]]) -> None:
    request_id.reset(tokens[0])
    _personal.reset(tokens[1])


def note_personal(value: str | None) -> str | None:
    """Remember a buyer's name for this request, so no log line of it shows the name."""
    names = _personal.get()
    if value and names is not None and len(value.strip()) >= 2:
        names.add(value.strip())
    return value


_DECIMAL = re.compile(r"\d+\.\d+")  # "Retrying in 0.412345 seconds": a duration, no number


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if digits < 7 or digits > 15 or _KEEP.fullmatch(text.strip()) or _DECIMAL.fullmatch(text):
        return text
    return "[phone]"


def redact(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _PHONE.sub(_phone, _KEEP.sub(hold, text))
    text = re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)
    for name in sorted(_personal.get() or (), key=len, reverse=True):
        text = re.sub(re.escape(name), "[name]", text, flags=re.IGNORECASE)
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # The query string may carry buyer text (/kb/search?q=…): log the path alone.
            args = list(record.args)
            if len(args) >= 3:
                args[2] = str(args[2]).split("?", 1)[0]
            message = record.msg % tuple(args) if isinstance(record.msg, str) else message
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(message),
            "request_id": request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in line:
                line[key] = _clean(value)
        if record.exc_info:
            line["exc_info"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


_HANDLER_NAME = "replydesk-json"


def configure(level: str = "INFO", *, stream: IO[str] | None = None) -> logging.Handler:
    """JSON lines on stderr (or `stream`) for the root logger; uvicorn's loggers propagate to it.

    Idempotent: a second call replaces the handler of the first instead of doubling lines.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)  # the root's level rules, whatever uvicorn set before
        logger.propagate = True
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # start-up chatter
    return handler
