"""A headless Debian Chromium driven by Playwright, and the app served on a real port.

No browser is ever downloaded: Playwright's bundled driver launches /usr/bin/chromium, which
`.ci/run` installs from Debian's packages. Without it the tests skip on a developer machine and
fail under CI (`CI=true`), where a skipped browser test would hide a broken page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path(os.environ.get("REPLYDESK_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Module scope, not session: while Playwright's sync API is open it keeps an asyncio loop
# running in the main thread, and later tests calling asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser session (empty sessionStorage) on a laptop-sized screen."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    context.set_default_timeout(10_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    # An artifact for people, not a check: a full page as long as ReDoc's reference took more
    # than the 10 s of an action on a loaded CI machine (seen once), so it has a minute.
    end = ARTIFACTS / f"{request.node.name}-end.png"
    opened.screenshot(path=end, full_page=True, timeout=60_000)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
