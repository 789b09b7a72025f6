"""The service-standard screens and "remind me" on the ticket page (OPS-7, OPS-8): permissions, forms,
bilingual text, due time and breach state shown as text."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from parlons.sla import services
from parlons.sla.models import Holiday, Reminder, SlaPolicy
from parlons.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", ["/admin/sla/", "/admin/sla/hours/", "/admin/sla/holidays/"])
def test_admin_screens_need_system_admin_req_ops7(url, agent_user, lead_user, admin_user):
    assert signed_in(agent_user).get(url).status_code == 403
    assert signed_in(lead_user).get(url).status_code == 403
    assert signed_in(admin_user).get(url).status_code == 200
    assert Client().get(url).status_code == 302  # to the sign-in page


def test_admin_adds_and_edits_a_policy_req_ops7(admin_user, channel_group):
    client = signed_in(admin_user)
    r = client.post(
        "/admin/sla/",
        {
            "name": "Urgent passports",
            "channel_group": channel_group.pk,
            "priority": "urgent",
            "first_response_hours": "0.5",
            "resolution_hours": "8",
            "business_hours": "on",
            "warn_before_minutes": "15",
            "is_active": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    policy = SlaPolicy.objects.get(name="Urgent passports")
    assert (policy.first_response_minutes, policy.resolution_minutes) == (30, 480)
    page = client.get("/admin/sla/").content.decode()
    assert "Urgent passports" in page and "30 min" in page
    r = client.post(
        f"/admin/sla/{policy.pk}/",
        {
            "name": "Renamed",
            "priority": "",
            "first_response_hours": "",
            "resolution_hours": "",
            "warn_before_minutes": "15",
        },
    )
    assert r.status_code == 400  # no target at all: the service refuses, shown on the form
    assert "first-response target" in r.content.decode()
    r = client.post(f"/admin/sla/{policy.pk}/delete/")
    assert r.status_code == 302 and not SlaPolicy.objects.filter(pk=policy.pk).exists()


def test_admin_screens_in_french_req_ops7(admin_user):
    admin_user.language = "fr"
    admin_user.save()
    client = signed_in(admin_user)
    page = client.get("/admin/sla/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Normes de service" in page
    assert "Heures ouvrables" in page


def test_holidays_and_hours_screens_req_ops7(admin_user):
    client = signed_in(admin_user)
    r = client.post(
        "/admin/sla/holidays/", {"date": "2026-12-25", "name_en": "Christmas Day", "name_fr": "Noël"}
    )
    assert r.status_code == 302
    holiday = Holiday.objects.get()
    assert "Christmas Day" in client.get("/admin/sla/holidays/").content.decode()
    assert client.post(f"/admin/sla/holidays/{holiday.pk}/delete/").status_code == 302
    assert not Holiday.objects.exists()
    data = {"time_zone": "America/Halifax", "opens_0": "08:30", "closes_0": "16:30"}
    assert client.post("/admin/sla/hours/", data).status_code == 302
    assert services.business_hours().hours == {"0": [["08:30", "16:30"]]}
    bad = client.post(
        "/admin/sla/hours/", {"time_zone": "Nowhere/Town", "opens_0": "08:30", "closes_0": "16:30"}
    )
    assert bad.status_code == 400 and "Unknown time zone" in bad.content.decode()


def test_ticket_page_shows_due_time_and_breach_as_text_req_ops8(ticket, agent_user):
    services.sync_ticket(ticket.pk)
    client = signed_in(agent_user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Service standard" in page and "First response" in page and "Resolution" in page
    assert "Set the reminder" in page
    # Make the first response overdue: the state is said in words, not only by colour.
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timedelta(days=30))
    services.sync_ticket(ticket.pk, force=True)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Missed" in page
    inbox = client.get("/").content.decode()
    assert "Overdue" in inbox and "Due:" in inbox


def test_remind_me_from_the_ticket_page_req_ops7(ticket, agent_user):
    client = signed_in(agent_user)
    r = client.post(
        f"/tickets/{ticket.pk}/reminders/",
        {"reminder-when": "2880", "reminder-note": "Relancer la cliente"},
    )
    assert r.status_code == 302
    reminder = Reminder.objects.get()
    assert reminder.user == agent_user and reminder.note == "Relancer la cliente"
    assert abs(reminder.remind_at - (timezone.now() + timedelta(days=2))) < timedelta(minutes=1)
    assert "Relancer la cliente" in client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Relancer la cliente" in client.get("/reminders/").content.decode()
    r = client.post(f"/reminders/{reminder.pk}/cancel/", {"next": "/reminders/"})
    assert r.status_code == 302 and r["Location"] == "/reminders/"
    reminder.refresh_from_db()
    assert reminder.cancelled_at is not None


def test_remind_me_at_a_local_time_req_ops7(ticket, agent_user):
    from zoneinfo import ZoneInfo

    client = signed_in(agent_user)
    when = (
        (timezone.now() + timedelta(days=3))
        .astimezone(ZoneInfo(agent_user.time_zone))
        .replace(second=0, microsecond=0)
    )
    r = client.post(
        f"/tickets/{ticket.pk}/reminders/",
        {"reminder-when": "at", "reminder-at": when.strftime("%Y-%m-%dT%H:%M")},
    )
    assert r.status_code == 302
    assert Reminder.objects.get().remind_at == when


def test_remind_me_needs_write_req_ops7(ticket, reader_user, no_role_user):
    r = signed_in(reader_user).post(f"/tickets/{ticket.pk}/reminders/", {"reminder-when": "60"})
    assert r.status_code == 403
    r = signed_in(no_role_user).post(f"/tickets/{ticket.pk}/reminders/", {"reminder-when": "60"})
    assert r.status_code == 404
    assert signed_in(no_role_user).get("/reminders/").status_code == 403
    assert not Reminder.objects.exists()


def test_someone_elses_reminder_cannot_be_cancelled_req_ops7(ticket, agent_user, other_agent):
    reminder = services.create_reminder(ticket.pk, actor=agent_user, in_minutes=60)
    r = signed_in(other_agent).post(f"/reminders/{reminder.pk}/cancel/")
    assert r.status_code == 404
    reminder.refresh_from_db()
    assert reminder.is_pending
