"""The `replydesk` command line: serve, draft, check and demo.

The maintenance commands (kb lint, audit, db upgrade) are in service/cli/maintenance.py.
"""

from __future__ import annotations

import ctypes
import ipaddress
import json
import logging
import os
import sys
from contextlib import suppress
from typing import IO, TYPE_CHECKING, Any

import click

from service.cli import listen
from service.cli.intents import intents
from service.cli.maintenance import audit, db, kb
from service.cli.sentence_model import sentence_model

if TYPE_CHECKING:
    from pydantic import ValidationError

# Each command imports what it needs: `replydesk check` should cost the guardrails and little
# else, and uvicorn's workers re-import this module before they can answer their supervisor.


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

    from service.config import get_settings

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
        from service import logs as logging_setup

        logging_setup.configure(settings.log_level)
    _few_malloc_arenas()
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_config": None if settings.log_json else uvicorn.config.LOGGING_CONFIG,
    }
    app = "service.api.boot:create_app"  # the port opens first, the app loads behind it
    if workers > 1 and listen.supported():
        from uvicorn.supervisors import Multiprocess

        try:
            listen.check_free(host, port)
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
        config = uvicorn.Config(app, **options)  # logging is set up from here on
        # The line uvicorn writes when it binds the shared socket itself.
        logging.getLogger("uvicorn.error").info(
            "Uvicorn running on http://%s:%d (Press CTRL+C to quit)", host, port
        )
        with suppress(KeyboardInterrupt):
            Multiprocess(config, sockets=listen.PerWorker(host, port)).run()
        return
    uvicorn.run(app, **options)


# glibc gives each thread that allocates its own malloc arena, up to eight per core: with the
# request thread pool that held 65 MB more at the start of `make bench`'s load run and grew 13 %
# in a minute; two arenas held 255 MB and grew 7 %, at the same throughput. An operator's own
# MALLOC_ARENA_MAX wins.
ARENAS = 2
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def _few_malloc_arenas() -> None:
    if sys.platform != "linux" or "MALLOC_ARENA_MAX" in os.environ:
        return
    os.environ["MALLOC_ARENA_MAX"] = str(ARENAS)  # worker processes read it at their start
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # glibc has it, musl does not
    if mallopt is not None:
        mallopt(_M_ARENA_MAX, ARENAS)  # this process, before its threads start


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
    import asyncio

    from pydantic import ValidationError

    from service.compose.reply import draft_reply
    from service.config import get_settings
    from service.resources import open_resources
    from service.store.models import DraftPublic, DraftRequest

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

    async def run() -> DraftPublic:
        async with open_resources(get_settings()) as resources:
            return DraftPublic.model_validate(await draft_reply(request, resources=resources))

    public = asyncio.run(run())
    if as_json:
        click.echo(public.model_dump_json(indent=2))
        return
    click.echo(public.text)
    for finding in public.guardrails.findings:
        click.echo(f"[{finding.action}] {finding.rule}: {finding.message}", err=True)


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
    import guardrails  # here: uvicorn's workers re-import this module before they can answer

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


@main.command()
def demo() -> None:
    """Draft twenty sample buyer messages (six languages) for the review page."""
    import asyncio

    from service.cli.demo_messages import run
    from service.config import get_settings
    from service.resources import open_resources

    async def drafts() -> dict[str, int]:
        async with open_resources(get_settings()) as resources:
            return await run(resources)

    counts = asyncio.run(drafts())
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    click.echo(f"drafted {sum(counts.values())} demo messages ({summary})")
    click.echo("review them: make run, then open http://127.0.0.1:8000/review")


main.add_command(kb)
main.add_command(audit)
main.add_command(db)
main.add_command(intents)
main.add_command(sentence_model)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"


if __name__ == "__main__":
    main()
