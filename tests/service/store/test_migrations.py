"""Migrations on populated databases (SQLite and PostgreSQL): rows survive, up and down, and
the models say what the migrations built."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from service.store.db import alembic_config, create_db_engine, upgrade

ORDER = {"order_id": "114-3941689-8772232", "marketplace": "amazon.com", "buyer_name": "Jane"}
MESSAGE = {"text": "Where is my parcel?", "received_at": "2026-11-20T09:15:00Z"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables at all, of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'old.db'}"
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


def migrate(engine: sa.Engine, revision: str, *, down: bool = False) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def old_row(draft_id: str, **values: Any) -> dict[str, Any]:
    """A drafts row as revision 0005 stored it: message and order beside the request."""
    row: dict[str, Any] = {
        "id": draft_id,
        "created_at": "2026-11-20 09:16:00+00:00",
        "updated_at": "2026-11-20 09:16:00+00:00",
        "status": "pending",
        "order_id": ORDER["order_id"],
        "marketplace": "amazon.com",
        "language": "en",
        "intent": "where_is_my_order",
        "intent_confidence": 0.9,
        "priority": "normal",
        "tags": "[]",
        "received_at": "2026-11-20 09:15:00+00:00",
        "respond_by": "2026-11-21 09:15:00+00:00",
        "message": json.dumps(MESSAGE),
        "order": json.dumps(ORDER),
        "request": json.dumps({"message": MESSAGE, "order": ORDER}),
        "raw_text": "Hello Jane",
        "text": "Hello Jane",
        "findings": "[]",
        "guardrails_passed": True,
        "policy_version": "2026.11",
        "sources": "[]",
        "policy": json.dumps(
            {
                "message_kind": "reply",
                "respond_by": "2026-11-21T09:15:00+00:00",
                "contact_window_ends_at": None,
                "within_contact_window": True,
            }
        ),
        "escalation": json.dumps({"recommended": False, "reasons": []}),
        "no_response_needed": False,
        "generator_kind": "template",
        "latency_ms": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "undone_fixes": "[]",
        "message_kind": "reply",
        "proactive_kind": None,
    }
    return row | values


def insert(engine: sa.Engine, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(f":{c}" for c in columns)
    with engine.begin() as connection:
        for row in rows:
            connection.execute(sa.text(f"INSERT INTO drafts ({names}) VALUES ({marks})"), row)


def test_0006_keeps_every_row_up_and_down(
    empty_url: str, make_client: Callable[..., TestClient]
) -> None:
    engine = create_db_engine(empty_url)
    migrate(engine, "0005")
    insert(
        engine,
        [
            old_row("a" * 32),
            # An early row whose request held neither message nor order.
            old_row("b" * 32, request="{}"),
            old_row(
                "c" * 32,
                message=json.dumps({"text": "", "proactive_kind": "usage_guide"}),
                request=json.dumps({"order": ORDER, "kind": "usage_guide"}),
                message_kind="proactive",
                proactive_kind="usage_guide",
            ),
        ],
    )
    upgrade(engine)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("drafts")}
    assert "message" not in columns and "order" not in columns

    client = make_client(database_url=empty_url)
    for draft_id in ("a" * 32, "b" * 32):
        detail = client.get(f"/drafts/{draft_id}").json()
        assert detail["message"]["text"] == "Where is my parcel?"
        assert detail["order"]["buyer_name"] == "Jane"
    proactive = client.get(f"/drafts/{'c' * 32}").json()
    assert proactive["message"] == {"text": "", "proactive_kind": "usage_guide"}
    listed = client.get("/drafts").json()
    assert listed["count"] == 3
    assert {d["message_excerpt"] for d in listed["data"]} == {"Where is my parcel?", ""}
    assert client.get("/review").status_code == 200

    migrate(engine, "0005", down=True)
    with engine.connect() as connection:
        rows = connection.execute(sa.text('SELECT id, message, "order" FROM drafts ORDER BY id'))
        restored = {row.id: (row.message, row.order) for row in rows}
    as_json = {
        k: tuple(json.loads(v) if isinstance(v, str) else v for v in pair)
        for k, pair in restored.items()
    }
    assert as_json["b" * 32] == (MESSAGE, ORDER)
    assert as_json["c" * 32][0] == {"text": "", "proactive_kind": "usage_guide"}
    upgrade(engine)
    engine.dispose()


def _two_rows_across(
    empty_url: str, before: str, make_client: Callable[..., TestClient]
) -> tuple[sa.Engine, TestClient]:
    """Two drafts stored at revision ``before`` (0006's columns: the request once), the database
    upgraded to head, and a client on it."""
    engine = create_db_engine(empty_url)
    migrate(engine, before)
    row = old_row("e" * 32)
    del row["message"], row["order"]
    insert(engine, [row, row | {"id": "f" * 32, "status": "approved"}])
    upgrade(engine)
    return engine, make_client(database_url=empty_url)


def _down_keeps_both(engine: sa.Engine, revision: str) -> tuple[set[str], set[str]]:
    """Down to ``revision``: both rows are still there; the tables left and drafts' columns."""
    migrate(engine, revision, down=True)
    with engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT id, status FROM drafts ORDER BY id")).all()
        assert [tuple(r) for r in kept] == [("e" * 32, "pending"), ("f" * 32, "approved")]
        found = sa.inspect(connection)
        return set(found.get_table_names()), {c["name"] for c in found.get_columns("drafts")}


def test_0008_keeps_every_row_up_and_down(
    empty_url: str, make_client: Callable[..., TestClient]
) -> None:
    engine, client = _two_rows_across(empty_url, "0007", make_client)
    stored = client.get(f"/drafts/{'e' * 32}").json()
    assert (stored["external_ref"], stored["message"]["text"]) == (None, "Where is my parcel?")
    assert client.get("/drafts", params={"external_ref": "x"}).json()["count"] == 0
    assert client.get("/drafts").json()["count"] == 2
    tables, _ = _down_keeps_both(engine, "0007")
    assert "idempotency_keys" not in tables
    upgrade(engine)
    engine.dispose()


def test_0012_keeps_every_row_and_leaves_who_decided_the_intent_unknown(
    empty_url: str, make_client: Callable[..., TestClient]
) -> None:
    engine, client = _two_rows_across(empty_url, "0011", make_client)
    stored = client.get(f"/drafts/{'e' * 32}").json()
    assert (stored["intent"], stored["intent_source"]) == ("where_is_my_order", None)
    assert stored["generator"]["intent_choice"] is None
    assert client.get("/drafts").json()["count"] == 2
    _, columns = _down_keeps_both(engine, "0011")
    assert not {"intent_source", "intent_choice"} & columns
    upgrade(engine)
    engine.dispose()


def test_the_database_refuses_an_unknown_status(empty_url: str) -> None:
    engine = create_db_engine(empty_url)
    upgrade(engine)
    row = old_row("d" * 32, status="archived")
    del row["message"], row["order"]
    with pytest.raises(sa.exc.IntegrityError):
        insert(engine, [row])
    engine.dispose()


def test_the_models_match_the_migrations(empty_url: str) -> None:
    engine = create_db_engine(empty_url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert diff == []
