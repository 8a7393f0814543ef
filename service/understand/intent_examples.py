"""The intent model's example files, `service/data/intents/<language>/<intent>*.txt`, and
their digest: the built model records the digest of the files it learnt from, so a load can
tell that they have been edited since."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path

from service import DATA_DIR

EXAMPLES_DIR = DATA_DIR / "intents"


def intent_of(path: Path) -> str:
    # `<intent>.txt`, or `<intent>.<source>.txt` for examples derived from a data set.
    return path.name.split(".")[0]


def example_files(
    data_dir: Path = EXAMPLES_DIR, intents: Collection[str] | None = None
) -> list[Path]:
    """Every example file, in a fixed order; only those of `intents` when given."""
    paths = sorted(data_dir.glob("*/*.txt"))
    return [p for p in paths if intents is None or intent_of(p) in intents]


def read_examples(data_dir: Path = EXAMPLES_DIR) -> list[tuple[str, str, str]]:
    """(language, intent, text) for every example line; `#` starts a comment line."""
    examples = []
    for path in example_files(data_dir):
        language, intent = path.parent.name, intent_of(path)
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                examples.append((language, intent, line))
    return examples


def examples_digest(data_dir: Path = EXAMPLES_DIR, intents: Collection[str] | None = None) -> str:
    """sha256 over the files' names and bytes: any edit, added or removed file changes it."""
    digest = hashlib.sha256()
    for path in example_files(data_dir, intents):
        content = path.read_bytes()
        name = path.relative_to(data_dir).as_posix().encode("utf-8")
        # Lengths first, so no two different sets of files can hash the same stream.
        digest.update(b"%d:%s%d:" % (len(name), name, len(content)))
        digest.update(content)
    return digest.hexdigest()
