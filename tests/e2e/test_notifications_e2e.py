"""End-to-end: the notification screens pass axe-core (WCAG 2.1 AA) in English and French; the desktop
permission is asked by a click; the bell shows the unread count; a broadcast banner shows (OPS-13, DOC-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.accounts.models import User
from parlons.notifications import services
from parlons.notifications.models import Broadcast, Notification
from tests import factories
from tests.e2e.conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e password for notifications"


@pytest.fixture
def admin(roles):
    user = factories.UserFactory(username="admin", first_name="Alice", last_name="Admin", roles=["admin"])
    user.set_password(PASSWORD)
    user.save()
    Notification.objects.create(
        recipient=user, kind="reminder.due", context={"note": "Rappeler Mme Tremblay"}
    )
    Notification.objects.create(recipient=user, kind="sla.breached", context={"ticket_id": 1})
    Broadcast.objects.create(
        kind="unplanned",
        message="Les messages Facebook arrivent en retard.",
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=2),
        created_by=user,
    )
    return user


def sign_in(page):
    page.goto("/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_notification_screens_pass_axe_req_ops13_doc3(page, admin, language):
    User.objects.filter(pk=admin.pk).update(language=language)
    if language == "fr":
        page.set_extra_http_headers({"Accept-Language": "fr-CA,fr"})
    sign_in(page)
    assert page.locator("#notification-count").inner_text() == "2"
    assert page.locator(".broadcast-banner[role=alert]").count() == 1
    for path in (
        "/notifications/",
        "/notifications/preferences/",
        "/admin/notifications/",
        "/admin/broadcasts/",
    ):
        page.goto(path)
        assert page.get_attribute("html", "lang") == language
        assert axe_violations(page) == [], path
    # A form error (planned outage too soon) is still accessible.
    page.goto("/admin/broadcasts/")
    page.select_option("#id_kind", "planned")
    page.fill("#id_message", "Maintenance")
    soon = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_starts_at", soon)
    page.fill("#id_ends_at", soon)
    page.locator("main form button[type=submit]").first.click()
    assert page.locator(".field-error").count() >= 1
    assert axe_violations(page) == []


def test_desktop_permission_asked_by_a_click_and_mark_read_req_ops13(page, admin):
    page.context.grant_permissions(["notifications"])
    sign_in(page)
    page.goto("/notifications/preferences/")
    page.locator("#desktop-permission").click()
    page.wait_for_function(
        "document.getElementById('desktop-state').textContent.includes('on in this browser')"
    )
    page.goto("/notifications/")
    page.locator("main form button[type=submit]", has_text="Mark all as read").click()
    page.wait_for_url("**/notifications/")
    assert page.locator("#notification-count").inner_text() == "0"
    assert services.unread_count(admin) == 0
