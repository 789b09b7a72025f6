"""notify(): one row per reachable recipient, delivered after commit per preferences (OPS-7, OPS-13)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from parlons.core.errors import Forbidden, Invalid
from parlons.core.worker import run_pending_tasks
from parlons.notifications import services
from parlons.notifications.models import Notification
from parlons.notifications.services import delivery
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _push_spy(monkeypatch):
    """Record desktop pushes (the websocket path has its own test)."""
    pushed = []
    monkeypatch.setattr(delivery, "push", lambda n: pushed.append((n.recipient_id, n.kind)))
    return pushed


def _notify(committed_events, users, kind="ticket.assigned", **kwargs):
    with committed_events():
        count = services.notify(users, kind, **kwargs)
    run_pending_tasks()
    return count


def test_notify_emails_and_pushes_by_default_req_ops13(committed_events, agent_user, ticket, _push_spy):
    count = _notify(committed_events, [agent_user], ticket=ticket)
    assert count == 1
    n = Notification.objects.get(recipient=agent_user)
    assert n.kind == "ticket.assigned" and n.ticket_id == ticket.pk and n.context["ticket_id"] == ticket.pk
    assert _push_spy == [(agent_user.pk, "ticket.assigned")]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [agent_user.email]
    assert f"Ticket #{ticket.pk} was assigned to you" in message.subject
    assert f"/tickets/{ticket.pk}/" in message.body
    html = message.alternatives[0][0]
    assert f"/tickets/{ticket.pk}/" in html and "<html" in html


def test_french_user_gets_french_email_req_ops7(committed_events, ticket, roles):
    french = factories.UserFactory(username="francine", first_name="Francine", language="fr", roles=["agent"])
    _notify(committed_events, [french], ticket=ticket)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert f"Le billet nº {ticket.pk} vous a été assigné" in message.subject.replace("\u00a0", " ")
    assert "Bonjour Francine" in message.body
    assert "Ouvrir dans Parlons" in message.body
    assert "assigned to you" not in message.body


def test_inactive_locked_and_bot_users_are_skipped_req_ops13(committed_events, agent_user, roles):
    inactive = factories.UserFactory(username="gone", is_active=False)
    locked = factories.UserFactory(username="locked", locked_at=timezone.now())
    bot = factories.UserFactory(username="bot", is_bot=True)
    count = _notify(committed_events, [agent_user, inactive, locked, bot, agent_user.pk], kind="reminder.due")
    assert count == 1
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [agent_user.pk]
    assert [m.to for m in mail.outbox] == [[agent_user.email]]


def test_unknown_kind_is_refused(agent_user):
    with pytest.raises(Invalid):
        services.notify([agent_user], "nonsense")


def test_rolled_back_notification_is_not_delivered_req_ops13(agent_user, _push_spy):
    """Rows live in the caller's transaction: without a commit nothing is pushed or sent."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        services.notify([agent_user], "reminder.due")
    assert len(callbacks) == 1
    assert _push_spy == [] and mail.outbox == []


def test_preferences_choose_channels_req_ops13(committed_events, agent_user, _push_spy):
    services.update_preferences(
        agent_user, actor=agent_user, channels={"reminder.due": {"email": False, "desktop": True}}
    )
    _notify(committed_events, [agent_user], kind="reminder.due")
    assert _push_spy == [(agent_user.pk, "reminder.due")]
    assert mail.outbox == []
    services.update_preferences(
        agent_user, actor=agent_user, channels={"reminder.due": {"email": True, "desktop": False}}
    )
    _notify(committed_events, [agent_user], kind="reminder.due")
    assert len(_push_spy) == 1
    assert len(mail.outbox) == 1


def test_mute_silences_desktop_and_email_req_ops13(committed_events, agent_user, _push_spy):
    services.update_preferences(agent_user, actor=agent_user, muted=True)
    _notify(committed_events, [agent_user], kind="note.mention")
    assert _push_spy == [] and mail.outbox == []
    # Still listed in the in-page list.
    assert Notification.objects.filter(recipient=agent_user, kind="note.mention").exists()
    assert Notification.objects.get(recipient=agent_user).email_state == Notification.Email.NONE


def test_do_not_disturb_holds_email_until_it_ends_req_ops13(committed_events, agent_user, _push_spy):
    until = timezone.now() + timedelta(hours=1)
    services.update_preferences(agent_user, actor=agent_user, dnd_until=until)
    _notify(committed_events, [agent_user], kind="sla.warning")
    assert _push_spy == [] and mail.outbox == []
    assert Notification.objects.get(recipient=agent_user).email_state == Notification.Email.QUEUED
    # Still in DND: the digest job waits.
    with committed_events():
        assert services.run_digests(timezone.now() + timedelta(minutes=30)) == 0
    run_pending_tasks()
    assert mail.outbox == []
    with committed_events():
        assert services.run_digests(until + timedelta(minutes=1)) == 1
    run_pending_tasks()
    assert len(mail.outbox) == 1


def test_nobody_changes_someone_elses_preferences_req_ops13(agent_user, other_agent):
    with pytest.raises(Forbidden):
        services.update_preferences(agent_user, actor=other_agent, muted=True)


def test_preferences_hold_across_devices_req_ops13(agent_user):
    """Stored on the server: a fresh read (another browser) sees the same choices."""
    services.update_preferences(
        agent_user,
        actor=agent_user,
        muted=True,
        channels={"ticket.replied": {"email": True, "desktop": False}},
    )
    pref = services.preference_for(type(agent_user).objects.get(pk=agent_user.pk))
    assert pref.muted is True
    assert services.channels_for(pref, "ticket.replied") == {"email": True, "desktop": False}


def test_digest_batches_emails_req_ops13(committed_events, agent_user, ticket):
    """The first e-mail goes at once; the next 30 wait for one digest per window (no 100 mails a minute)."""
    for _ in range(31):
        _notify(
            committed_events, [agent_user], kind="ticket.replied", ticket=ticket, context={"excerpt": "Allô"}
        )
    # ticket.replied is desktop-only by default; ask for e-mails too.
    assert mail.outbox == []
    services.update_preferences(
        agent_user, actor=agent_user, channels={"ticket.replied": {"email": True, "desktop": True}}
    )
    for i in range(31):
        _notify(
            committed_events,
            [agent_user],
            kind="ticket.replied",
            ticket=ticket,
            context={"excerpt": f"n°{i}"},
        )
    assert len(mail.outbox) == 1
    queued = Notification.objects.filter(email_state=Notification.Email.QUEUED)
    assert queued.count() == 30
    now = timezone.now()
    with committed_events():
        assert services.run_digests(now + timedelta(minutes=5)) == 0  # window (15 min) not over
    with committed_events():
        assert services.run_digests(now + timedelta(minutes=16)) == 1
    run_pending_tasks()
    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    assert "30 new notifications" in digest.subject
    assert "n°1" in digest.body and "n°30" in digest.body
    assert not Notification.objects.filter(email_state=Notification.Email.QUEUED).exists()
    with committed_events():
        assert services.run_digests(now + timedelta(minutes=40)) == 0  # nothing left


def test_digest_runs_as_a_periodic_job_req_ops13(committed_events, agent_user):
    from parlons.core import scheduler

    _notify(committed_events, [agent_user], kind="reminder.due")
    _notify(committed_events, [agent_user], kind="reminder.due")
    assert len(mail.outbox) == 1
    with committed_events():
        ran = scheduler.run_due_jobs(timezone.now() + timedelta(minutes=20), only=["notifications.digest"])
    assert ran == ["notifications.digest"]
    run_pending_tasks()
    assert len(mail.outbox) == 2


def test_administrators_choose_system_emails_req_ops7(committed_events, admin_user, agent_user, ticket):
    services.update_system_settings(actor=admin_user, sla_reminders=False, bot_triaged=False)
    _notify(committed_events, [agent_user], kind="sla.breached", ticket=ticket)
    _notify(committed_events, [agent_user], kind="handoff.triaged", ticket=ticket)
    assert mail.outbox == []
    services.update_system_settings(actor=admin_user, auto_assigned=False)
    # Assigned automatically (no actor): no e-mail; assigned by a person: e-mail.
    _notify(committed_events, [agent_user], kind="ticket.assigned", ticket=ticket)
    assert mail.outbox == []
    _notify(committed_events, [agent_user], kind="ticket.assigned", ticket=ticket, actor=admin_user)
    assert len(mail.outbox) == 1


def test_only_administrators_change_system_emails_req_ops7(agent_user):
    with pytest.raises(Forbidden):
        services.update_system_settings(actor=agent_user, sla_reminders=False)


def test_render_email_in_each_language_req_ops7(agent_user):
    n = Notification.objects.create(recipient=agent_user, kind="sla.breached", context={"ticket_id": 7})
    context = {"user": agent_user, "title": "T", "body": "B", "link": "", "preferences_link": "/p"}
    subject_en, text_en, html_en = services.render_email("notifications/email/notification", context, "en")
    subject_fr, text_fr, html_fr = services.render_email("notifications/email/notification", context, "fr")
    assert subject_en == "[Parlons] T" and "\n" not in subject_en
    assert "Hello" in text_en and "Bonjour" in text_fr
    assert 'lang="fr"' in html_fr
    assert n.pk


def test_sla_email_says_when_it_is_due_in_the_recipients_language_req_ops7(committed_events, ticket, roles):
    french = factories.UserFactory(username="fr-sla", language="fr", roles=["agent"])
    _notify(
        committed_events,
        [french],
        kind="sla.warning",
        ticket=ticket,
        context={"target": "first_response", "due_at": "2026-03-02T15:00:00+00:00"},
    )
    body = mail.outbox[0].body
    assert "Première réponse attendue" in body and "2026" in body
    assert "norme de service" in mail.outbox[0].subject


def test_old_notifications_are_cleaned_up(agent_user):
    now = timezone.now()
    old_read = Notification.objects.create(recipient=agent_user, kind="reminder.due", read_at=now)
    old_unread = Notification.objects.create(recipient=agent_user, kind="reminder.due")
    fresh = Notification.objects.create(recipient=agent_user, kind="reminder.due", read_at=now)
    Notification.objects.filter(pk__in=[old_read.pk, old_unread.pk]).update(
        created_at=now - timedelta(days=100)
    )
    assert services.clean_up(now) == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_unread.pk, fresh.pk}
    assert services.clean_up(now + timedelta(days=300)) == 2
