"""Blind sets: folders of ``<language>.yaml`` files (``defaults`` and ``cases``), kept as a
sealed ``.tar.gz`` of one set's folder, so that no search over the repository shows their text
before they are scored: unpacked into a temporary folder for the length of one scoring, never
into the working tree."""

from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml


def cases(directory: Path) -> Iterator[tuple[Path, dict[str, Any], dict[str, Any]]]:
    """``(file, its defaults, one case)`` of every case of the set, file by file."""
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield path, data["defaults"], case


def pct(part: int, whole: int) -> str:
    """ "3/4 (75.0%)", as every blind-set report writes a share."""
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "0/0"


def score_sealed(archive: Path, report: Callable[[Path], str]) -> str:
    """``report`` of the one set folder that ``archive`` holds."""
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        (folder,) = [p for p in Path(tmp).iterdir() if p.is_dir()]
        return report(folder)
