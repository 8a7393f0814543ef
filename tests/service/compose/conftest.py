"""What the composing tests share: the shipped knowledge base and prompts on a database of
the module's, no model (a test puts its own fake model in with `dataclasses.replace`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from service.resources import Resources, build_resources
from tests.conftest import repo_settings


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Resources]:
    """The shipped knowledge base and prompts on a database of the module's; no model."""
    database = tmp_path_factory.mktemp("reply") / "replydesk.db"
    resources = build_resources(repo_settings(f"sqlite:///{database}", kb_watch=False))
    yield resources
    asyncio.run(resources.aclose())
