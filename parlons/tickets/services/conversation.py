"""Replies, internal notes and splitting a message out into its own ticket."""

from __future__ import annotations

import uuid

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import PUBLISH, WRITE, require
from parlons.core.actors import actor_user
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import MessageCreated, NoteCreated, TicketCreated
from parlons.core.events import publish
from parlons.tickets import outbound
from parlons.tickets.files import IncomingFile
from parlons.tickets.models import Message, Note, Ticket
from parlons.tickets.outbound import ReplyOptions
from parlons.tickets.services._common import lock_ticket, publish_ticket_updated, record, touch, via_of
from parlons.tickets.services.ingest import _store_attachments
from parlons.tickets.services.properties import Changes, update_ticket
from parlons.tickets.status import Cause, transition

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


def _check_open(ticket: Ticket) -> None:
    if not transition(ticket, Cause.REPLY).allowed:
        raise Invalid(
            _("This ticket is closed; open a new ticket to write to the client."), code="ticket_closed"
        )
    if ticket.is_spam:
        raise Invalid(_("This ticket is marked as spam; unmark it before replying."), code="ticket_spam")


# A reply may leave the ticket waiting on the client, resolved or closed (never "new").
STATUSES_AFTER_REPLY = (
    Ticket.Status.OPEN,
    Ticket.Status.PENDING,
    Ticket.Status.RESOLVED,
    Ticket.Status.CLOSED,
)


def reply(
    ticket: Ticket | int,
    body: str,
    *,
    actor,
    via: str = "web",
    options: ReplyOptions | None = None,
    parent: Message | None = None,
) -> Message:
    """Publish a reply to the client: checks it against the platform's rules (``options``: template,
    human-agent tag, private reply, X direct message, attachments; ``parlons.tickets.outbound.check_reply``),
    stores the outgoing message, queues it for the platform (``OutboundMessage`` + send task) and sets the
    first-response time. A refused reply is an ``Invalid`` and nothing is stored or queued. Needs tickets.write
    and tickets.publish. Opens a new ticket's status, or sets ``options.status_after`` in the same transaction
    (``update_ticket``: its history row and event). Publishes ``message.created`` and ``ticket.updated``.

    The platform's rules are checked outside the transaction (a WhatsApp template is looked up on the
    platform); the ticket is then locked and checked again for what may have changed meanwhile."""
    options = options or ReplyOptions()
    require(actor, WRITE)
    with atomic():
        current = lock_ticket(actor, ticket)  # visible to the actor, else NotFound
    require(actor, PUBLISH)
    attachments = list(options.attachments)
    body = _clean_body(body, allow_empty=bool(attachments) or options.template is not None)
    _check_open(current)
    if options.status_after and options.status_after not in STATUSES_AFTER_REPLY:
        raise Invalid(
            _("Unknown status “%(value)s”.") % {"value": options.status_after},
            code="invalid_status",
            details={"field": "status_after"},
        )
    checked = outbound.check_reply(current, body, options)
    body = _clean_body(checked.body, allow_empty=bool(attachments))
    with atomic():
        ticket = lock_ticket(actor, current.pk)
        _check_open(ticket)
        message = _store_reply(
            ticket,
            body,
            checked.metadata,
            attachments,
            actor=actor,
            via=via,
            parent=parent,
            open_new=not options.status_after,
        )
        if options.status_after:
            update_ticket(ticket, Changes(status=options.status_after), actor=actor, via=via)
    return message


def _store_reply(
    ticket: Ticket,
    body: str,
    metadata: dict,
    attachments: list[IncomingFile],
    *,
    actor,
    via: str,
    parent: Message | None,
    open_new: bool,
) -> Message:
    """The outgoing message, its queue row, the first-response time and the history (call while holding the
    ticket's row lock). ``open_new``: a new ticket becomes open (unless the reply sets another status)."""
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
        metadata=metadata,  # how to send it, for the connector (e.g. a Messenger message tag)
    )
    _store_attachments(message, attachments)
    outbound.queue_message(message, idempotency_key=uuid.uuid4().hex)
    fields = []
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    changes = ["messages"]
    move = transition(ticket, Cause.REPLY, actor=actor, now=now)
    if open_new and move.changed:  # a new ticket becomes open (parlons.tickets.status)
        kind, data = move.history
        record(ticket, kind, actor=actor, via=via, at=now, **data)
        fields += move.apply(ticket)
        changes.append("status")
    record(
        ticket, "reply.sent", actor=actor, via=via, at=now, message=message.pk, attachments=len(attachments)
    )
    touch(ticket, at=now, fields=fields)
    publish(
        MessageCreated(
            actor_id=getattr(actor, "pk", None), via=via_of(via), id=message.pk, ticket_id=ticket.pk
        )
    )
    publish_ticket_updated(ticket, actor=actor, via=via, changes=changes)
    return message


@atomic
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
        NoteCreated(actor_id=getattr(actor, "pk", None), via=via_of(via), id=note.pk, ticket_id=ticket.pk)
    )
    publish_ticket_updated(ticket, actor=actor, via=via, changes=["notes"])
    return note


@atomic
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
        TicketCreated(
            actor_id=getattr(actor, "pk", None),
            via=via_of(via),
            id=new.pk,
            team_id=new.team_id,
            channel_group_id=new.channel_group_id,
        )
    )
    publish_ticket_updated(source, actor=actor, via=via, changes=["messages"])
    return new
