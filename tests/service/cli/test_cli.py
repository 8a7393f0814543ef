"""The `replydesk` command line, and the server it starts, end to end over HTTP."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from service import cli
from service.cli import listen, main
from service.config import get_settings
from tests.conftest import ORDER_ID, REPO
from tests.serving import served


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_serve_refuses_public_address_without_keys() -> None:
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0
    assert "REPLYDESK_API_KEYS" in result.output


@pytest.mark.skipif(not listen.supported(), reason="the workers' own sockets are Linux's")
def test_serve_with_workers_on_a_port_in_use_fails_with_the_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What serve sets up before it listens (logging, malloc arenas) as the operator chose it.
    monkeypatch.setenv("REPLYDESK_LOG_JSON", "false")
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port), "--workers", "2"])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_check_command_fixes_and_reports(tmp_path: Path) -> None:
    source = tmp_path / "reply.txt"
    source.write_text("Hello, see www.my-shop.com for details.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(source), "--order-id", ORDER_ID])
    assert result.exit_code == 0, result.output
    assert "my-shop.com" not in result.stdout
    assert ORDER_ID in result.stdout
    assert "external_link" in result.stderr


def test_check_command_rejects_unknown_marketplace() -> None:
    result = CliRunner().invoke(
        main, ["check", "--order-id", ORDER_ID, "--marketplace", "amazon.zz"], input="Hi"
    )
    assert result.exit_code == 2
    assert "unknown marketplace" in result.output


def test_draft_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'rd.db'}")
    monkeypatch.setenv("REPLYDESK_KB_DIR", str(REPO / "knowledge_base"))
    result = CliRunner().invoke(
        main, ["draft", "--message", "My blender arrived broken", "--order-id", ORDER_ID]
    )
    assert result.exit_code == 0, result.output
    assert ORDER_ID in result.stdout
    bad = CliRunner().invoke(main, ["draft", "--message", "hi", "--order-id", "123"])
    assert bad.exit_code == 2
    assert "3-7-7" in bad.output


@pytest.mark.e2e
def test_served_readme_example_strips_what_the_llm_wrote(
    tmp_path: Path, fake_llm: tuple[str, Any]
) -> None:
    """`replydesk serve` in its own process, the README's request, an LLM full of violations."""
    base_url, _ = fake_llm
    settings = {
        "REPLYDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'replydesk.db'}",
        "REPLYDESK_LLM_BASE_URL": base_url,
        "REPLYDESK_LLM_MODEL": "violations",
    }
    with served(settings, tmp_path / "server.log") as url:
        body = readme_request()
        response = httpx.post(f"{url}/draft", json=body, timeout=30)
        assert response.status_code == 201, response.text
        draft = response.json()
        assert ORDER_ID in draft["text"]
        for needle in ("http", "@", "555", "SAVE20"):
            assert needle not in draft["text"]
        rules = {f["rule"] for f in draft["guardrails"]["findings"]}
        assert {"external_link", "email_address", "phone_number"} <= rules
        docs = httpx.get(f"{url}/openapi.json").json()
        assert {"/draft", "/check", "/drafts/{draft_id}", "/healthz", "/readyz"} <= set(
            docs["paths"]
        )


def readme_request() -> dict[str, Any]:
    """The JSON body of the README's curl example, read from the README itself."""
    import json
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"curl -s localhost:8000/draft.*?-d '(\{.*?\})'", readme, re.DOTALL)
    assert match, "README has no /draft curl example"
    parsed: dict[str, Any] = json.loads(match.group(1))
    return parsed


def test_serve_asks_for_few_malloc_arenas_unless_the_operator_chose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "")  # remembered, so the test leaves it as it was
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    cli._few_malloc_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == str(cli.ARENAS)  # what worker processes read
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    cli._few_malloc_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == "8"
