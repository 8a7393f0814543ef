"""The `replydesk` maintenance commands: `kb lint`, `audit` and `db upgrade`."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click


@click.group()
def kb() -> None:
    """Knowledge-base maintenance."""


@kb.command("lint")
@click.option(
    "--kb-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="the knowledge base to lint (default: REPLYDESK_KB_DIR)",
)
def kb_lint(kb_dir: Path | None) -> None:
    """Check every KB file and template; exit status 1 on any error."""
    from service.config import get_settings
    from service.knowledge.lint import lint

    directory = kb_dir or get_settings().kb_dir
    report = lint(directory)
    for warning in report.warnings:
        click.echo(f"{warning} (warning)")
    for error in report.errors:
        click.echo(str(error))
    click.echo(
        f"{report.entries} entries, {len(report.errors)} errors, "
        f"{len(report.warnings)} warnings in {directory}",
        err=True,
    )
    sys.exit(0 if report.ok else 1)


@click.command()
@click.option(
    "--sample", "sample_size", default=50, show_default=True, type=click.IntRange(1, 1000)
)
@click.option(
    "--mode", type=click.Choice(["recent", "random"]), default="recent", show_default=True
)
@click.option("--seed", type=int, default=None, help="random mode: the same seed, the same sample")
@click.option("--since", type=click.DateTime(), default=None, help="replies approved since (UTC)")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def audit(
    sample_size: int,
    mode: str,
    seed: int | None,
    since: datetime | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Re-check a sample of sent replies and every template against today's rules; store it."""
    from service.config import get_settings
    from service.knowledge import load_kb
    from service.ops import audit_report
    from service.ops.audit_store import run_and_store
    from service.store.db import create_db_engine, is_sqlite, upgrade
    from service.store.models import AuditRequest

    settings = get_settings()
    engine = create_db_engine(settings.database_url)
    if is_sqlite(settings.database_url):
        upgrade(engine)  # as the server does: the embedded database keeps itself current
    request = AuditRequest.model_validate(
        {"sample_size": sample_size, "mode": mode, "seed": seed, "since": since}
    )
    _audit_id, report = run_and_store(
        engine, kb=load_kb(settings.kb_dir), request=request, requested_by="cli"
    )
    engine.dispose()
    if fmt == "json":
        text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    else:
        text = audit_report.html(report) if fmt == "html" else audit_report.markdown(report)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    summary = report["summary"]
    click.echo(
        f"audit {report['audit_id']}: {summary['with_violations']} of {summary['replies']} "
        f"replies with a violation, {summary['templates_with_errors']} templates to fix",
        err=True,
    )


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from service.config import get_settings
    from service.store.db import create_db_engine, upgrade

    settings = get_settings()
    engine = create_db_engine(settings.database_url)
    applied = upgrade(engine)
    engine.dispose()
    for revision in applied:
        click.echo(f"applied {revision}")
    click.echo("database is up to date" + ("" if applied else " (nothing to apply)"))
