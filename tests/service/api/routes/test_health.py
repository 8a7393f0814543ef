"""`/healthz` and `/readyz`: liveness, and readiness as the database and the knowledge base
decide it, open to probes without a key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.resources import Resources
from service.store.db import create_db_engine


def ready(client: TestClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    body: dict[str, Any] = response.json()
    return response.status_code, body


def swap_database(client: TestClient, url: str) -> Resources:
    """Serve the app's requests from another database (the lifespan still closes its own)."""
    app = client.app
    assert isinstance(app, FastAPI)
    resources: Resources = app.state.resources
    app.state.resources = replace(resources, engine=create_db_engine(url))
    swapped: Resources = app.state.resources
    return swapped


def test_probes_need_no_key(make_client: Callable[..., TestClient]) -> None:
    secured = make_client(api_keys="plugin:p,agent:a,ops:o")
    assert secured.get("/healthz").json() == {"status": "ok", "start": "ready"}
    assert secured.get("/readyz").status_code == 200


def test_ready_with_a_migrated_database_and_a_knowledge_base(client: TestClient) -> None:
    status, body = ready(client)
    assert status == 200
    assert body["status"] == "ready"
    checks = body["checks"]
    assert checks["database"] == "ok"
    assert checks["knowledge_base"]["entries"] > 0
    assert checks["knowledge_base"]["errors"] == checks["knowledge_base"]["stale"] == []
    assert checks["llm"] == "templates only"


def test_a_configured_model_is_reported_without_being_called(
    make_client: Callable[..., TestClient],
) -> None:
    # Nothing listens on port 9: readiness must not depend on the model answering.
    client = make_client(llm_base_url="http://127.0.0.1:9/v1")
    status, body = ready(client)
    assert (status, body["checks"]["llm"]) == (200, "configured")


def test_not_ready_without_a_knowledge_base(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(kb_dir=tmp_path / "not-mounted", kb_watch=False)
    status, body = ready(client)
    assert (status, body["status"]) == (503, "not ready")
    kb = body["checks"]["knowledge_base"]
    assert kb["entries"] == 0
    [error] = kb["errors"]
    assert error.endswith("knowledge-base directory not found")
    assert body["checks"]["database"] == "ok"


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("empty.db", "migrations pending"),  # a database without a single migration applied
        (".", "unreachable: OperationalError"),  # a directory cannot be opened as a database
    ],
)
def test_not_ready_when_the_database_is_behind_or_unreachable(
    tmp_path: Path, client: TestClient, where: str, says: str
) -> None:
    swapped = swap_database(client, f"sqlite:///{tmp_path / where}")
    try:
        status, body = ready(client)
    finally:
        swapped.engine.dispose()
    assert (status, body["status"], body["checks"]["database"]) == (503, "not ready", says)
    assert body["checks"]["knowledge_base"]["entries"] > 0  # the rest is still reported
