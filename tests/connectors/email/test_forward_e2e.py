"""In a real browser: the forward form passes axe-core (WCAG 2.1 AA) in English and French, errors included,
and sending it brings the agent back to the ticket (OPS-20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parlons.connectors.email.models import Forward
from parlons.core.crypto import encrypt_json
from tests import factories
from tests.connectors.email.conftest import ADDRESS
from tests.e2e.conftest import ARGS, CHROMIUM, axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "e2e password for the agent"


@pytest.fixture
def browser_page(live_server, settings, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(base_url=live_server.url, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(10000)
        yield page
        browser.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_forward_form_is_accessible_and_works_req_ops20(browser_page, roles, language):
    page = browser_page
    agent = factories.UserFactory(username="agent", first_name="Gabriel", roles=["agent"], language=language)
    agent.set_password(PASSWORD)
    agent.save()
    group = factories.ChannelGroupFactory(
        platform="email", external_id=ADDRESS, credentials_encrypted=encrypt_json({"address": ADDRESS})
    )
    ticket = factories.ingest(group, body="Bonjour, une question.", subject="Question").ticket
    page.goto("/accounts/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")
    page.goto(f"/tickets/{ticket.pk}/")
    page.locator(f"a[href='/tickets/{ticket.pk}/forward/']").click()
    page.wait_for_url(f"**/tickets/{ticket.pk}/forward/")
    assert page.locator("html").get_attribute("lang").startswith(language)
    assert axe_violations(page) == []
    page.fill("#forward-to", "not-an-address@")
    page.evaluate("document.querySelector('#forward-to').type = 'text'")  # past the browser's own check
    page.locator("form.forward-form button[type=submit]").click()
    assert page.locator("#forward-errors").is_visible()
    assert axe_violations(page) == []
    page.fill("#forward-to", "expert@example.org")
    page.fill("#forward-note", "Pour avis")
    page.locator("form.forward-form button[type=submit]").click()
    page.wait_for_url(f"**/tickets/{ticket.pk}/")
    assert Forward.objects.get().to_address == "expert@example.org"
