"""Replies, internal notes and splitting a message out into its own ticket."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import PUBLISH, WRITE, require
from parlons.core.actors import actor_user
from parlons.core.errors import Invalid, NotFound
from parlons.core.events import publish
from parlons.tickets.files import IncomingFile
from parlons.tickets.models import Message, Note, Ticket
from parlons.tickets.services._common import lock_ticket, publish_ticket_updated, record, touch, via_of
from parlons.tickets.services.ingest import _store_attachments

MAX_BODY = 20000


def _clean_body(body: str, *, allow_empty: bool = False) -> str:
    body = (body or "").strip()
    if not body and not allow_empty:
        raise Invalid(_("The message is empty."), code="empty", details={"field": "body"})
    if len(body) > MAX_BODY:
        raise Invalid(
            _("The message is longer than %(max)s characters.") % {"max": MAX_BODY},
            code="too_long",
            details={"field": "body"},
        )
    return body


@transaction.atomic
def reply(
    ticket: Ticket | int,
    body: str,
    *,
    actor,
    via: str = "web",
    attachments: list[IncomingFile] | None = None,
    parent: Message | None = None,
    metadata: dict | None = None,
) -> Message:
    """Publish a reply to the client: stores the outgoing message, queues it for the platform
    (``OutboundMessage`` + send task) and sets the first-response time. Needs tickets.write and
    tickets.publish. Opens a new ticket's status. Publishes ``message.created`` and ``ticket.updated``."""
    require(actor, WRITE)
    ticket = lock_ticket(actor, ticket)
    require(actor, PUBLISH)
    attachments = attachments or []
    body = _clean_body(body, allow_empty=bool(attachments))
    if ticket.status == Ticket.Status.CLOSED:
        raise Invalid(
            _("This ticket is closed; open a new ticket to write to the client."), code="ticket_closed"
        )
    if ticket.is_spam:
        raise Invalid(_("This ticket is marked as spam; unmark it before replying."), code="ticket_spam")
    now = timezone.now()
    group = ticket.channel_group
    if parent is None:
        parent = ticket.messages.filter(direction=Message.Direction.IN).order_by("-created_at", "-id").first()
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUT,
        kind=ticket.kind,
        platform=group.channel.platform,
        author_user=actor_user(actor),
        body=body,
        parent=parent,
        delivery_status=Message.Delivery.QUEUED,
        created_at=now,
        metadata=metadata or {},  # how to send it, for the connector (e.g. a Messenger message tag)
    )
    _store_attachments(message, attachments)
    from parlons.connectors.services import queue_outbound

    queue_outbound(message, idempotency_key=uuid.uuid4().hex)
    fields = []
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    changes = ["messages"]
    if ticket.status == Ticket.Status.NEW:
        record(ticket, "ticket.status_changed", actor=actor, via=via, at=now, **{"from": "new", "to": "open"})
        ticket.status = Ticket.Status.OPEN
        fields.append("status")
        changes.append("status")
    record(
        ticket, "reply.sent", actor=actor, via=via, at=now, message=message.pk, attachments=len(attachments)
    )
    touch(ticket, at=now, fields=fields)
    publish(
        "message.created",
        actor_id=getattr(actor, "pk", None),
        via=via_of(via),
        id=message.pk,
        ticket_id=ticket.pk,
    )
    publish_ticket_updated(ticket, actor=actor, via=via, changes=changes)
    return message


@transaction.atomic
def add_note(ticket: Ticket | int, body: str, *, actor, via: str = "web") -> Note:
    """Add an internal note (OPS-4), never sent to the client. Needs tickets.write.
    Publishes ``note.created`` and ``ticket.updated``."""
    require(actor, WRITE)
    ticket = lock_ticket(actor, ticket)
    body = _clean_body(body)
    now = timezone.now()
    note = Note.objects.create(ticket=ticket, author=actor_user(actor), body=body, created_at=now)
    record(ticket, "note.added", actor=actor, via=via, at=now, note=note.pk)
    touch(ticket, at=now)
    publish(
        "note.created", actor_id=getattr(actor, "pk", None), via=via_of(via), id=note.pk, ticket_id=ticket.pk
    )
    publish_ticket_updated(ticket, actor=actor, via=via, changes=["notes"])
    return note


@transaction.atomic
def split_message(message_id: int, *, actor, via: str = "web") -> Ticket:
    """Move an incoming message (and the replies threaded under it) out into a new ticket (OPS-1).

    The new ticket keeps the contact, channel group, team, language, priority and tags; both tickets record
    the split in their history. Needs tickets.write. Publishes ``ticket.created`` and ``ticket.updated``."""
    require(actor, WRITE)
    message = Message.objects.select_related("ticket").filter(pk=message_id).first()
    if message is None:
        raise NotFound()
    source = lock_ticket(actor, message.ticket)
    if message.direction != Message.Direction.IN:
        raise Invalid(_("Only a message from the client can be split out."), code="split_outgoing")
    moved = [message.pk, *message.replies.values_list("pk", flat=True)]
    if not source.messages.exclude(pk__in=moved).exists():
        raise Invalid(_("Splitting this message would leave the ticket empty."), code="split_single")
    now = timezone.now()
    new = Ticket.objects.create(
        subject=(message.body.strip().splitlines() or [source.subject])[0][:120],
        status=Ticket.Status.OPEN,
        priority=source.priority,
        kind=message.kind,
        language=source.language,
        contact=message.author_contact or source.contact,
        channel_group=source.channel_group,
        team=source.team,
        assignee=source.assignee,
        conversation_key=f"split:{source.pk}:{message.pk}",
        split_from=source,
        created_at=message.created_at,
        updated_at=now,
    )
    Message.objects.filter(pk__in=moved).update(ticket=new)
    new.tags.set(source.tags.all())
    record(
        new,
        "ticket.created",
        actor=actor,
        via=via,
        at=now,
        channel_group=source.channel_group_id,
        kind=new.kind,
    )
    record(new, "ticket.split_from", actor=actor, via=via, at=now, ticket=source.pk, messages=moved)
    record(source, "ticket.split", actor=actor, via=via, at=now, ticket=new.pk, messages=moved)
    touch(source, at=now)
    publish(
        "ticket.created",
        actor_id=getattr(actor, "pk", None),
        via=via_of(via),
        id=new.pk,
        team_id=new.team_id,
        channel_group_id=new.channel_group_id,
    )
    publish_ticket_updated(source, actor=actor, via=via, changes=["messages"])
    return new
