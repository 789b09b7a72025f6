"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

They are marked ``e2e`` and skip cleanly when Chromium or Playwright is missing. axe-core (npm package
``axe-core``, vendored in ``vendor/axe.min.js`` with its licence) is injected into each page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PARLONS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: end-to-end test in a real browser (needs Chromium and Playwright)"
    )


@pytest.fixture
def browser():
    """A fresh Chromium per test: Playwright's sync API keeps an event loop in this thread while it runs, which
    must not outlive the browser tests (other tests use ``async_to_sync``)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in the test's thread; the test's own ORM calls are safe."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def plain_http(settings):
    """The live server speaks plain http: cookies must not require TLS there."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0


@pytest.fixture
def page(browser, live_server, plain_http):
    # bypass_csp only lets the test inject axe-core; the pages' own policy is checked by the Django tests.
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10000)
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the current page."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
            return {passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))};
        }"""
    )
    assert result["passes"] > 0, "axe-core did not run"
    return result["violations"]
