"""Notification screens: the list (bell), mark as read, my preferences, the administrators' e-mail settings."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parlons.notifications import services
from parlons.notifications.models import Notification, SystemEmailSettings

pytestmark = pytest.mark.django_db


def _make(user, kind="reminder.due", **context):
    return Notification.objects.create(recipient=user, kind=kind, context=context)


def test_bell_shows_unread_count_accessibly_req_ops13(client, agent_user):
    _make(agent_user)
    _make(agent_user)
    client.force_login(agent_user)
    page = client.get(reverse("home")).content.decode()
    assert 'id="notification-count"' in page
    assert 'aria-label="Notifications, 2 unread"' in page
    assert 'aria-live="polite"' in page
    assert reverse("notification_preferences") in page  # reachable from the user menu


def test_list_and_mark_read_req_ops13(client, agent_user, other_agent):
    mine = _make(agent_user, message="Rappel <script>")
    theirs = _make(other_agent, message="Pas pour vous")
    client.force_login(agent_user)
    page = client.get(reverse("notifications")).content.decode()
    assert "Rappel &lt;script&gt;" in page and "Pas pour vous" not in page
    data = client.get(reverse("notifications") + "?format=json").json()
    assert data["unread"] == 1 and [i["id"] for i in data["items"]] == [mine.pk]
    # Marking someone else's notification does nothing.
    response = client.post(reverse("notifications_read"), {"id": theirs.pk}, HTTP_ACCEPT="application/json")
    assert response.json() == {"marked": 0, "unread": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(reverse("notifications_read"), {"id": mine.pk}, HTTP_ACCEPT="application/json")
    assert response.json() == {"marked": 1, "unread": 0}
    bad = client.post(reverse("notifications_read"), {"id": "abc"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400


def test_mark_all_read(client, agent_user):
    _make(agent_user)
    _make(agent_user)
    client.force_login(agent_user)
    response = client.post(reverse("notifications_read"), {"all": "1"})
    assert response.status_code == 302
    assert services.unread_count(agent_user) == 0


def test_pages_need_sign_in(client):
    for name in ("notifications", "notification_preferences", "notification_settings", "broadcasts"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preferences_screen_saves_req_ops13(client, agent_user):
    client.force_login(agent_user)
    page = client.get(reverse("notification_preferences"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="desktop-permission"' in body  # asked by a user gesture
    until = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("notification_preferences"),
        {"ticket.assigned:desktop": "on", "note.mention:email": "on", "dnd_until": until},
    )
    assert response.status_code == 302
    pref = services.preference_for(agent_user)
    assert services.channels_for(pref, "ticket.assigned") == {"email": False, "desktop": True}
    assert services.channels_for(pref, "note.mention") == {"email": True, "desktop": False}
    assert pref.muted is False and pref.dnd_until > timezone.now()
    response = client.post(reverse("notification_preferences"), {"muted": "on", "dnd_until": "not a date"})
    assert response.status_code == 400
    response = client.post(reverse("notification_preferences"), {"muted": "on"})
    pref.refresh_from_db()
    assert pref.muted is True and pref.dnd_until is None


def test_preferences_screen_in_french(client, agent_user):
    agent_user.language = "fr"
    agent_user.save()
    client.force_login(agent_user)
    body = client.get(reverse("notification_preferences")).content.decode()
    assert "Préférences de notification" in body


def test_system_email_settings_admin_only_req_ops7(client, admin_client, agent_user):
    client.force_login(agent_user)
    assert client.get(reverse("notification_settings")).status_code == 403
    assert client.post(reverse("notification_settings"), {"digest_minutes": 5}).status_code == 403
    assert admin_client.get(reverse("notification_settings")).status_code == 200
    response = admin_client.post(
        reverse("notification_settings"), {"auto_assigned": "on", "digest_minutes": 5}
    )
    assert response.status_code == 302
    settings = SystemEmailSettings.objects.get()
    assert (settings.sla_reminders, settings.auto_assigned, settings.bot_triaged) == (False, True, False)
    assert settings.digest_minutes == 5
    bad = admin_client.post(reverse("notification_settings"), {"digest_minutes": 0})
    assert bad.status_code == 400


def test_notify_js_is_loaded_req_ops13(client, agent_user):
    client.force_login(agent_user)
    page = client.get(reverse("home")).content.decode()
    assert "parlons/js/notify.js" in page
