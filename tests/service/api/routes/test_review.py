"""`GET /review` and `/review/queue`: the page opens for anyone but holds buyer data only for an
agent's key; the queue fragment needs one."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import draft_request

Client = Callable[..., TestClient]


def test_page_without_a_key_holds_no_buyer_data(make_client: Client) -> None:
    client = make_client(api_keys="plugin:p-key,agent:a-key")
    plugin_key = {"Authorization": "Bearer p-key"}
    assert client.post("/draft", json=draft_request(), headers=plugin_key).status_code == 201
    anonymous = client.get("/review")
    assert anonymous.status_code == 200
    assert 'data-authorized="false"' in anonymous.text
    assert "Where is my package" not in anonymous.text
    assert 'id="api-key"' in anonymous.text
    plugin = client.get("/review", headers=plugin_key)
    assert "Where is my package" not in plugin.text
    agent = client.get("/review", headers={"Authorization": "Bearer a-key"})
    assert "Where is my package" in agent.text
    assert client.get("/review/queue").status_code == 401


def test_an_unknown_key_gets_the_empty_page_with_its_filters_kept(make_client: Client) -> None:
    client = make_client(api_keys="plugin:p-key,agent:a-key")
    plugin = {"Authorization": "Bearer p-key"}
    assert client.post("/draft", json=draft_request(), headers=plugin).status_code == 201
    params = {"status": "blocked", "language": "de"}
    page = client.get("/review", params=params, headers={"Authorization": "Bearer wrong"})
    assert page.status_code == 200
    assert 'data-authorized="false"' in page.text
    assert "Where is my package" not in page.text
    assert '<option value="blocked" selected>' in page.text
    assert '<option value="de" selected>' in page.text
    assert client.get("/review/queue", headers={"Authorization": "Bearer wrong"}).status_code == 401
    queue = client.get("/review/queue", headers={"X-API-Key": "a-key"})
    assert queue.status_code == 200 and "1 draft" in queue.text


def test_without_keys_the_page_is_open_and_shows_the_queue(client: TestClient) -> None:
    draft = client.post("/draft", json=draft_request()).json()
    page = client.get("/review")
    assert 'data-authorized="true"' in page.text
    assert draft["draft_id"] in page.text
