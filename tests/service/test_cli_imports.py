"""What the `replydesk` command costs before it does anything.

uvicorn starts each worker of `serve --workers N` with multiprocessing's spawn method, which
re-imports the command's module (`replydesk` → service.cli) in the worker before the worker's
health-check thread exists; a worker that does not answer its supervisor within 5 s is killed
("Child process [...] died"). So service.cli must import next to nothing, and `replydesk check`
only the guardrails.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.factories import ORDER_ID
from tests.processes import fresh_python

HEAVY = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "uvicorn",
    "aiohttp",
    "scipy",
    "pydantic",
    "pydantic_settings",
    "holidays",
    "jinja2",
    "babel",
    "tokenizers",
    "bm25s",
    "service.config",
    "service.api",
    "service.store",
    "service.understand.intent_model",
)
_PROBE = """
import json, sys
from service.cli import main
after_import = sorted(sys.modules)
try:
    main(sys.argv[1:])
except SystemExit:
    pass
with open(OUT, "w") as out:
    json.dump({"import": after_import, "check": sorted(sys.modules)}, out)
"""


def _loaded(names: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted({p for p in prefixes for n in names if n == p or n.startswith(p + ".")})


def test_the_cli_module_and_check_import_little(tmp_path: Path) -> None:
    source = tmp_path / "reply.txt"
    source.write_text("Hello Jane, your order ships today.\n", encoding="utf-8")
    out = tmp_path / "modules.json"
    probe = f"OUT = {str(out)!r}\n" + _PROBE
    fresh_python(probe, "check", str(source), "--order-id", ORDER_ID)
    modules = json.loads(out.read_text(encoding="utf-8"))
    assert _loaded(modules["import"], ("guardrails", "numpy", *HEAVY)) == []
    assert "guardrails" in modules["check"]
    assert _loaded(modules["check"], HEAVY) == []


def test_the_server_imports_one_http_client() -> None:
    # Webhooks and the model share aiohttp: httpx (and, where they are installed, the rich and
    # pygments its command line pulls in) would cost a worker 4-6 MB for nothing.
    probe = (
        "import sys\n"
        "from service.api.app import create_app\n"
        "create_app()\n"
        "print(','.join(sorted(m for m in ('httpx', 'rich', 'pygments') if m in sys.modules)))\n"
    )
    assert fresh_python(probe).strip() == ""
