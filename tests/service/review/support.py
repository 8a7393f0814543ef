"""Helpers of the review tests: the real app on a real port, and drafts to review."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import ORDER_ID, draft_request
from tests.factories import with_fields
from tests.fakes.openai_server import free_port

# A Portuguese buyer: the knowledge base has no Portuguese template, so the English one is used
# and the draft is blocked (language_mismatch) until an agent writes the reply in Portuguese.
PORTUGUESE_MESSAGE = "Olá, onde está a minha encomenda? Ainda não chegou."
PORTUGUESE_REPLY = (
    f"Olá Jane,\n\nObrigado pela sua mensagem sobre o pedido {ORDER_ID}. A sua encomenda foi "
    "enviada com a UPS e deve chegar dentro de dois dias. Se não chegar, responda a esta "
    "mensagem e resolveremos o problema.\n\nAtenciosamente,\nServiço de Apoio ao Cliente"
)


def create_draft(client: TestClient, text: str | None = None, **fields: Any) -> dict[str, Any]:
    body = with_fields(draft_request(text) if text else draft_request(), **fields)
    response = client.post("/draft", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def create_blocked_draft(client: TestClient, **fields: Any) -> dict[str, Any]:
    fields = {"order__marketplace": "amazon.com.br", "message__language": "pt-BR"} | fields
    draft = create_draft(client, PORTUGUESE_MESSAGE, **fields)
    assert draft["status"] == "blocked", draft["guardrails"]
    return draft


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app (lifespan included) under uvicorn on a free loopback port, in a thread."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
