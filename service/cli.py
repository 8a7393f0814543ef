"""The `replydesk` command line."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import IO

import click
from pydantic import ValidationError

import guardrails
from service.config import get_settings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.group()
def main() -> None:
    """replydesk: policy-safe drafts of replies to Amazon buyer messages."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API and the review page."""
    import uvicorn

    settings = get_settings()
    if not settings.key_roles() and not _is_loopback(host):
        raise click.ClickException(
            f"refusing to listen on {host} without REPLYDESK_API_KEYS: anyone on the network "
            "could read buyer messages. Set REPLYDESK_API_KEYS=role:key,… or use 127.0.0.1."
        )
    # JSON logs unless the operator said otherwise; the variable also reaches worker processes,
    # whose create_app configures their own logging.
    if "log_json" not in settings.model_fields_set:  # neither the environment nor .env said
        os.environ["REPLYDESK_LOG_JSON"] = "true"
        get_settings.cache_clear()
        settings = get_settings()
    if settings.log_json:
        from service import logging_setup

        logging_setup.configure(settings.log_level)
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None if settings.log_json else uvicorn.config.LOGGING_CONFIG,
    )


@main.command()
@click.option("--message", "text", required=True, help="the buyer's message")
@click.option("--order-id", required=True, help="17-digit order ID, 3-7-7")
@click.option("--marketplace", default="amazon.com", show_default=True)
@click.option("--language", default=None, help="buyer locale, e.g. de-DE")
@click.option("--buyer-name", default=None)
@click.option("--json", "as_json", is_flag=True, help="print the whole draft as JSON")
def draft(
    text: str,
    order_id: str,
    marketplace: str,
    language: str | None,
    buyer_name: str | None,
    as_json: bool,
) -> None:
    """Draft one reply from the terminal (stored like any other draft)."""
    from service.drafting import draft_reply, to_public
    from service.main import build_resources
    from service.models import DraftRequest

    try:
        request = DraftRequest.model_validate(
            {
                "message": {"text": text, "language": language},
                "order": {
                    "order_id": order_id,
                    "marketplace": marketplace,
                    "buyer_name": buyer_name,
                },
            }
        )
    except ValidationError as exc:
        raise click.BadParameter(_first_error(exc)) from exc
    resources = build_resources(get_settings())

    async def run() -> None:
        try:
            public = to_public(await draft_reply(request, resources=resources))
        finally:
            if resources.llm is not None:
                await resources.llm.aclose()
        if as_json:
            click.echo(public.model_dump_json(indent=2))
            return
        click.echo(public.text)
        for finding in public.guardrails.findings:
            click.echo(f"[{finding.action}] {finding.rule}: {finding.message}", err=True)

    asyncio.run(run())
    resources.engine.dispose()


@main.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--order-id", required=True)
@click.option("--marketplace", default="amazon.com", show_default=True)
@click.option("--language", default=None)
@click.option("--kind", "message_kind", type=click.Choice(["reply", "proactive"]), default="reply")
@click.option("--json", "as_json", is_flag=True)
def check(
    file: IO[str],
    order_id: str,
    marketplace: str,
    language: str | None,
    message_kind: str,
    as_json: bool,
) -> None:
    """Run the guardrails on FILE (or stdin); exit status 1 when a finding blocks."""
    try:
        report = guardrails.check(
            file.read(),
            order_id=order_id,
            marketplace=marketplace,
            language=language,
            message_kind=message_kind,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.text)
        for finding in report.findings:
            click.echo(f"[{finding.action}] {finding.rule}: {finding.message}", err=True)
    sys.exit(0 if report.passed else 1)


@main.group()
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
    from service.kb_lint import lint

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


@main.command()
def demo() -> None:
    """Draft twenty sample buyer messages (six languages) for the review page."""
    from service.demo import run
    from service.main import build_resources

    resources = build_resources(get_settings())

    async def drafts() -> dict[str, int]:
        try:
            return await run(resources)
        finally:
            if resources.llm is not None:
                await resources.llm.aclose()

    counts = asyncio.run(drafts())
    resources.engine.dispose()
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    click.echo(f"drafted {sum(counts.values())} demo messages ({summary})")
    click.echo("review them: make run, then open http://127.0.0.1:8000/review")


@main.command()
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
    from service import audit_report
    from service.audit import run_and_store
    from service.db import create_db_engine, is_sqlite, upgrade
    from service.knowledge import load_kb
    from service.models import AuditRequest

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


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from service.db import create_db_engine, upgrade

    settings = get_settings()
    engine = create_db_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    click.echo("database is up to date")


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"


if __name__ == "__main__":
    main()
