"""End-to-end: sign in, filter the inbox, open a ticket, reply with a jpg, tag, bulk-update 3 tickets; axe-core
finds no WCAG 2.1 AA violation on any page in English and in French (UI-1, UI-2, UI-3, UI-5, UI-6, OPS-3, OPS-21,
ENV-6)."""

from __future__ import annotations

import pytest

from parlons.accounts.models import User
from parlons.tickets.models import Message, Ticket, Tracker
from tests import factories
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e password for the lead"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def data(roles):
    lead = factories.UserFactory(username="lead", first_name="Léa", last_name="Lead", roles=["lead"])
    lead.set_password(PASSWORD)
    lead.save()
    group = factories.ChannelGroupFactory(platform="api", name="Passports API", external_id="passports-api")
    tickets = [
        factories.ingest(
            group, sender=f"person-{n}", handle=f"client{n}", name=f"Client {n}", body=f"Question {n}"
        ).ticket
        for n in range(4)
    ]
    factories.TagFactory(slug="passport", name_en="Passports", name_fr="Passeports")
    Tracker.objects.create(name="Wildfires", created_by=lead)
    return {"lead": lead, "tickets": tickets}


def sign_in(page, username="lead"):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


def assert_accessible(page, where):
    violations = axe_violations(page)
    assert violations == [], f"{where}: {violations}"


def test_agent_flow_req_ui1_ui2_ui3_ops3_ops21_env6(page, data):
    sign_in(page)
    # Filter the inbox by contact handle, without a full reload (htmx), and the URL says so.
    page.locator("details.filters summary").click()
    page.fill("#id_handle", "client2")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**handle=client2**")
    rows = page.locator("#ticket-list tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "Question 2" in rows.first.inner_text()
    # Open the ticket.
    page.locator("#ticket-list a.ticket-link").first.click()
    ticket = data["tickets"][2]
    page.wait_for_url(f"**/tickets/{ticket.pk}/")
    # Reply with a jpg attachment, sent with Ctrl+Enter.
    page.check("#mode-reply", force=True)
    page.fill("#composer-body", "Voici le formulaire.")
    page.set_input_files(
        "#composer-files", files=[{"name": "form.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
    )
    page.locator("#composer-body").press("Control+Enter")
    page.wait_for_selector("img[alt='Attached image: form.jpg']")
    assert Message.objects.filter(ticket=ticket, direction="out", attachments__filename="form.jpg").exists()
    # Tag it.
    page.fill("#add-tag", "passport")
    page.locator("#tags button[type=submit]", has_text="Add").click()
    page.wait_for_selector("#tags .tag-list")
    assert ticket.tags.filter(slug="passport").exists()
    # Bulk-update three tickets: pick them, choose a change, read the confirmation, confirm.
    page.goto("/")
    for t in data["tickets"][:3]:
        page.check(f"#select-{t.pk}")
    page.locator("details.bulk-panel summary").click()
    page.select_option("#bulk-form select[name=status]", "pending")
    page.get_by_role("button", name="Review changes").click()
    assert "3 tickets will change." in page.inner_text("main")
    page.get_by_role("button", name="Change 3 tickets").click()
    page.wait_for_selector("text=3 tickets updated.")
    assert Ticket.objects.filter(pk__in=[t.pk for t in data["tickets"][:3]], status="pending").count() == 3


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_passes_axe_req_ui5_ui6(page, data, language):
    User.objects.filter(pk=data["lead"].pk).update(language=language)
    if language == "fr":
        page.set_extra_http_headers({"Accept-Language": "fr-CA,fr"})
    page.goto("/accounts/login/")
    assert_accessible(page, "sign-in")
    sign_in(page)
    assert page.get_attribute("html", "lang") == language
    ticket = data["tickets"][0]
    tracker = Tracker.objects.get()
    for path in [
        "/",
        "/?view=unassigned",
        f"/tickets/{ticket.pk}/",
        "/trackers/",
        f"/trackers/{tracker.pk}/",
    ]:
        page.goto(path)
        for summary in page.locator("details > summary").all():
            summary.click()
        assert_accessible(page, f"{language} {path}")
    page.goto("/tickets/999999/")
    assert_accessible(page, f"{language} 404")


def test_keyboard_shortcuts_and_help_req_ui5(page, data):
    sign_in(page)
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.classList.contains('ticket-link')")
    page.keyboard.press("x")
    assert page.locator("#ticket-list input[type=checkbox]:checked").count() == 1
    page.keyboard.press("?")
    assert page.locator("#shortcut-help").is_visible()
    page.uncheck("#shortcuts-enabled")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    assert page.evaluate("localStorage.getItem('parlons.shortcuts')") == "off"


def test_inbox_at_320px_has_no_page_scroll_req_ui5(page, data):
    sign_in(page)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
