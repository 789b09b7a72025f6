"""What platforms say about messages after they arrive: edits, deletions, hidden comments, reactions, delivery
and read receipts of our replies, and replies written outside Parlons (echoes). Each change writes ticket
history and publishes its event after commit, like every other service."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import PUBLISH, WRITE, require
from parlons.core.actors import SYSTEM
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import MessageCreated, MessageDeliveryChanged, MessageUpdated
from parlons.core.events import publish
from parlons.tickets import outbound
from parlons.tickets.inbound import PlatformEvent
from parlons.tickets.models import Message, Ticket
from parlons.tickets.services._common import lock_ticket, publish_ticket_updated, record, touch, via_of
from parlons.tickets.status import INBOUND_OPENS_NEW_TICKET

# A status never moves backwards (receipts arrive out of order); "failed" only replaces queued or sent.
STATUS_RANK = {
    Message.Delivery.QUEUED: 0,
    Message.Delivery.SENT: 1,
    Message.Delivery.DELIVERED: 2,
    Message.Delivery.READ: 3,
}
KINDS = ("status", "edited", "deleted", "hidden", "unhidden", "reaction", "echo")


def _messages(event: PlatformEvent, direction: str | None = None):
    qs = Message.objects.select_related("ticket").filter(
        platform=event.channel_group.channel.platform,
        external_id__in=[e for e in event.external_ids if e],
        ticket__channel_group=event.channel_group,
    )
    return qs.filter(direction=direction) if direction else qs


def _set_status(event: PlatformEvent, actor, via: str) -> list[int]:
    status = event.status
    if status not in Message.Delivery.values:
        return []
    messages = list(_messages(event, Message.Direction.OUT))
    if event.watermark and event.contact_external_id:
        messages += list(
            Message.objects.select_related("ticket").filter(
                direction=Message.Direction.OUT,
                ticket__channel_group=event.channel_group,
                ticket__contact__identities__platform=event.channel_group.channel.platform,
                ticket__contact__identities__external_id=event.contact_external_id,
                delivery_status__in=[Message.Delivery.SENT, Message.Delivery.DELIVERED],
                created_at__lte=event.watermark,
            )
        )
    touched: list[int] = []
    seen: set[int] = set()
    at = event.at or timezone.now()
    for message in messages:
        if message.pk in seen:
            continue
        seen.add(message.pk)
        current = message.delivery_status
        if status == Message.Delivery.FAILED:
            if current not in (Message.Delivery.QUEUED, Message.Delivery.SENT):
                continue
        elif STATUS_RANK.get(status, -1) <= STATUS_RANK.get(current, 99):
            continue
        message.delivery_status = status
        message.delivery_error = event.error[:2000] if status == Message.Delivery.FAILED else ""
        message.save(update_fields=["delivery_status", "delivery_error"])
        record(
            message.ticket,
            "message.delivery_changed",
            actor=actor,
            via=via,
            at=at,
            message=message.pk,
            **{"from": current, "to": status},
        )
        publish(
            MessageDeliveryChanged(via=via_of(via), id=message.pk, status=status, ticket_id=message.ticket_id)
        )
        touched.append(message.ticket_id)
    return touched


def _change_message(event: PlatformEvent, actor, via: str) -> list[int]:
    message = _messages(event).first()
    if message is None:
        return []
    at = event.at or timezone.now()
    ticket = Ticket.objects.select_for_update(no_key=True).get(pk=message.ticket_id)
    fields: list[str] = []
    data: dict[str, Any] = {"message": message.pk}
    if event.kind == "edited":
        if event.body == message.body:
            return []
        message.metadata = {
            **message.metadata,
            "edits": [*message.metadata.get("edits", []), {"body": message.body, "at": at.isoformat()}],
        }
        message.body, message.edited_at = event.body, at
        fields = ["body", "edited_at", "metadata"]
    elif event.kind == "deleted":
        if message.deleted_at:
            return []
        message.deleted_at = at
        fields = ["deleted_at"]
    elif event.kind in ("hidden", "unhidden"):
        hidden = event.kind == "hidden"
        if bool(message.metadata.get("hidden")) == hidden:
            return []
        message.metadata = {**message.metadata, "hidden": hidden}
        fields = ["metadata"]
    elif event.kind == "reaction":
        data.update({k: str(event.data.get(k, ""))[:64] for k in ("emoji", "action", "by")})
    if fields:
        message.save(update_fields=fields)
    record(ticket, f"message.{event.kind}", actor=actor, via=via, at=at, **data)
    touch(ticket, at=timezone.now())
    publish(MessageUpdated(via=via_of(via), id=message.pk, ticket_id=ticket.pk, change=event.kind))
    publish_ticket_updated(ticket, actor=actor, via=via, changes=["messages"])
    return [ticket.pk]


def _echo(event: PlatformEvent, actor, via: str) -> list[int]:
    """A message the account sent from another tool (or the platform's own inbox): kept in the history of the
    conversation's ticket. Our own replies come back as echoes too; they are already stored."""
    if _messages(event).exists():
        return []
    ticket = (
        Ticket.objects.select_for_update(no_key=True)
        .filter(channel_group=event.channel_group, conversation_key=event.conversation_key)
        .exclude(status__in=INBOUND_OPENS_NEW_TICKET)
        .order_by("-created_at")
        .first()
    )
    if ticket is None:
        return []
    at = event.at or timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUT,
        kind=ticket.kind,
        platform=event.channel_group.channel.platform,
        body=event.body,
        external_id=event.external_id[:255],
        delivery_status=Message.Delivery.SENT,
        metadata={"echo": True, **event.data},
        created_at=at,
    )
    record(ticket, "message.echo", actor=actor, via=via, at=at, message=message.pk)
    touch(ticket, at=timezone.now())
    publish(MessageCreated(via=via_of(via), id=message.pk, ticket_id=ticket.pk))
    publish_ticket_updated(ticket, actor=actor, via=via, changes=["messages"])
    return [ticket.pk]


@atomic
def apply_platform_event(event: PlatformEvent, *, actor=SYSTEM, via: str = "ingest") -> list[int]:
    """Apply one platform event; returns the ids of the tickets it changed (none when it is about a message
    Parlons does not have, or changes nothing). Called by the ingest task (actor ``SYSTEM``)."""
    if actor is not SYSTEM:
        require(actor, WRITE)
    if event.kind == "status":
        return _set_status(event, actor, via)
    if event.kind == "echo":
        return _echo(event, actor, via)
    if event.kind in KINDS:
        return _change_message(event, actor, via)
    return []


def set_comment_hidden(message: Message | int, hidden: bool, *, actor, via: str = "web") -> Message:
    """Hide (spam, abuse: OPS-15) or unhide a public comment on the platform itself, then record it.

    Needs tickets.write and tickets.publish. The platform is called first, outside the transaction; its refusal
    is an ``Invalid`` with the platform's reason. Publishes ``message.updated`` and ``ticket.updated``."""
    require(actor, WRITE)
    require(actor, PUBLISH)
    pk = message.pk if isinstance(message, Message) else message
    message = Message.objects.select_related("ticket__channel_group__channel").filter(pk=pk).first()
    if message is None:
        raise NotFound()
    with atomic():
        lock_ticket(actor, message.ticket_id)  # visible to the actor, else NotFound
    if message.direction != Message.Direction.IN or message.kind != "comment" or not message.external_id:
        raise Invalid(_("Only a public comment from a client can be hidden."), code="not_a_comment")
    outbound.set_hidden(message, hidden)
    with atomic():
        ticket = lock_ticket(actor, message.ticket_id)
        now = timezone.now()
        message.metadata = {**message.metadata, "hidden": hidden}
        message.save(update_fields=["metadata"])
        record(
            ticket,
            "message.hidden" if hidden else "message.unhidden",
            actor=actor,
            via=via,
            at=now,
            message=message.pk,
        )
        touch(ticket, at=now)
        publish(
            MessageUpdated(
                actor_id=getattr(actor, "pk", None),
                via=via_of(via),
                id=message.pk,
                ticket_id=ticket.pk,
                change="hidden" if hidden else "unhidden",
            )
        )
        publish_ticket_updated(ticket, actor=actor, via=via, changes=["messages"])
    return message
