"""JSON logs: a request id on every line, and no buyer name, e-mail or phone number in clear."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service import logs as logging_setup
from service.api.app import create_app
from service.config import Settings
from service.store.models import DraftRequest
from tests.conftest import ORDER_ID, draft_request

NAME = "Zebulon Quackenbush"
EMAIL = "zeb.q@example.org"
PHONE = "+1 (415) 555-0199"
MESSAGE = f"Hi, it's {NAME}. Where is my blender? Mail {EMAIL} or call {PHONE}."


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """JSON logging into a buffer; the global logging state is restored afterwards."""
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    loggers = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(lg, list(lg.handlers), lg.propagate, lg.level) for lg in loggers]
    buffer = io.StringIO()
    handler = logging_setup.configure("INFO", stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.handlers[:] = saved_root[0]
    root.setLevel(saved_root[1])
    for logger, handlers, propagate, level in saved:
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def assert_no_personal_data(buffer: io.StringIO) -> None:
    text = buffer.getvalue().lower()
    # Not a bare "415": timestamps, ports and request ids may hold those digits by chance.
    for secret in (NAME, "Zebulon", "Quackenbush", EMAIL, "555-0199", "(415)", "4155550199"):
        assert secret.lower() not in text, f"{secret!r} logged in clear"


def _request() -> dict[str, Any]:
    body = draft_request(MESSAGE, buyer_name=NAME)
    body["message"]["subject"] = f"from {EMAIL}"
    return body


def test_a_careless_log_call_in_a_request_is_masked(
    captured: io.StringIO, make_settings: Callable[..., Settings]
) -> None:
    app = create_app(make_settings())
    careless = logging.getLogger("test.careless")

    @app.post("/echo")
    def echo(body: DraftRequest) -> dict[str, str]:
        # What a future debugging line or a chatty library might do.
        careless.warning(
            "message %s from %s", body.message.text, body.order.buyer_name,
            extra={"order": body.order.model_dump(mode="json"), "subject": body.message.subject},
        )  # fmt: skip
        return {"ok": "yes"}

    with TestClient(app) as client:
        response = client.post("/echo", json=_request(), headers={"X-Request-ID": "req-abc-123"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-abc-123"
    [line] = [line for line in lines(captured) if line["logger"] == "test.careless"]
    assert line["request_id"] == "req-abc-123"
    assert line["level"] == "WARNING"
    assert "[name]" in line["message"] and "[email]" in line["message"]
    assert "[phone]" in line["message"]
    assert line["order"]["buyer_name"] == "[name]"
    assert line["order"]["order_id"] == ORDER_ID  # not personal: kept for support
    assert line["subject"] == "from [email]"
    assert_no_personal_data(captured)


def test_draft_with_llm_fallback_logs_with_request_id_and_no_personal_data(
    captured: io.StringIO, make_client: Callable[..., TestClient], fake_llm: Any
) -> None:
    client = make_client(llm_base_url=fake_llm[0], llm_model="http500", llm_max_retries=0)
    response = client.post("/draft", json=_request())
    assert response.status_code == 201
    rid = response.headers["x-request-id"]
    assert len(rid) == 32  # none sent: a fresh one
    fallback = [line for line in lines(captured) if line["message"] == "llm_fallback"]
    assert fallback and fallback[0]["request_id"] == rid
    assert fallback[0]["reason"] == "upstream_error"
    assert_no_personal_data(captured)


@pytest.mark.parametrize(
    "phone",
    ["+49 170 1234567", "(415) 555-0199", "0170/1234567", "+33.6.12.34.56.78", "07700900123"],
)
def test_phone_numbers_are_masked(phone: str) -> None:
    assert logging_setup.redact(f"call {phone} now") == "call [phone] now"


def test_order_ids_times_and_small_numbers_are_kept() -> None:
    text = f"order {ORDER_ID} at 2026-11-20T09:15:00 took 812 ms, 3 items"
    assert logging_setup.redact(text) == text
    retry = "Retrying request to /chat/completions in 0.412345 seconds"
    assert logging_setup.redact(retry) == retry
    assert logging_setup.redact("write to a.b+c@mail.example.co.uk") == "write to [email]"


def test_uvicorn_access_lines_lose_their_query_string(captured: io.StringIO) -> None:
    access = logging.getLogger("uvicorn.access")
    args = ("127.0.0.1:5000", "GET", f"/kb/search?q={EMAIL}+blender", "1.1", 200)
    access.info('%s - "%s %s HTTP/%s" %d', *args)
    [line] = lines(captured)
    assert line["message"] == '127.0.0.1:5000 - "GET /kb/search HTTP/1.1" 200'
    assert line["request_id"] is None  # outside a request


def test_create_app_configures_json_logs_when_asked(
    captured: io.StringIO, make_settings: Callable[..., Settings]
) -> None:
    create_app(make_settings(log_json=True, log_level="WARNING"))
    root = logging.getLogger()
    ours = [h for h in root.handlers if h.get_name() == "replydesk-json"]
    assert len(ours) == 1  # replaced, never doubled
    assert root.level == logging.WARNING
    root.removeHandler(ours[0])  # the fixture restores the rest
