"""End-to-end: the service-standard screens, the ticket page's due times and "remind me" form, and the
reminders page pass axe-core (WCAG 2.1 AA) in English and French, form errors included (OPS-7, OPS-8)."""

from __future__ import annotations

import pytest

from parlons.accounts.models import User
from parlons.sla.models import Reminder
from parlons.sla.services import ensure_defaults, sync_ticket
from tests import factories
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e password for the admin"


@pytest.fixture
def data(roles):
    admin = factories.UserFactory(username="admin", first_name="Alice", last_name="Admin", roles=["admin"])
    admin.set_password(PASSWORD)
    admin.save()
    ensure_defaults()  # a transactional test before this one may have flushed the migration's default policy
    group = factories.ChannelGroupFactory(platform="api", name="Passports API", external_id="passports-api")
    ticket = factories.ingest(group, handle="marie.t", name="Marie Tremblay", body="Bonjour!").ticket
    sync_ticket(ticket.pk)
    return {"admin": admin, "ticket": ticket}


def sign_in(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_sla_screens_pass_axe_req_ops7_ops8(page, data, language):
    User.objects.filter(pk=data["admin"].pk).update(language=language)
    if language == "fr":
        page.set_extra_http_headers({"Accept-Language": "fr-CA,fr"})
    sign_in(page)
    for url in ["/admin/sla/", "/admin/sla/hours/", "/admin/sla/holidays/", "/reminders/"]:
        page.goto(url)
        assert axe_violations(page) == [], url
    # A form with errors: a new standard without any target.
    page.goto("/admin/sla/")
    page.fill("#id_name", "Sans cible")
    page.locator("form button.button-primary").last.click()
    assert page.locator(".field-error").count() >= 1
    assert axe_violations(page) == []
    # The ticket page: due times in words, and "remind me" by keyboard.
    page.goto(f"/tickets/{data['ticket'].pk}/")
    assert page.locator("#service-standard .badge").count() == 2
    assert axe_violations(page) == []
    page.select_option("#id_reminder-when", "60")
    page.fill("#id_reminder-note", "Relancer")
    page.locator("#id_reminder-note").press("Enter")
    page.wait_for_load_state()
    assert Reminder.objects.filter(note="Relancer").count() == 1
    assert axe_violations(page) == []
