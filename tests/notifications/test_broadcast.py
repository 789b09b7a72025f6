"""Broadcasts (DOC-3, OPS-7): an e-mail to every active user once, in their language, and a banner."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from parlons.core.errors import Forbidden, Invalid
from parlons.core.worker import run_pending_tasks
from parlons.notifications import services
from parlons.notifications.models import Broadcast, Notification
from parlons.notifications.services import delivery
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_push(monkeypatch):
    monkeypatch.setattr(delivery, "push", lambda n: None)


def _send(committed_events, admin, **kwargs):
    kwargs.setdefault("kind", "unplanned")
    kwargs.setdefault("message", "Facebook messages are delayed.")
    kwargs.setdefault("ends_at", timezone.now() + timedelta(hours=2))
    with committed_events():
        broadcast = services.create_broadcast(actor=admin, **kwargs)
    run_pending_tasks()
    return broadcast


def test_broadcast_reaches_every_active_user_once_in_their_language_req_doc3_ops7(
    committed_events, admin_user, agent_user, roles
):
    french = factories.UserFactory(username="fr1", first_name="Hélène", language="fr", roles=["agent"])
    factories.UserFactory(username="left", is_active=False)
    factories.UserFactory(username="robot", is_bot=True)
    services.update_preferences(agent_user, actor=agent_user, muted=True)  # mute does not hide announcements
    services.update_system_settings(actor=admin_user, sla_reminders=False)
    broadcast = _send(committed_events, admin_user)
    active = {admin_user.email, agent_user.email, french.email}
    assert broadcast.recipients == 3
    assert sorted(addr for m in mail.outbox for addr in m.to) == sorted(active)  # each once
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "Unplanned outage" in by_address[agent_user.email].subject
    fr = by_address[french.email]
    assert "Panne imprévue" in fr.subject
    assert "Bonjour Hélène" in fr.body and "Facebook messages are delayed." in fr.body
    # Running the worker again sends nothing more.
    run_pending_tasks()
    assert len(mail.outbox) == 3
    assert Notification.objects.filter(kind="broadcast").count() == 3


def test_planned_outage_needs_48_hours_notice_req_doc3(committed_events, admin_user):
    now = timezone.now()
    with pytest.raises(Invalid) as refused:
        services.create_broadcast(
            actor=admin_user,
            kind="planned",
            message="Maintenance",
            starts_at=now + timedelta(hours=47),
            ends_at=now + timedelta(hours=50),
        )
    assert "48 hours" in str(refused.value)
    assert not Broadcast.objects.exists() and not Notification.objects.exists()
    ok = _send(
        committed_events,
        admin_user,
        kind="planned",
        message="Maintenance",
        starts_at=now + timedelta(hours=49),
        ends_at=now + timedelta(hours=51),
    )
    assert ok.pk and len(mail.outbox) == 1


def test_broadcast_input_is_checked_req_doc3(admin_user):
    now = timezone.now()
    for bad in (
        {"kind": "oops", "message": "x", "ends_at": now + timedelta(hours=1)},
        {"kind": "problem", "message": "  ", "ends_at": now + timedelta(hours=1)},
        {"kind": "problem", "message": "x", "ends_at": now - timedelta(hours=1)},
        {
            "kind": "problem",
            "message": "x",
            "starts_at": now + timedelta(hours=2),
            "ends_at": now + timedelta(hours=1),
        },
    ):
        with pytest.raises(Invalid):
            services.create_broadcast(actor=admin_user, **bad)


def test_only_administrators_broadcast_req_doc3(agent_user, client):
    with pytest.raises(Forbidden):
        services.create_broadcast(
            actor=agent_user, kind="problem", message="x", ends_at=timezone.now() + timedelta(hours=1)
        )
    client.force_login(agent_user)
    assert client.get(reverse("broadcasts")).status_code == 403
    response = client.post(
        reverse("broadcasts"), {"kind": "problem", "message": "x", "ends_at": "2099-01-01T10:00"}
    )
    assert response.status_code == 403
    assert not Broadcast.objects.exists()


def test_banner_shows_on_every_page_until_it_ends_req_doc3(committed_events, admin_user, agent_user, client):
    broadcast = _send(
        committed_events, admin_user, kind="problem", message="Les courriels sont en retard <b>"
    )
    client.force_login(agent_user)
    for url in (reverse("home"), reverse("trackers"), reverse("notifications")):
        page = client.get(url).content.decode()
        assert "Les courriels sont en retard &lt;b&gt;" in page, url
        assert 'role="alert"' in page
    with committed_events():
        services.end_broadcast(broadcast.pk, actor=admin_user)
    assert "Les courriels sont en retard" not in client.get(reverse("home")).content.decode()


def test_banner_gone_after_its_end_time_req_doc3(committed_events, admin_user, agent_user, client):
    broadcast = _send(committed_events, admin_user, message="Bientôt fini")
    assert list(services.active_broadcasts()) == [broadcast]
    assert list(services.active_broadcasts(broadcast.ends_at + timedelta(seconds=1))) == []
    Broadcast.objects.filter(pk=broadcast.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    client.force_login(agent_user)
    assert "Bientôt fini" not in client.get(reverse("home")).content.decode()


def test_admin_sends_and_ends_a_broadcast_on_screen_req_doc3(admin_client, admin_user, agent_user):
    page = admin_client.get(reverse("broadcasts"))
    assert page.status_code == 200
    ends = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = admin_client.post(
        reverse("broadcasts"), {"kind": "unplanned", "message": "Panne de WhatsApp", "ends_at": ends}
    )
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.recipients == 2
    soon = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    refused = admin_client.post(
        reverse("broadcasts"),
        {"kind": "planned", "message": "Maintenance", "starts_at": soon, "ends_at": soon},
    )
    assert refused.status_code == 400
    assert "48 hours" in refused.content.decode()
    ended = admin_client.post(reverse("broadcast_end", args=[broadcast.pk]))
    assert ended.status_code == 302
    broadcast.refresh_from_db()
    assert broadcast.ended_at is not None


def test_large_broadcast_is_delivered_by_background_tasks_req_doc3(committed_events, admin_user, roles):
    for n in range(60):
        factories.UserFactory(username=f"staff{n}", language="fr" if n % 2 else "en")
    with committed_events():
        broadcast = services.create_broadcast(
            actor=admin_user, kind="problem", message="Lenteurs", ends_at=timezone.now() + timedelta(hours=1)
        )
    assert broadcast.recipients == 61
    assert mail.outbox == []  # nothing sent inside the request
    run_pending_tasks()  # the delivery batches
    run_pending_tasks()  # the e-mails they queued
    assert len(mail.outbox) == 61
    assert len({m.to[0] for m in mail.outbox}) == 61
    assert sum("Problème technique" in m.subject for m in mail.outbox) == 30
