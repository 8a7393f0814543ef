"""`pip install .` (the Docker image) must carry every data file the code reads."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_package_data_covers_every_data_file() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    package_data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    for package in ("service", "guardrails"):
        root = REPO / package
        shipped = {path for pattern in package_data.get(package, []) for path in root.glob(pattern)}
        on_disk = {
            path
            for path in root.rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc")
        }
        missing = sorted(str(p.relative_to(REPO)) for p in on_disk - shipped)
        assert missing == [], f"not in [tool.setuptools.package-data]: {missing}"
