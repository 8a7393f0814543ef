"""The request dependencies (`service.api.deps`): API keys and the roles they grant (bearer or
X-API-Key, each role able to do what the roles below it may, open when no keys are set), the
resources, the database session and the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from service.api.deps import NowDep, ResourcesDep, SessionDep, require
from service.api.errors import install_handlers
from service.config import ROLES, Role
from service.generate.drafter import TemplateDrafter
from service.knowledge import KnowledgeBase
from service.knowledge.live import LiveKB
from service.resources import Resources
from tests.conftest import draft_request, freeze, repo_settings
from tests.problems import problem

KEYS = "plugin:pk-123,agent:ak-456,ops:ok-789"


@pytest.fixture
def secured(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(api_keys=KEYS)


def test_missing_and_unknown_keys_are_401(secured: TestClient) -> None:
    assert secured.post("/draft", json=draft_request()).status_code == 401
    response = secured.post(
        "/draft", json=draft_request(), headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "unknown API key"


@pytest.mark.parametrize("key", ["pk-123", "ak-456", "ok-789"])
def test_plugin_endpoints_accept_plugin_and_higher_roles(secured: TestClient, key: str) -> None:
    response = secured.post("/draft", json=draft_request(), headers={"X-API-Key": key})
    assert response.status_code == 201
    draft_id = response.json()["draft_id"]
    headers = {"Authorization": f"Bearer {key}"}
    assert secured.get(f"/drafts/{draft_id}", headers=headers).status_code == 200


def test_open_when_no_keys(client: TestClient) -> None:
    assert client.post("/draft", json=draft_request()).status_code == 201


# --- The dependencies alone, on an app of their own (no database, no knowledge base) -------


PluginGrant = Annotated[Role | None, Depends(require("plugin"))]
AgentGrant = Annotated[Role | None, Depends(require("agent"))]
OpsGrant = Annotated[Role | None, Depends(require("ops"))]


def bare_app(api_keys: str = "") -> FastAPI:
    """Routes that need each role, the clock and a session, over stand-in resources."""
    app = FastAPI()
    install_handlers(app)
    app.state.resources = Resources(
        settings=repo_settings("sqlite://", api_keys=api_keys),
        engine=sa.create_engine("sqlite://"),
        knowledge=LiveKB(Path("unused"), kb=KnowledgeBase(entries=())),
        llm=None,
        templates=TemplateDrafter(),
    )

    @app.get("/plugin")
    async def plugin(granted: PluginGrant) -> dict[str, Role | None]:
        return {"granted": granted}

    @app.get("/agent")
    async def agent(granted: AgentGrant) -> dict[str, Role | None]:
        return {"granted": granted}

    @app.get("/ops")
    async def ops(granted: OpsGrant) -> dict[str, Role | None]:
        return {"granted": granted}

    @app.get("/now")
    async def now(now: NowDep) -> dict[str, str]:
        return {"now": now.isoformat()}

    @app.get("/session")
    def session(session: SessionDep, resources: ResourcesDep) -> dict[str, bool]:
        return {"bound": session.get_bind() is resources.engine}

    return app


@pytest.fixture
def keyed() -> Iterator[TestClient]:
    with TestClient(bare_app(KEYS)) as client:
        yield client


ROLE_OF = {"pk-123": "plugin", "ak-456": "agent", "ok-789": "ops"}


@pytest.mark.parametrize("needed", ROLES)
@pytest.mark.parametrize("key", list(ROLE_OF))
def test_each_role_may_do_what_the_roles_below_it_may(
    keyed: TestClient, needed: Role, key: str
) -> None:
    granted = ROLE_OF[key]
    response = keyed.get(f"/{needed}", headers={"Authorization": f"Bearer {key}"})
    if ROLES.index(granted) >= ROLES.index(needed):
        assert (response.status_code, response.json()) == (200, {"granted": granted})
    else:
        detail = f"this endpoint needs the {needed!r} role; the key has {granted!r}"
        problem(response, 403, detail)


@pytest.mark.parametrize(
    ("headers", "granted"),
    [
        ({"Authorization": "Bearer ak-456"}, "agent"),
        ({"Authorization": "bearer   ak-456  "}, "agent"),
        ({"X-API-Key": "ak-456"}, "agent"),
        # An empty bearer token is no key: the X-API-Key header is read instead.
        ({"Authorization": "Bearer ", "X-API-Key": "ak-456"}, "agent"),
        ({"Authorization": "Basic ak-456", "X-API-Key": "ok-789"}, "ops"),
        # Both sent: the bearer token is the key.
        ({"Authorization": "Bearer pk-123", "X-API-Key": "ok-789"}, "plugin"),
    ],
)
def test_the_key_comes_as_a_bearer_token_or_an_x_api_key(
    keyed: TestClient, headers: dict[str, str], granted: Role
) -> None:
    assert keyed.get("/plugin", headers=headers).json() == {"granted": granted}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "missing API key: send 'Authorization: Bearer <key>'"),
        ({"X-API-Key": ""}, "missing API key: send 'Authorization: Bearer <key>'"),
        ({"Authorization": "Basic ak-456"}, "missing API key: send 'Authorization: Bearer <key>'"),
        ({"Authorization": "Bearer ak"}, "unknown API key"),  # a prefix of a key is no key
        ({"Authorization": "Bearer ak-4567"}, "unknown API key"),
        ({"X-API-Key": "agent:ak-456"}, "unknown API key"),
    ],
)
def test_a_missing_or_unknown_key_is_401(
    keyed: TestClient, headers: dict[str, str], detail: str
) -> None:
    response = keyed.get("/plugin", headers=headers)
    problem(response, 401, detail)


def test_without_keys_every_role_is_open_and_none_is_granted() -> None:
    with TestClient(bare_app()) as client:
        for role in ROLES:
            assert client.get(f"/{role}").json() == {"granted": None}
            response = client.get(f"/{role}", headers={"Authorization": "Bearer anything"})
            assert response.json() == {"granted": None}


def test_the_clock_is_aware_utc_and_tests_can_freeze_it(keyed: TestClient) -> None:
    now = datetime.fromisoformat(keyed.get("/now").json()["now"])
    assert now.tzinfo is not None and now.utcoffset() == UTC.utcoffset(None)
    moment = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    freeze(keyed, moment)
    assert datetime.fromisoformat(keyed.get("/now").json()["now"]) == moment


def test_a_session_is_bound_to_the_resources_engine(keyed: TestClient) -> None:
    assert keyed.get("/session").json() == {"bound": True}


def test_a_database_lost_while_the_session_closes_is_a_503_not_a_dropped_connection(
    keyed: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session closes before the answer goes out: when its closing fails (the database went
    away after the route's query), the client gets a 503 problem instead of an answer begun
    and a connection closed under it."""
    from sqlmodel import Session

    def lost(_self: Session) -> None:
        raise sa.exc.OperationalError("ROLLBACK", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "close", lost)
    answer = keyed.get("/session")
    problem(answer, 503)
    assert answer.headers["retry-after"]
    monkeypatch.undo()
    assert keyed.get("/session").json() == {"bound": True}
