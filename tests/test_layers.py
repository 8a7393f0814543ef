"""The layout tells the truth: lower stages never import higher ones, and only the two ways in
(the web layer and the command line) know about HTTP frameworks. See docs/architecture.md."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

# Low to high; a module may import its own layer and the ones below it. The longest matching
# prefix places a module.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("guardrails",),
    ("service", "service.errors", "service.logs"),
    ("service.store", "service.clock", "service.config"),
    ("service.understand", "service.knowledge"),
    ("service.generate",),
    ("service.ops.metrics",),
    ("service.resources",),
    ("service.compose", "service.review", "service.ops"),
    ("service.api", "service.cli"),
)
WEB = ("fastapi", "starlette", "uvicorn")
WAYS_IN = ("service.api", "service.cli")


def rank(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for level, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[1]):
                best = (level, len(prefix))
    return None if best is None else best[0]


def modules() -> dict[str, Path]:
    found = {}
    for root in ("service", "guardrails"):
        for path in (REPO / root).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_every_module_has_a_layer() -> None:
    assert [name for name in modules() if rank(name) is None] == []


def test_lower_layers_never_import_higher_ones() -> None:
    wrong = []
    for name, path in modules().items():
        own = rank(name)
        assert own is not None
        for imported in imports(path):
            level = rank(imported)
            if level is not None and level > own and imported in modules():
                wrong.append(f"{name} (layer {own}) imports {imported} (layer {level})")
    assert wrong == []


def test_only_the_ways_in_know_the_web_framework() -> None:
    wrong = [
        f"{name} imports {imported}"
        for name, path in modules().items()
        if not name.startswith(WAYS_IN)
        for imported in imports(path)
        if imported.split(".")[0] in WEB
    ]
    assert wrong == []
