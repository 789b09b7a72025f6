"""Replies (queued, then delivered or failed, never lost), internal notes, and splitting a message out into a
new ticket (OPS-1, OPS-4, OPS-10, OPS-19)."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from parlons.accounts.models import Role, RoleGrant
from parlons.connectors import base as connectors_base
from parlons.connectors.models import OutboundMessage
from parlons.core.errors import Forbidden, Invalid, NotFound
from parlons.core.events import DomainEvent
from parlons.core.worker import run_pending_tasks
from parlons.tickets.files import IncomingFile
from parlons.tickets.models import Message, Note, Ticket, TicketEvent
from parlons.tickets.outbound import ReplyOptions
from parlons.tickets.services import (
    add_note,
    add_tags,
    assign_ticket,
    change_priority,
    change_status,
    mark_spam,
    reply,
    split_message,
)
from tests import factories

pytestmark = pytest.mark.django_db


def history(ticket):
    return [(e.kind, e.actor_id, e.via, e.data) for e in TicketEvent.objects.filter(ticket=ticket)]


# --- replies --------------------------------------------------------------------------------------
def test_reply_queues_the_message_and_a_send_task_req_ops4_ops19(ticket, agent_user, committed_events):
    incoming = ticket.messages.get()
    with committed_events() as events:
        message = reply(ticket, "  Bonjour Marie, votre demande est en cours.  ", actor=agent_user)

    assert (message.direction, message.kind, message.platform) == ("out", "message", "api")
    assert (message.author_user, message.author_contact) == (agent_user, None)
    assert message.body == "Bonjour Marie, votre demande est en cours."
    assert message.parent == incoming
    assert message.delivery_status == "queued"

    outbound = OutboundMessage.objects.get()
    assert (outbound.message, outbound.channel_group, outbound.state) == (
        message,
        ticket.channel_group,
        "queued",
    )
    assert (outbound.attempts, len(outbound.idempotency_key)) == (0, 32)
    task = DBTaskResult.objects.get(task_path="parlons.connectors.tasks.send_outbound_message")
    assert (task.queue_name, task.status, task.args_kwargs["args"]) == ("outbound", "READY", [outbound.pk])

    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("open", 2)
    assert ticket.first_response_at == message.created_at
    assert ticket.updated_at == message.created_at
    assert history(ticket)[1:] == [
        ("ticket.status_changed", agent_user.pk, "web", {"from": "new", "to": "open"}),
        ("reply.sent", agent_user.pk, "web", {"message": message.pk, "attachments": 0}),
    ]
    assert events == [
        DomainEvent(
            "message.created",
            actor_id=agent_user.pk,
            via="web",
            data={"id": message.pk, "ticket_id": ticket.pk},
        ),
        DomainEvent(
            "ticket.updated",
            actor_id=agent_user.pk,
            via="web",
            data={
                "id": ticket.pk,
                "version": 2,
                "changes": ["messages", "status"],
                "assignee_id": None,
                "team_id": None,
            },
        ),
    ]


def test_a_second_reply_keeps_the_first_response_time_req_ops19(ticket, agent_user):
    first = reply(ticket, "Première réponse", actor=agent_user)
    second = reply(ticket, "Deuxième réponse", actor=agent_user, via="api")
    ticket.refresh_from_db()
    assert ticket.first_response_at == first.created_at
    assert second.created_at >= first.created_at
    assert [k for k, *_ in history(ticket)] == [
        "ticket.created",
        "ticket.status_changed",
        "reply.sent",
        "reply.sent",
    ]
    assert history(ticket)[-1][2] == "api"


@pytest.mark.parametrize("platform, prefix", [("api", "api"), ("phone", "phone")])
def test_replies_on_local_channels_are_sent_by_the_worker_req_ops10(
    platform, prefix, agent_user, committed_events
):
    group = factories.ChannelGroupFactory(platform=platform)
    ticket = factories.ingest(group).ticket
    message = reply(ticket, "C'est noté.", actor=agent_user)

    with committed_events() as events:
        assert run_pending_tasks() == 1

    outbound = OutboundMessage.objects.get()
    assert (outbound.state, outbound.attempts, outbound.last_error) == ("sent", 1, "")
    assert outbound.external_id == f"{prefix}-{message.pk}"
    assert outbound.sent_at is not None
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id) == ("sent", f"{prefix}-{message.pk}")
    assert events == [
        DomainEvent(
            "message.delivery_changed",
            via="outbound",
            data={"id": message.pk, "status": "sent", "ticket_id": ticket.pk},
        )
    ]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert run_pending_tasks() == 0


def test_a_reply_on_a_platform_without_connector_fails_visibly_req_ops10(
    agent_user, monkeypatch, committed_events
):
    # Facebook has no connector yet; keep the test true once one is added.
    monkeypatch.delitem(connectors_base._registry, "facebook", raising=False)
    group = factories.ChannelGroupFactory(platform="facebook", name="IRCC Facebook")
    ticket = factories.ingest(group, sender="fb-1").ticket
    message = reply(ticket, "Merci de votre message.", actor=agent_user)

    with committed_events() as events:
        run_pending_tasks()

    outbound = OutboundMessage.objects.get()
    assert (outbound.state, outbound.error_code, outbound.attempts) == ("failed", "connector_unavailable", 1)
    assert "Facebook" in outbound.last_error
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert message.delivery_error == outbound.last_error
    assert [(e.type, e.data["status"]) for e in events] == [("message.delivery_changed", "failed")]
    # The message is still on the ticket for an agent to see and act on.
    assert ticket.messages.filter(direction="out").get() == message


def test_reply_with_an_attachment_req_env6(ticket, agent_user):
    files = [IncomingFile("formulaire.pdf", factories.PDF_BYTES)]
    message = reply(ticket, "", actor=agent_user, options=ReplyOptions(attachments=files))
    assert [(a.filename, a.content_type) for a in message.attachments.all()] == [
        ("formulaire.pdf", "application/pdf")
    ]
    assert history(ticket)[-1][3] == {"message": message.pk, "attachments": 1}


@pytest.mark.parametrize(
    "prepare, body, code",
    [
        (None, "   ", "empty"),
        (None, "x" * 20001, "too_long"),
        ("closed", "Bonjour", "ticket_closed"),
        ("spam", "Bonjour", "ticket_spam"),
    ],
)
def test_reply_refusals_write_nothing(ticket, agent_user, lead_user, prepare, body, code):
    if prepare == "closed":
        change_status(ticket, "closed", actor=lead_user)
    elif prepare == "spam":
        mark_spam(ticket, actor=lead_user)
    events_before = TicketEvent.objects.count()
    with pytest.raises(Invalid) as exc:
        reply(ticket, body, actor=agent_user)
    assert exc.value.code == code
    assert Message.objects.filter(direction="out").count() == 0
    assert OutboundMessage.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert TicketEvent.objects.count() == events_before


def test_reply_needs_publish_permission_req_adm5(ticket, reader_user):
    drafter = factories.UserFactory(username="drafter")
    role = Role.objects.create(
        slug="drafter", name_en="Drafter", name_fr="Rédacteur", permissions=["tickets.read", "tickets.write"]
    )
    RoleGrant.objects.create(role=role, user=drafter)
    with pytest.raises(Forbidden) as exc:
        reply(ticket, "Bonjour", actor=drafter)
    assert exc.value.details == {"permission": "tickets.publish"}
    with pytest.raises(Forbidden):
        reply(ticket, "Bonjour", actor=reader_user)
    assert Message.objects.filter(direction="out").count() == 0
    assert OutboundMessage.objects.count() == 0


def test_reply_to_a_missing_ticket_is_not_found(agent_user):
    with pytest.raises(NotFound):
        reply(999999, "Bonjour", actor=agent_user)


# --- notes ----------------------------------------------------------------------------------------
def test_internal_note_is_recorded_and_never_sent_req_ops4_ops19(ticket, agent_user, committed_events):
    with committed_events() as events:
        note = add_note(ticket, "Client déjà appelé le 3 mars.", actor=agent_user)

    assert (note.ticket, note.author, note.body) == (ticket, agent_user, "Client déjà appelé le 3 mars.")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version, ticket.first_response_at) == ("new", 2, None)
    assert history(ticket)[-1] == ("note.added", agent_user.pk, "web", {"note": note.pk})
    assert OutboundMessage.objects.count() == 0
    assert Message.objects.filter(direction="out").count() == 0
    assert [(e.type, e.data) for e in events] == [
        ("note.created", {"id": note.pk, "ticket_id": ticket.pk}),
        (
            "ticket.updated",
            {"id": ticket.pk, "version": 2, "changes": ["notes"], "assignee_id": None, "team_id": None},
        ),
    ]


def test_empty_note_is_refused_req_ops4(ticket, agent_user):
    with pytest.raises(Invalid) as exc:
        add_note(ticket, " \n ", actor=agent_user)
    assert exc.value.code == "empty"
    assert Note.objects.count() == 0


# --- split ----------------------------------------------------------------------------------------
@pytest.fixture
def two_questions(channel_group, agent_user, lead_user):
    """A ticket with two questions from the client, a reply to the second, a tag, a team and a priority."""
    first = factories.ingest(channel_group, sender="psid-1", body="Question sur mon passeport")
    second = factories.ingest(channel_group, sender="psid-1", body="Autre sujet : mon NAS\nDétails…")
    ticket = first.ticket
    answer = reply(ticket, "Pour le NAS, voyez Service Canada.", actor=agent_user)
    tag = factories.TagFactory(slug="nas", name_en="SIN", name_fr="NAS")
    add_tags(ticket, [tag], actor=agent_user)
    team = factories.TeamFactory(name="Services")
    assign_ticket(ticket, agent_user, team=team, actor=lead_user)
    change_priority(ticket, "high", actor=agent_user)
    return ticket, first.message, second.message, answer, tag, team


def test_split_moves_the_message_and_its_replies_into_a_new_ticket_req_ops1_ops19(
    two_questions, agent_user, committed_events
):
    source, first, second, answer, tag, team = two_questions
    with committed_events() as events:
        new = split_message(second.pk, actor=agent_user)

    assert new.pk != source.pk
    assert (new.split_from, new.status, new.priority) == (source, "open", "high")
    assert (new.contact, new.channel_group, new.team, new.assignee) == (
        source.contact,
        source.channel_group,
        team,
        agent_user,
    )
    assert new.subject == "Autre sujet : mon NAS"
    assert new.created_at == second.created_at
    assert new.conversation_key == f"split:{source.pk}:{second.pk}"
    assert list(new.tags.all()) == [tag]
    assert list(new.messages.order_by("id")) == [second, answer]
    assert list(source.messages.all()) == [first]

    moved = [second.pk, answer.pk]
    assert history(new) == [
        (
            "ticket.created",
            agent_user.pk,
            "web",
            {"channel_group": source.channel_group_id, "kind": "message"},
        ),
        ("ticket.split_from", agent_user.pk, "web", {"ticket": source.pk, "messages": moved}),
    ]
    # The source keeps its whole history and records the split.
    assert [k for k, *_ in history(source)] == [
        "ticket.created",
        "message.received",
        "ticket.status_changed",
        "reply.sent",
        "tags.added",
        "ticket.assigned",
        "ticket.team_changed",
        "ticket.priority_changed",
        "ticket.split",
    ]
    assert history(source)[-1] == (
        "ticket.split",
        agent_user.pk,
        "web",
        {"ticket": new.pk, "messages": moved},
    )
    assert [(e.type, e.data["id"]) for e in events] == [
        ("ticket.created", new.pk),
        ("ticket.updated", source.pk),
    ]


def test_split_refusals(two_questions, channel_group, agent_user):
    source, first, second, answer, tag, team = two_questions
    with pytest.raises(Invalid) as exc:
        split_message(answer.pk, actor=agent_user)
    assert exc.value.code == "split_outgoing"
    lone = factories.ingest(channel_group, sender="psid-9")
    with pytest.raises(Invalid) as exc:
        split_message(lone.message.pk, actor=agent_user)
    assert exc.value.code == "split_single"
    with pytest.raises(NotFound):
        split_message(999999, actor=agent_user)
    assert Ticket.objects.count() == 2


def test_split_never_leaves_the_source_ticket_empty_req_ops1(channel_group, agent_user):
    """Splitting the only client message of a ticket (with the reply under it) would move every message away
    and leave an empty ticket behind: refused like a single-message ticket."""
    first = factories.ingest(channel_group, sender="psid-1")
    answer = reply(first.ticket, "Bonjour!", actor=agent_user)
    assert answer.parent == first.message
    with pytest.raises(Invalid) as exc:
        split_message(first.message.pk, actor=agent_user)
    assert exc.value.code == "split_single"
    assert first.ticket.messages.count() == 2
    assert Ticket.objects.count() == 1
