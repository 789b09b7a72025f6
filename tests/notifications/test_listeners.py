"""Domain events become notifications: assignment, client replies, @mentions in notes (OPS-13)."""

import pytest
from django.core import mail

from parlons.core.worker import run_pending_tasks
from parlons.notifications import services
from parlons.notifications.listeners import mentioned_usernames
from parlons.notifications.models import Notification
from parlons.notifications.services import delivery
from parlons.tickets import services as tickets
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_push(monkeypatch):
    monkeypatch.setattr(delivery, "push", lambda n: None)


def test_assignment_notifies_the_assignee_req_ops13(committed_events, lead_user, agent_user, ticket):
    with committed_events():
        tickets.assign_ticket(ticket, agent_user, actor=lead_user)
    n = Notification.objects.get(recipient=agent_user)
    assert n.kind == "ticket.assigned" and n.ticket_id == ticket.pk and n.actor_id == lead_user.pk
    assert n.context["automatic"] is False
    assert not Notification.objects.filter(recipient=lead_user).exists()


def test_taking_a_ticket_yourself_does_not_notify_req_ops13(committed_events, agent_user, ticket):
    with committed_events():
        tickets.assign_ticket(ticket, agent_user, actor=agent_user)
    assert not Notification.objects.exists()


def test_other_changes_do_not_notify(committed_events, lead_user, agent_user, ticket):
    with committed_events():
        tickets.assign_ticket(ticket, agent_user, actor=lead_user)
        tickets.change_priority(ticket, "high", actor=lead_user)
    assert Notification.objects.count() == 1


def test_client_reply_on_my_ticket_notifies_me_req_ops13(
    committed_events, lead_user, agent_user, channel_group
):
    with committed_events():
        first = factories.ingest(channel_group, sender="c-9", conversation="conv-9")
    with committed_events():
        tickets.assign_ticket(first.ticket, agent_user, actor=lead_user)
    with committed_events():
        again = factories.ingest(
            channel_group, sender="c-9", conversation="conv-9", body="Toujours rien reçu"
        )
    assert again.ticket.pk == first.ticket.pk
    replied = Notification.objects.get(recipient=agent_user, kind="ticket.replied")
    assert replied.context["excerpt"] == "Toujours rien reçu"
    # An agent's own reply (outgoing) does not notify.
    with committed_events():
        tickets.add_note(first.ticket, "ok", actor=agent_user)
    assert Notification.objects.filter(kind="ticket.replied").count() == 1


def test_unassigned_ticket_reply_notifies_nobody(committed_events, channel_group, agent_user):
    with committed_events():
        factories.ingest(channel_group)
    assert not Notification.objects.exists()


def test_mentions_are_parsed():
    assert mentioned_usernames("Salut @agent2 et @Agent2, voir a@b.ca et @lead.") == ["agent2", "lead"]
    assert mentioned_usernames("no mention here") == []


def test_mention_in_note_notifies_the_mentioned_req_ops13(
    committed_events, agent_user, other_agent, reader_user, no_role_user, ticket
):
    with committed_events():
        tickets.add_note(
            ticket, "@AGENT2 pouvez-vous regarder? cc @reader @nobody @agent @ghost", actor=agent_user
        )
    mentioned = set(
        Notification.objects.filter(kind="note.mention").values_list("recipient__username", flat=True)
    )
    # The author is not notified; a user without read access is not told about a ticket they cannot see.
    assert mentioned == {"agent2", "reader"}
    n = Notification.objects.get(recipient=other_agent)
    assert n.actor_id == agent_user.pk and n.ticket_id == ticket.pk
    assert "pouvez-vous regarder" in n.context["excerpt"]
    run_pending_tasks()
    assert any("Gabriel Agent mentioned you in a note" in m.subject for m in mail.outbox)


def test_bot_handoff_notifies_the_team_and_respects_admin_setting_req_ops7(
    committed_events, admin_user, agent_user, other_agent, ticket
):
    from parlons.core.events import DomainEvent, dispatch
    from tests.factories import TeamFactory

    team = TeamFactory(name="Passeports")
    agent_user.teams.add(team)
    other_agent.teams.add(team)
    type(ticket).objects.filter(pk=ticket.pk).update(team=team)
    event = DomainEvent(
        "handoff.created", via="handoff", data={"id": 0, "ticket_id": ticket.pk, "intent": "x"}
    )
    with committed_events():
        dispatch(event)
    run_pending_tasks()
    got = set(Notification.objects.filter(kind="handoff.triaged").values_list("recipient_id", flat=True))
    assert got == {agent_user.pk, other_agent.pk}
    assert len(mail.outbox) == 2 and "chatbot handed over ticket" in mail.outbox[0].subject
    services.update_system_settings(actor=admin_user, bot_triaged=False)
    mail.outbox.clear()
    with committed_events():
        dispatch(event)
    run_pending_tasks()
    assert Notification.objects.filter(kind="handoff.triaged").count() == 4
    assert mail.outbox == []
    # Not even waiting for a digest: the administrators turned these e-mails off.
    newest = Notification.objects.filter(kind="handoff.triaged").order_by("-id")[:2]
    assert {n.email_state for n in newest} == {Notification.Email.NONE}
