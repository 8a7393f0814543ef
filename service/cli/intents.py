"""`replydesk intents build`: fit the intent model on its example files and ship the result.

A start loads service/data/intent_model.npz and never trains; run this after editing any file
under service/data/intents/ and commit both written files (a test fails while they are stale).
"""

from __future__ import annotations

from pathlib import Path

import click

from service.understand.intent_examples import EXAMPLES_DIR


@click.group()
def intents() -> None:
    """The intent model's built file."""


@intents.command("build")
@click.option(
    "--examples",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=EXAMPLES_DIR,
    show_default=True,
    help="folder of <language>/<intent>.txt example files",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the .npz to write (default: service/data/intent_model.npz); its manifest goes "
    "beside it as .json",
)
def intents_build(examples: Path, out: Path | None) -> None:
    """Fit the model on the example files and write it with its manifest."""
    # Imported here: NumPy and SciPy are no business of the other `replydesk` commands.
    from service.understand.intent_artifact import ARTIFACT, build

    out = out or ARTIFACT
    manifest = build(out, examples)
    click.echo(
        f"wrote {out} ({manifest['bytes'] / 1e6:.1f} MB, sha256 {manifest['sha256'][:12]}…, "
        f"examples {manifest['examples_sha256'][:12]}…)"
    )
