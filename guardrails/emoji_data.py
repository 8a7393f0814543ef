"""Writes ``guardrails/data/emoji.txt``, the emoji sequences the ``emoji`` rule reads, from the
installed emoji package: ``python -m guardrails.emoji_data`` after upgrading it (the test of
the rule says when). A check never imports the package (see :mod:`guardrails.emoji_rules`)."""

from __future__ import annotations

import sys
from pathlib import Path

from guardrails.emoji_rules import DATA


def package_sequences() -> list[str]:
    """The installed emoji package's sequences, which ``data/emoji.txt`` must equal."""
    import emoji

    return sorted(emoji.EMOJI_DATA)


def write(path: Path = DATA) -> int:
    """Write ``data/emoji.txt`` from the installed emoji package; the number of sequences."""
    import emoji

    found = package_sequences()
    header = (
        f"# Emoji sequences of the emoji package {emoji.__version__} (Unicode's emoji data), "
        "one a line as code points.\n# Written by `python -m guardrails.emoji_data`; "
        "do not edit.\n"
    )
    body = "".join(" ".join(f"{ord(c):04X}" for c in seq) + "\n" for seq in found)
    path.write_text(header + body, encoding="ascii")
    return len(found)


if __name__ == "__main__":
    print(f"{write()} emoji sequences written to {DATA}", file=sys.stderr)
