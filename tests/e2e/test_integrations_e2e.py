"""Browser: the outgoing-webhook screens and the chatbot triage panel pass axe-core in English and French, and
a webhook can be created with the keyboard alone (OPS-2, UI-5, UI-6)."""

from __future__ import annotations

import pytest

from parlons.accounts.models import User
from parlons.core.actors import SYSTEM
from parlons.core.crypto import encrypt_json
from parlons.integrations import services
from parlons.integrations.models import WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e password for the admin"


@pytest.fixture
def data(roles):
    admin = factories.UserFactory(username="root", first_name="Ada", last_name="Admin", roles=["admin"])
    admin.set_password(PASSWORD)
    admin.save()
    bot = factories.UserFactory(username="clavardage", first_name="Clavardage", roles=["bot"], is_bot=True)
    group = factories.ChannelGroupFactory(platform="webchat", name="Clavardage IRCC", external_id="chat")
    result = services.hand_off(
        actor=bot,
        channel_group=group,
        client=services.HandoffClient(external_id="visitor-1", name="Élise"),
        transcript=[
            {"role": "client", "text": "Mon permis d'études expire."},
            {"role": "bot", "text": "Je transfère votre demande à un agent."},
        ],
        triage=services.HandoffTriage(intent="study_permit", confidence=0.7, summary="Permis qui expire"),
        external_id="c-1",
    )
    endpoint, _secret = services.create_webhook(actor=SYSTEM, name="Tableau", url="https://example.org/hook")
    delivery = services.queue_delivery(endpoint, "ping", {})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=5, last_error="HTTP 500")
    page = factories.ChannelGroupFactory(
        platform="facebook",
        name="Passeport (FB)",
        external_id="5550001",
        credentials_encrypted=encrypt_json({"page_token": "t"}),
    )
    return {"admin": admin, "ticket": result.handoff.ticket, "endpoint": endpoint, "page": page}


def sign_in(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_webhook_and_channel_screens_and_triage_panel_pass_axe_req_ops2_env10_ui5_ui6(page, data, language):
    User.objects.filter(pk=data["admin"].pk).update(language=language)
    sign_in(page)
    for path in [
        "/admin/webhooks/",
        f"/admin/webhooks/{data['endpoint'].pk}/",
        f"/tickets/{data['ticket'].pk}/",
    ]:
        page.goto(path)
        for summary in page.locator("details > summary").all():
            summary.click()
        violations = axe_violations(page)
        assert violations == [], f"{language} {path}: {violations}"
    expected = "Trié par le robot conversationnel" if language == "fr" else "Triaged by the chatbot"
    assert page.get_by_text(expected).count() == 1


def test_a_webhook_is_created_with_the_keyboard_req_ops2_ui5(page, data):
    sign_in(page)
    page.goto("/admin/webhooks/")
    page.locator("#id_name").focus()
    page.keyboard.type("Robot")
    page.keyboard.press("Tab")
    page.keyboard.type("https://bot.example.gc.ca/hook")
    page.keyboard.press("Tab")  # the first event's checkbox
    page.keyboard.press("Space")
    page.locator("#id_name").press("Enter")
    page.wait_for_url("**/admin/webhooks/*/")
    endpoint = WebhookEndpoint.objects.get(name="Robot")
    assert endpoint.events == ["ticket.created"]
    assert page.locator("code.secret").inner_text() == services.webhook_secret(endpoint)
