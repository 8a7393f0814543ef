"""The maintenance commands (`service.cli.maintenance`): `kb lint`, `audit` and `db upgrade`, as
an operator runs them, with the settings from the environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from service.cli import main
from service.config import get_settings
from service.store.db import create_db_engine, pending_migrations
from tests.service.knowledge.support import write, write_raw
from tests.service.ops.support import audit_kb, audit_seed

GOOD_BODY = "Hello {{ buyer_name }},\n\nThank you for your message about order {{ order_id }}.\n"


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return audit_kb(tmp_path)


@pytest.fixture
def seeded(db_url: str) -> dict[str, str]:
    return audit_seed(db_url)


# --- kb lint ------------------------------------------------------------------------------


def test_cli_prints_file_line_message_and_exits_non_zero(tmp_path: Path) -> None:
    write(tmp_path, "good", GOOD_BODY)
    runner = CliRunner()
    clean = runner.invoke(main, ["kb", "lint", "--kb-dir", str(tmp_path)])
    assert clean.exit_code == 0, clean.output
    write(tmp_path, "bad", GOOD_BODY, intents="where_is_my_parcel")
    result = runner.invoke(main, ["kb", "lint", "--kb-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.md:6: unknown intent 'where_is_my_parcel'" in result.output


def test_lint_reads_the_configured_kb_and_warnings_do_not_fail_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    front = "id: da/hello\nkind: template\ntitle: Hej\nlanguage: da\nintents: [other]"
    body = "Hej {{ buyer_name }},\n\nTak for din besked om ordre {{ order_id }}.\n"
    write_raw(tmp_path / "kb", "da/hello.md", front, body)
    monkeypatch.setenv("REPLYDESK_KB_DIR", str(tmp_path / "kb"))
    result = CliRunner().invoke(main, ["kb", "lint"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "da/hello.md:2: no marketplace speaks 'da'; checked as amazon.com (warning)\n"
    )
    assert result.stderr == f"1 entries, 0 errors, 1 warnings in {tmp_path / 'kb'}\n"


# --- audit --------------------------------------------------------------------------------


def test_cli_audit_writes_the_report(
    db_url: str, kb_dir: Path, seeded: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("REPLYDESK_DATABASE_URL", db_url)
    monkeypatch.setenv("REPLYDESK_KB_DIR", str(kb_dir))
    out = tmp_path / "audit.json"
    result = CliRunner().invoke(
        main, ["audit", "--sample", "50", "--format", "json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["summary"]["with_violations"] == 2
    assert "2 of 3 replies with a violation, 1 templates to fix" in result.output
    html = tmp_path / "audit.html"
    result = CliRunner().invoke(main, ["audit", "--format", "html", "--out", str(html)])
    assert result.exit_code == 0, result.output
    assert "Compliance audit" in html.read_text(encoding="utf-8")


def test_audit_prints_markdown_and_takes_its_sample_options(
    sqlite_url: str, kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = audit_seed(sqlite_url)
    monkeypatch.setenv("REPLYDESK_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("REPLYDESK_KB_DIR", str(kb_dir))
    # Approved since noon on 21 November: only the reply with the link (22 November).
    result = CliRunner().invoke(main, ["audit", "--since", "2026-11-21T12:00:00"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# ")
    assert "## By agent" in result.stdout
    assert seeded["link"] in result.stdout and seeded["review"] not in result.stdout
    assert result.stderr.endswith(": 1 of 1 replies with a violation, 1 templates to fix\n")
    stored = json.loads(
        CliRunner()
        .invoke(main, ["audit", "--format", "json", "--mode", "random", "--seed", "3"])
        .stdout
    )
    assert (stored["sample"]["mode"], stored["sample"]["seed"]) == ("random", 3)
    bad = CliRunner().invoke(main, ["audit", "--sample", "0"])
    assert bad.exit_code == 2


# --- db upgrade ---------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


def test_db_upgrade_command(empty_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db_url = empty_db_url
    monkeypatch.setenv("REPLYDESK_DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "applied 0001 (drafts and draft events)"
    assert all(line.startswith("applied 00") for line in lines[:-1]) and len(lines) > 2
    assert lines[-1] == "database is up to date"
    again = CliRunner().invoke(main, ["db", "upgrade"])
    assert again.output == "database is up to date (nothing to apply)\n"
    engine = create_db_engine(db_url)
    try:
        assert not pending_migrations(engine)
        assert {"drafts", "draft_events", "audits"} <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
