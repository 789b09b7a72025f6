"""Ingest of inbound messages: contacts by platform identity, threading, reopening, deduplication and
attachments checked by content (OPS-1, OPS-9, OPS-19, ENV-6)."""

from __future__ import annotations

import hashlib

import pytest

from parlons.core.errors import Forbidden, Invalid
from parlons.core.events import DomainEvent
from parlons.tickets.files import IncomingFile
from parlons.tickets.models import (
    Attachment,
    Contact,
    ContactIdentity,
    Message,
    Ticket,
    TicketEvent,
)
from parlons.tickets.services import change_status, ingest_inbound_message
from tests import factories

pytestmark = pytest.mark.django_db


def history(ticket):
    return [(e.kind, e.actor_id, e.via, e.data) for e in TicketEvent.objects.filter(ticket=ticket)]


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Contact, ContactIdentity, Ticket, Message, Attachment, TicketEvent)
    }


def test_first_message_creates_contact_identity_ticket_and_message_req_ops1_ops9_ops19(
    channel_group, committed_events
):
    with committed_events() as events:
        result = factories.ingest(
            channel_group,
            sender="psid-1",
            handle="marie.t",
            name="Marie Tremblay",
            body="Bonjour\nJ'ai une question sur mon passeport.",
            external_id="m-1",
            profile={"locale": "fr_CA", "followers": 12},
            language="fr",
        )

    assert (result.created_ticket, result.duplicate) == (True, False)
    contact = Contact.objects.get()
    assert contact.name == "Marie Tremblay"
    identity = ContactIdentity.objects.get()
    assert (identity.contact, identity.platform, identity.external_id) == (contact, "api", "psid-1")
    assert (identity.handle, identity.display_name) == ("marie.t", "Marie Tremblay")
    assert identity.profile == {"locale": "fr_CA", "followers": 12}
    assert identity.profile_fetched_at is not None

    ticket = Ticket.objects.get()
    message = Message.objects.get()
    assert result.ticket == ticket and result.message == message
    assert ticket.subject == "Bonjour"
    assert (ticket.status, ticket.priority, ticket.is_spam, ticket.kind) == (
        "new",
        "normal",
        False,
        "message",
    )
    assert (ticket.language, ticket.contact, ticket.channel_group) == ("fr", contact, channel_group)
    assert (ticket.assignee, ticket.team, ticket.version) == (None, None, 1)
    assert ticket.conversation_key == "api:psid-1"
    assert ticket.created_at == message.created_at
    assert ticket.first_response_at is None

    assert (message.direction, message.platform, message.kind) == ("in", "api", "message")
    assert (message.author_contact, message.author_user) == (contact, None)
    assert message.body == "Bonjour\nJ'ai une question sur mon passeport."
    assert (message.external_id, message.delivery_status) == ("m-1", "received")

    assert history(ticket) == [
        ("ticket.created", None, "ingest", {"channel_group": channel_group.pk, "kind": "message"})
    ]
    assert events == [
        DomainEvent(
            "ticket.created",
            actor_id=None,
            via="ingest",
            data={"id": ticket.pk, "team_id": None, "channel_group_id": channel_group.pk},
        ),
        DomainEvent(
            "message.created", actor_id=None, via="ingest", data={"id": message.pk, "ticket_id": ticket.pk}
        ),
    ]


def test_new_ticket_takes_team_and_language_of_its_channel_group_req_ops1(db):
    team = factories.TeamFactory(name="Passeports")
    group = factories.ChannelGroupFactory(team=team, language="fr")
    ticket = factories.ingest(group).ticket
    assert (ticket.team, ticket.language) == (team, "fr")


def test_second_message_of_a_conversation_threads_into_the_same_ticket_req_ops1_ops19(
    channel_group, committed_events
):
    first = factories.ingest(channel_group, sender="psid-1", external_id="m-1")
    with committed_events() as events:
        second = factories.ingest(channel_group, sender="psid-1", external_id="m-2", body="Merci!")

    assert (second.created_ticket, second.duplicate) == (False, False)
    assert second.ticket.pk == first.ticket.pk
    assert Ticket.objects.count() == 1
    assert list(first.ticket.messages.values_list("external_id", flat=True)) == ["m-1", "m-2"]
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.version) == ("new", 2)
    assert history(ticket) == [
        ("ticket.created", None, "ingest", {"channel_group": channel_group.pk, "kind": "message"}),
        ("message.received", None, "ingest", {"message": second.message.pk}),
    ]
    assert events == [
        DomainEvent(
            "ticket.updated",
            actor_id=None,
            via="ingest",
            data={
                "id": ticket.pk,
                "version": 2,
                "changes": ["messages"],
                "assignee_id": None,
                "team_id": None,
            },
        ),
        DomainEvent(
            "message.created",
            actor_id=None,
            via="ingest",
            data={"id": second.message.pk, "ticket_id": ticket.pk},
        ),
    ]


def test_other_senders_and_other_conversations_get_their_own_tickets_req_ops1(channel_group):
    a = factories.ingest(channel_group, sender="psid-1")
    b = factories.ingest(channel_group, sender="psid-2")
    post_1 = factories.ingest(channel_group, sender="psid-1", conversation="post-1:psid-1")
    post_2 = factories.ingest(channel_group, sender="psid-1", conversation="post-2:psid-1")
    again = factories.ingest(channel_group, sender="psid-1", conversation="post-1:psid-1")
    assert len({a.ticket.pk, b.ticket.pk, post_1.ticket.pk, post_2.ticket.pk}) == 4
    assert again.ticket.pk == post_1.ticket.pk
    # psid-1 is one contact with one identity, whatever the conversation
    assert ContactIdentity.objects.count() == 2
    assert Contact.objects.count() == 2


@pytest.mark.parametrize("status", ["resolved", "pending"])
def test_a_message_on_a_resolved_or_pending_ticket_reopens_it_req_ops1_ops19(
    channel_group, lead_user, status
):
    ticket = factories.ingest(channel_group, sender="psid-1").ticket
    change_status(ticket, status, actor=lead_user)
    result = factories.ingest(channel_group, sender="psid-1", body="Toujours pas de nouvelles")

    assert result.ticket.pk == ticket.pk and not result.created_ticket
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == ("open", None)
    assert [k for k, *_ in history(ticket)] == [
        "ticket.created",
        "ticket.status_changed",
        "message.received",
        "ticket.status_changed",
    ]
    assert history(ticket)[-1] == ("ticket.status_changed", None, "ingest", {"from": status, "to": "open"})


def test_a_message_after_the_ticket_was_closed_opens_a_new_ticket_req_ops1(channel_group, lead_user):
    old = factories.ingest(channel_group, sender="psid-1").ticket
    change_status(old, "closed", actor=lead_user)
    result = factories.ingest(channel_group, sender="psid-1", body="Nouvelle question")

    assert result.created_ticket is True
    assert result.ticket.pk != old.pk
    assert result.ticket.contact_id == old.contact_id
    assert result.ticket.status == "new"
    old.refresh_from_db()
    assert old.status == "closed"
    assert old.messages.count() == 1


def test_the_same_platform_message_twice_is_stored_once_req_ops9(channel_group, committed_events):
    first = factories.ingest(channel_group, sender="psid-1", external_id="m-1")
    before = row_counts()
    with committed_events() as events:
        again = factories.ingest(channel_group, sender="psid-1", external_id="m-1", body="(redelivered)")

    assert (again.duplicate, again.created_ticket) == (True, False)
    assert (again.ticket.pk, again.message.pk) == (first.ticket.pk, first.message.pk)
    assert row_counts() == before
    assert Message.objects.get().body == first.message.body
    assert events == []


def test_a_returning_sender_updates_the_public_profile_of_the_identity_req_ops1(channel_group):
    factories.ingest(channel_group, sender="psid-1", handle="marie.t", name="Marie T.", profile={"a": 1})
    first_fetch = ContactIdentity.objects.get().profile_fetched_at
    factories.ingest(
        channel_group,
        sender="psid-1",
        handle="marie.tremblay",
        name="Marie Tremblay",
        profile={"a": 2, "b": "é"},
    )
    identity = ContactIdentity.objects.get()
    assert (identity.handle, identity.display_name) == ("marie.tremblay", "Marie Tremblay")
    assert identity.profile == {"a": 2, "b": "é"}
    assert identity.profile_fetched_at >= first_fetch

    # A delivery without profile fields keeps what was known.
    factories.ingest(channel_group, sender="psid-1", handle="", name="", profile={})
    identity.refresh_from_db()
    assert (identity.handle, identity.display_name, identity.profile) == (
        "marie.tremblay",
        "Marie Tremblay",
        {"a": 2, "b": "é"},
    )
    assert Contact.objects.count() == 1


def test_a_reply_from_the_client_is_threaded_under_its_parent_message_req_ops1(channel_group):
    first = factories.ingest(channel_group, sender="psid-1", external_id="c-1")
    child = factories.ingest(channel_group, sender="psid-1", external_id="c-2", parent_external_id="c-1")
    assert child.message.parent == first.message


def test_attachment_is_typed_by_its_content_not_its_name_req_env6(channel_group):
    result = factories.ingest(
        channel_group,
        attachments=[
            IncomingFile("scan.jpg", factories.PDF_BYTES),
            IncomingFile("photo.gif", factories.JPEG_BYTES),
            IncomingFile("anim", factories.GIF_BYTES),
        ],
    )
    stored = list(result.message.attachments.order_by("id"))
    assert [(a.filename, a.content_type) for a in stored] == [
        ("scan.pdf", "application/pdf"),
        ("photo.jpg", "image/jpeg"),
        ("anim.gif", "image/gif"),
    ]
    pdf = stored[0]
    assert pdf.size == len(factories.PDF_BYTES)
    assert pdf.sha256 == hashlib.sha256(factories.PDF_BYTES).hexdigest()
    with pdf.file.open("rb") as fh:
        assert fh.read() == factories.PDF_BYTES


def test_a_text_file_named_jpg_is_refused_and_nothing_is_stored_req_env6(channel_group, committed_events):
    with committed_events() as events, pytest.raises(Invalid) as exc:
        factories.ingest(
            channel_group, attachments=[IncomingFile("photo.jpg", b"just some text, not an image")]
        )
    assert exc.value.code == "file_type_refused"
    assert "photo.jpg" in str(exc.value.message)
    assert row_counts() == {
        "Contact": 0,
        "ContactIdentity": 0,
        "Ticket": 0,
        "Message": 0,
        "Attachment": 0,
        "TicketEvent": 0,
    }
    assert events == []


def test_a_file_over_the_size_limit_is_refused_req_env6(channel_group, settings):
    settings.PARLONS_MAX_ATTACHMENT_BYTES = 16
    with pytest.raises(Invalid) as exc:
        factories.ingest(channel_group, attachments=[IncomingFile("big.pdf", factories.PDF_BYTES)])
    assert exc.value.code == "file_too_large"
    assert Ticket.objects.count() == 0


def test_ingest_refuses_a_sender_without_id_and_an_unknown_kind(channel_group):
    with pytest.raises(Invalid) as exc:
        factories.ingest(channel_group, sender="")
    assert exc.value.code == "missing_sender"
    with pytest.raises(Invalid) as exc:
        factories.ingest(channel_group, kind="carrier-pigeon")
    assert exc.value.code == "bad_kind"
    assert row_counts()["Ticket"] == 0


def test_a_user_ingesting_needs_write_and_is_recorded_as_the_actor_req_adm4(
    channel_group, reader_user, agent_user
):
    with pytest.raises(Forbidden):
        ingest_inbound_message(factories.inbound(channel_group), actor=reader_user, via="api")
    assert Ticket.objects.count() == 0

    result = ingest_inbound_message(factories.inbound(channel_group), actor=agent_user, via="api")
    assert history(result.ticket) == [
        ("ticket.created", agent_user.pk, "api", {"channel_group": channel_group.pk, "kind": "message"})
    ]
