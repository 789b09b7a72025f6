"""Inbound messages become tickets: find or create the contact by platform identity, thread the message into
the open ticket of its conversation or open a new ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import WRITE, require
from parlons.core.actors import SYSTEM
from parlons.core.errors import Invalid
from parlons.core.events import publish
from parlons.tickets.files import IncomingFile
from parlons.tickets.models import (
    Attachment,
    ChannelGroup,
    Contact,
    ContactIdentity,
    Message,
    MessageKind,
    Ticket,
)
from parlons.tickets.services._common import publish_ticket_updated, record, touch, via_of


@dataclass
class Sender:
    """Who wrote: the platform's id for them, their handle and whatever public profile the platform gave."""

    external_id: str
    handle: str = ""
    name: str = ""
    profile: dict[str, Any] = field(default_factory=dict)
    profile_url: str = ""
    avatar_url: str = ""
    email: str = ""
    # True when ``profile`` was just fetched from the platform (its date is then kept even if nothing changed).
    profile_fetched: bool = False


@dataclass
class InboundMessage:
    """A message as every connector hands it over, whatever the platform."""

    channel_group: ChannelGroup
    sender: Sender
    body: str
    kind: str = MessageKind.MESSAGE
    external_id: str = ""
    conversation_key: str = ""
    created_at: datetime | None = None
    permalink: str = ""
    subject: str = ""
    language: str = ""
    parent_external_id: str = ""
    attachments: list[IncomingFile] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


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


# Profile fields whose change is written in the history of the ticket the message goes to (OPS-1).
NOTED_PROFILE_FIELDS = ("display_name", "handle")


def _identity_for(platform: str, sender: Sender) -> tuple[ContactIdentity, dict]:
    """The sender's identity, locked (one writer per contact at a time, so two messages arriving together
    cannot open two tickets), created with its contact if new, its public profile brought up to date. Returns
    it with the noted changes ({field: {"from", "to"}})."""
    identity = (
        ContactIdentity.objects.select_related("contact")
        .select_for_update(of=("self",))
        .filter(platform=platform, external_id=sender.external_id)
        .first()
    )
    now = timezone.now()
    if identity is None:
        contact = Contact.objects.create(name=sender.name or sender.handle, email=sender.email)
        try:
            with transaction.atomic():
                identity = ContactIdentity.objects.create(
                    contact=contact,
                    platform=platform,
                    external_id=sender.external_id,
                    handle=sender.handle,
                    display_name=sender.name[:255],
                    profile=sender.profile,
                    profile_url=sender.profile_url,
                    avatar_url=sender.avatar_url,
                    profile_fetched_at=now if sender.profile else None,
                )
        except IntegrityError:  # another writer created it at the same moment
            contact.delete()
            identity = (
                ContactIdentity.objects.select_related("contact")
                .select_for_update(of=("self",))
                .get(platform=platform, external_id=sender.external_id)
            )
        return identity, {}
    changed, noted = [], {}
    for attr, value in (
        ("handle", sender.handle),
        ("display_name", sender.name[:255]),
        ("profile_url", sender.profile_url),
        ("avatar_url", sender.avatar_url),
    ):
        before = getattr(identity, attr)
        if value and before != value:
            setattr(identity, attr, value)
            changed.append(attr)
            if attr in NOTED_PROFILE_FIELDS and before:
                noted[attr] = {"from": before, "to": value}
    if sender.profile and (sender.profile != identity.profile or sender.profile_fetched):
        identity.profile = sender.profile
        identity.profile_fetched_at = now
        changed += ["profile", "profile_fetched_at"]
    if changed:
        identity.save(update_fields=changed)
    contact = identity.contact
    # The contact's name follows the platform's while nobody chose another one.
    if "display_name" in noted and contact.name in ("", noted["display_name"]["from"]):
        contact.name = identity.display_name[:200]
        contact.save(update_fields=["name", "updated_at"])
    return identity, noted


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


def _subject_from(body: str) -> str:
    line = (body or "").strip().splitlines()[0] if (body or "").strip() else ""
    return line[:120]


@transaction.atomic
def ingest_inbound_message(item: InboundMessage, *, actor=SYSTEM, via: str = "ingest") -> IngestResult:
    """Store one inbound message from a member of the public.

    Finds or creates the contact by platform identity, threads the message into the open (or resolved, which
    reopens) ticket of the same conversation in the same channel group, or opens a new ticket. A message whose
    platform id was already stored is a duplicate: nothing changes and the existing rows are returned.
    Called by the ingest task (actor ``SYSTEM``) and by the API (an actor with ``tickets.write``).
    Publishes ``ticket.created`` or ``ticket.updated``, and ``message.created``."""
    if actor is not SYSTEM:
        require(actor, WRITE)
    group = item.channel_group
    platform = group.channel.platform
    if not item.sender.external_id:
        raise Invalid(_("The sender has no platform identifier."), code="missing_sender")
    if len(item.sender.external_id) > 255 or len(item.external_id or "") > 255:
        raise Invalid(_("A platform identifier is longer than 255 characters."), code="id_too_long")
    _fit(item)
    if item.kind not in MessageKind.values:
        raise Invalid(_("Unknown message type “%(kind)s”.") % {"kind": item.kind}, code="bad_kind")
    if item.external_id:
        existing = (
            Message.objects.select_related("ticket")
            .filter(platform=platform, external_id=item.external_id)
            .first()
        )
        if existing:
            return IngestResult(
                ticket=existing.ticket, message=existing, created_ticket=False, duplicate=True
            )
    now = timezone.now()
    at = item.created_at or now
    identity, profile_changes = _identity_for(platform, item.sender)
    contact = identity.contact
    conversation_key = item.conversation_key or f"{platform}:{item.sender.external_id}"
    ticket = (
        Ticket.objects.select_for_update(no_key=True)
        .filter(channel_group=group, conversation_key=conversation_key, contact=contact)
        .exclude(status=Ticket.Status.CLOSED)
        .order_by("-created_at")
        .first()
    )
    created = ticket is None
    if created:
        ticket = Ticket.objects.create(
            subject=(item.subject or _subject_from(item.body))[:255],
            kind=item.kind,
            language=item.language or group.language,
            contact=contact,
            channel_group=group,
            team=group.team,
            conversation_key=conversation_key,
            created_at=at,
            updated_at=now,
        )
        record(ticket, "ticket.created", actor=actor, via=via, at=at, channel_group=group.pk, kind=item.kind)
    parent = None
    if item.parent_external_id:
        parent = Message.objects.filter(platform=platform, external_id=item.parent_external_id).first()
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.IN,
        kind=item.kind,
        platform=platform,
        author_contact=contact,
        body=item.body or "",
        external_id=item.external_id,
        permalink=item.permalink,
        parent=parent,
        delivery_status=Message.Delivery.RECEIVED,
        metadata=item.metadata,
        created_at=at,
    )
    _store_attachments(message, item.attachments)
    if profile_changes:
        record(
            ticket,
            "contact.profile_changed",
            actor=actor,
            via=via,
            at=now,
            platform=platform,
            identity=identity.pk,
            changes=profile_changes,
        )
    if not created:
        changes = ["messages"]
        record(ticket, "message.received", actor=actor, via=via, at=at, message=message.pk)
        if ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.PENDING):
            record(
                ticket,
                "ticket.status_changed",
                actor=actor,
                via=via,
                at=at,
                **{"from": ticket.status, "to": "open"},
            )
            ticket.status = Ticket.Status.OPEN
            ticket.resolved_at = None
            changes.append("status")
        touch(ticket, at=now, fields=["status", "resolved_at"])
        publish_ticket_updated(ticket, actor=actor, via=via, changes=changes)
    else:
        publish(
            "ticket.created",
            actor_id=getattr(actor, "pk", None),
            via=via_of(via),
            id=ticket.pk,
            team_id=ticket.team_id,
            channel_group_id=group.pk,
        )
    publish(
        "message.created",
        actor_id=getattr(actor, "pk", None),
        via=via_of(via),
        id=message.pk,
        ticket_id=ticket.pk,
    )
    return IngestResult(ticket=ticket, message=message, created_ticket=created)
