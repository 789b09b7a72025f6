"""Inbound messages become tickets: find or create the contact by platform identity, thread the message into
the open ticket of its conversation or open a new ticket.

A batch is planned first (``ingest_plan.plan_batch``: what each message becomes, in memory), then written here,
one statement per table for the whole batch, then announced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import WRITE, require
from parlons.core.actors import SYSTEM
from parlons.core.db import atomic
from parlons.core.errors import Invalid
from parlons.core.event_types import MessageCreated, TicketCreated
from parlons.core.events import publish
from parlons.tickets.files import IncomingFile
from parlons.tickets.inbound import InboundMessage, Sender
from parlons.tickets.models import Attachment, ContactIdentity, Message, MessageKind, Ticket, TicketEvent
from parlons.tickets.services._common import history_row, publish_ticket_updated, via_of
from parlons.tickets.services.ingest_plan import IngestPlan, Touched, plan_batch

__all__ = [
    "InboundMessage",  # kept here for callers of the module (the type lives in ``parlons.tickets.inbound``)
    "IngestResult",
    "Sender",
    "check_inbound",
    "ingest_inbound_message",
    "ingest_inbound_messages",
]


@dataclass
class IngestResult:
    ticket: Ticket
    message: Message
    created_ticket: bool
    duplicate: bool = False


def _fit(item: InboundMessage) -> None:
    """Shorten free-text fields to their columns: a long display name must not make a delivery fail."""
    s = item.sender
    s.name, s.handle, s.email = s.name[:200], s.handle[:255], s.email[:254]
    s.profile_url = s.profile_url if len(s.profile_url) <= 500 else ""
    s.avatar_url = s.avatar_url if len(s.avatar_url) <= 1000 else ""
    item.conversation_key = item.conversation_key[:255]
    item.subject = item.subject[:255]
    item.permalink = item.permalink if len(item.permalink) <= 1000 else ""


def check_inbound(item: InboundMessage) -> None:
    """Refuse an item that cannot be stored (``Invalid``) and shorten its free-text fields to their columns. Done
    for every item before anything is written, so that a batch's bad item fails alone."""
    if not item.sender.external_id:
        raise Invalid(_("The sender has no platform identifier."), code="missing_sender")
    if len(item.sender.external_id) > 255 or len(item.external_id or "") > 255:
        raise Invalid(_("A platform identifier is longer than 255 characters."), code="id_too_long")
    _fit(item)
    if item.kind not in MessageKind.values:
        raise Invalid(_("Unknown message type “%(kind)s”.") % {"kind": item.kind}, code="bad_kind")
    for incoming in item.attachments:
        incoming.checked()


def _store_attachments(message: Message, files: list[IncomingFile]) -> list[Attachment]:
    stored = []
    for incoming in files:
        name, content_type, digest = incoming.checked()
        attachment = Attachment(
            message=message, filename=name, content_type=content_type, size=len(incoming.data)
        )
        attachment.sha256 = digest
        attachment.file.save(name, ContentFile(incoming.data), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def ingest_inbound_message(item: InboundMessage, *, actor=SYSTEM, via: str = "ingest") -> IngestResult:
    """Store one inbound message from a member of the public (``ingest_inbound_messages`` with one item).
    Called by the API (an actor with ``tickets.write``) and the integrations."""
    return ingest_inbound_messages([item], actor=actor, via=via)[0]


@atomic
def ingest_inbound_messages(
    items: list[InboundMessage], *, actor=SYSTEM, via: str = "ingest"
) -> list[IngestResult]:
    """Store inbound messages from members of the public, in order, as if one after the other: all or nothing.

    Each finds or creates its contact by platform identity and threads into the ticket of the same conversation
    in the same channel group (a pending or resolved one reopens, a closed one never does: ``status.transition``)
    or opens a new ticket. A message whose platform id was already stored (before, or earlier in ``items``) is a
    duplicate: nothing changes and the existing rows are returned. The batch is planned in memory
    (``ingest_plan.plan_batch``), then written: a few statements whatever its size (duplicates, identities,
    tickets, messages, history: one each) instead of several per message, which was the worker's cost per
    message (issue 5). Raises ``Invalid`` for the first item that cannot be stored (``check_inbound``).
    Publishes, per message, ``ticket.created`` or ``ticket.updated``, then ``message.created``."""
    if actor is not SYSTEM:
        require(actor, WRITE)
    for item in items:
        check_inbound(item)
    now = timezone.now()
    plan = plan_batch(items, now)
    _save_identities(plan.changed_identities.values())
    Ticket.objects.bulk_create(plan.new_tickets)
    _save_messages(plan)
    _save_history(plan, actor=actor, via=via)
    _save_touched(plan.touched.values(), now)
    return _announce(plan, actor=actor, via=via)


def _save_identities(changed: Iterable[tuple[ContactIdentity, set[str]]]) -> None:
    """The known senders' profiles brought up to date (``contact.name``: their contact's name)."""
    for identity, fields in changed:
        own = sorted(f for f in fields if f != "contact.name")
        if own:
            identity.save(update_fields=own)
        if "contact.name" in fields:
            identity.contact.save(update_fields=["name", "updated_at"])


def _save_messages(plan: IngestPlan) -> None:
    """The messages in one statement, then the parents stored in the same batch (their ids known only now),
    then the attachments."""
    messages = plan.messages
    Message.objects.bulk_create(list(messages.values()))
    if plan.parent_in_batch:
        for i, parent in plan.parent_in_batch.items():
            messages[i].parent_id = messages[parent].pk
        Message.objects.bulk_update([messages[i] for i in plan.parent_in_batch], ["parent"])
    for i, message in messages.items():
        _store_attachments(message, plan.items[i].attachments)


def _save_history(plan: IngestPlan, *, actor, via: str) -> None:
    TicketEvent.objects.bulk_create(
        [
            history_row(
                row.ticket,
                row.kind,
                actor=actor,
                via=via,
                at=row.at,
                **(
                    row.data
                    if row.message is None
                    else {**row.data, "message": plan.messages[row.message].pk}
                ),
            )
            for row in plan.history
        ]
    )


def _save_touched(touched: Iterable[Touched], now) -> None:
    """Save the tickets stored before the batch that it threaded messages into: one UPDATE per (messages added,
    status change), usually one or two for a whole batch (``bulk_update``'s CASE per row cost more to build than
    the rest)."""
    groups: dict[tuple[int, tuple], list[int]] = {}
    for entry in touched:
        key = (entry.ticket.version - entry.stored_version, tuple(sorted(entry.status.items())))
        groups.setdefault(key, []).append(entry.ticket.pk)
    for (added, status), ids in groups.items():
        Ticket.objects.filter(pk__in=sorted(ids)).update(
            updated_at=now, version=F("version") + added, **dict(status)
        )


def _announce(plan: IngestPlan, *, actor, via: str) -> list[IngestResult]:
    """Publish each stored message's events (after commit) and return every item's result, duplicates too."""
    results: list[IngestResult | None] = [None] * len(plan.items)
    actor_id = getattr(actor, "pk", None)
    for i, outcome in plan.outcomes.items():
        ticket, message = outcome.ticket, plan.messages[i]
        if outcome.created:
            publish(
                TicketCreated(
                    actor_id=actor_id,
                    via=via_of(via),
                    id=ticket.pk,
                    team_id=ticket.team_id,
                    channel_group_id=ticket.channel_group_id,
                )
            )
        else:
            publish_ticket_updated(
                ticket, actor=actor, via=via, changes=outcome.changes, version=outcome.version
            )
        publish(MessageCreated(actor_id=actor_id, via=via_of(via), id=message.pk, ticket_id=ticket.pk))
        results[i] = IngestResult(ticket=ticket, message=message, created_ticket=outcome.created)
    for i, item in enumerate(plan.items):
        if results[i] is None:  # a duplicate
            key = (plan.platform_of[i], item.external_id)
            message = plan.stored.get(key) or plan.messages[plan.first_of[key]]
            results[i] = IngestResult(
                ticket=message.ticket, message=message, created_ticket=False, duplicate=True
            )
    return results
