"""A Python client generated from `/openapi.json` with openapi-python-client, as a help-desk
developer would make one: typed answers on every route (no `Any`), functions named after the
routes (`create_draft`, `approve_draft`), either key header configurable, and type-checked; then
used against the running service."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from service.api.app import create_app
from service.config import Settings
from tests.conftest import draft_request
from tests.service.review.support import serving

PACKAGE = "replydesk_client"
KEYS = "plugin:pk-1,agent:ak-2,ops:ok-3"
# What each route's function is called in the generated client, by its tag's folder.
EXPECTED = {
    "create_draft",
    "create_acknowledgement",
    "create_proactive",
    "list_drafts",
    "read_draft",
    "approve_draft",
    "reject_draft",
    "regenerate_draft",
    "read_gloss",
    "read_case_pack",
    "triage",
    "check_text",
    "search_kb",
    "list_kb",
    "reload",
    "run_audit",
    "list_audits",
    "get_audit",
    "get_stats",
    "healthz",
    "readyz",
    "metrics",
    "list_events",
    "review",
    "review_queue",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The client package, generated once for the module, importable while it runs."""
    root = tmp_path_factory.mktemp("client")
    spec = root / "openapi.json"
    spec.write_text(json.dumps(create_app().openapi()), encoding="utf-8")
    tool = Path(sys.executable).with_name("openapi-python-client")
    env = os.environ | {"PATH": f"{tool.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    out = [str(root / PACKAGE)]
    made = subprocess.run(
        [str(tool), "generate", "--meta", "none", "--path", str(spec), "--output-path", *out],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Warning" not in made.stdout + made.stderr, made.stdout + made.stderr
    sys.path.insert(0, str(root))
    try:
        yield root / PACKAGE
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def functions(package: Path) -> dict[str, Path]:
    return {path.stem: path for path in (package / "api").glob("*/*.py") if path.stem != "__init__"}


def test_every_route_has_a_function_named_after_it(generated: Path) -> None:
    assert set(functions(generated)) == EXPECTED


def test_no_answer_is_untyped(generated: Path) -> None:
    for name, path in functions(generated).items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in ("sync", "sync_detailed"):
                returns = ast.unparse(node.returns) if node.returns else ""
                assert "Any" not in returns, f"{name}.{node.name} -> {returns}"
    assert loose_models(generated) == ["ProblemDetailType1", "ProblemDetailType2Item"]


def loose_models(package: Path) -> list[str]:
    """Models with no field of their own, only a free-form ``dict[str, Any]``: what a loose
    `{"type": "object"}` in the schema becomes. A problem's `detail` may be one on purpose: each
    refusal says what it needs to (a rule, a window)."""
    found = []
    for path in (package / "models").glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                fields = [
                    (ast.unparse(a.target), ast.unparse(a.annotation))
                    for a in node.body
                    if isinstance(a, ast.AnnAssign)
                ]
                if fields == [("additional_properties", "dict[str, Any]")]:
                    found.append(node.name)
    return sorted(found)


def test_the_client_type_checks(generated: Path) -> None:
    # The route functions and the models; the generator's own client.py (its httpx wrapper,
    # the same in every generated client) is read for types but not judged.
    packages = ["-p", f"{PACKAGE}.api", "-p", f"{PACKAGE}.models"]
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", *packages],
        capture_output=True,
        text=True,
        cwd=generated.parent,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture
def served(make_settings: Callable[..., Settings]) -> Iterator[str]:
    with serving(create_app(make_settings(api_keys=KEYS))) as url:
        yield url


def load(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_the_client_drafts_approves_and_reads_with_either_key_header(
    generated: Path, served: str
) -> None:
    client_module = load("client")
    models = load("models")
    create_draft = load("api.drafts.create_draft")
    approve_draft = load("api.drafts.approve_draft")
    read_draft = load("api.drafts.read_draft")
    list_drafts = load("api.drafts.list_drafts")
    readyz = load("api.operations.readyz")

    with ExitStack() as stack:

        def client(**auth: str) -> Any:
            kind = client_module.AuthenticatedClient if auth else client_module.Client
            return stack.enter_context(kind(base_url=served, **auth))

        plugin = client(token="pk-1")
        body = models.DraftRequest.from_dict(draft_request() | {"external_ref": "zendesk:1"})
        draft = create_draft.sync(client=plugin, body=body, idempotency_key="client-1")
        assert isinstance(draft, models.DraftPublic)
        assert (draft.status, draft.external_ref) == (models.DraftStatus.PENDING, "zendesk:1")
        again = create_draft.sync_detailed(client=plugin, body=body, idempotency_key="client-1")
        assert again.status_code == 200 and again.parsed.draft_id == draft.draft_id

        # The agent's key in the other header the API accepts.
        agent = client(token="ak-2", prefix="", auth_header_name="X-API-Key")
        listed = list_drafts.sync(client=agent, external_ref="zendesk:1")
        assert isinstance(listed, models.DraftList) and listed.count == 1
        approved = approve_draft.sync(
            draft.draft_id, client=agent, body=models.ApproveRequest(agent_id="anna")
        )
        assert isinstance(approved, models.ApproveResponse)
        detail = read_draft.sync(draft.draft_id, client=plugin)
        assert (
            isinstance(detail, models.DraftDetail) and detail.status == models.DraftStatus.APPROVED
        )

        ops = client(token="ok-3")
        audit = load("api.operations.run_audit").sync(client=ops, body=models.AuditRequest())
        assert isinstance(audit, models.AuditReport) and audit.summary.replies == 1
        stats = load("api.operations.get_stats").sync(client=ops)
        assert isinstance(stats, models.Stats) and stats.drafts.approved == 1
        assert stats.by_agent["anna"].drafts.approved_unedited == 1

        anonymous = client()
        refused = create_draft.sync(client=anonymous, body=body)
        assert isinstance(refused, models.Problem) and refused.status == 401
        ready = readyz.sync(client=anonymous)
        assert isinstance(ready, models.Readiness) and ready.status == models.ReadinessStatus.READY
