"""`replydesk sentence-model build`: fit the guardrails' sentence model and ship the result.

Checks load guardrails/data/sentence_model.npz and never train; run this after editing any file
under guardrails/data/policy_sentences/ and commit both written files (a test fails while they
are stale). Needs the development dependencies (scikit-learn).
"""

from __future__ import annotations

from pathlib import Path

import click


@click.group("sentence-model")
def sentence_model() -> None:
    """The guardrails' sentence model (the second line for the semantic rules)."""


@sentence_model.command("build")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the .npz to write (default: guardrails/data/sentence_model.npz); its manifest goes "
    "beside it as .json",
)
def sentence_model_build(out: Path | None) -> None:
    """Fit on the training sentences, choose thresholds on the development ones, write."""
    from guardrails.sentence_fit import build
    from guardrails.sentence_model import ARTIFACT

    out = out or ARTIFACT
    manifest = build(out)
    cuts = ", ".join(f"{k} {v:g}" for k, v in manifest["thresholds"].items() if v <= 1)
    click.echo(
        f"wrote {out} ({manifest['bytes'] / 1e6:.1f} MB, sha256 {manifest['sha256'][:12]}…); "
        f"C {manifest['c']:g}, development macro-F1 {manifest['dev_macro_f1']:.3f}; "
        f"thresholds: {cuts}"
    )
