"""Inbound messages become tickets: find or create the contact by platform identity, thread the message into
the open ticket of its conversation or open a new ticket."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import WRITE, require
from parlons.core.actors import SYSTEM
from parlons.core.errors import Invalid
from parlons.core.events import publish
from parlons.tickets.files import IncomingFile
from parlons.tickets.inbound import InboundMessage, Sender
from parlons.tickets.models import (
    Attachment,
    Contact,
    ContactIdentity,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
)
from parlons.tickets.services._common import history_row, publish_ticket_updated, via_of
from parlons.tickets.status import INBOUND_OPENS_NEW_TICKET, Cause, transition

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


# Profile fields whose change is written in the history of the ticket the message goes to (OPS-1).
NOTED_PROFILE_FIELDS = ("display_name", "handle")


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


def _refresh_identity(identity: ContactIdentity, sender: Sender, now) -> tuple[list[str], dict]:
    """Bring an existing identity's public profile up to date from what the platform just said (in memory).
    Returns the changed fields and the noted changes ({field: {"from", "to"}})."""
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
    contact = identity.contact
    # The contact's name follows the platform's while nobody chose another one.
    if "display_name" in noted and contact.name in ("", noted["display_name"]["from"]):
        contact.name = identity.display_name[:200]
        changed.append("contact.name")
    return changed, noted


def _by_platform(pairs) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for platform, external_id in pairs:
        out.setdefault(platform, set()).add(external_id)
    return out


def _stored_messages(pairs) -> dict[tuple[str, str], Message]:
    """The stored messages (with their tickets) of these (platform, platform id) pairs: one query per platform."""
    found: dict[tuple[str, str], Message] = {}
    for platform, ids in _by_platform(pairs).items():
        for message in Message.objects.select_related("ticket").filter(
            platform=platform, external_id__in=ids
        ):
            found[(platform, message.external_id)] = message
    return found


def _identities_for(senders: dict[tuple[str, str], Sender], now) -> tuple[dict, set]:
    """The senders' identities, locked in id order (one writer per contact at a time, so two batches cannot open
    two tickets for one person), those not known yet created with their contacts. Returns ({(platform,
    external_id): identity}, the keys created here)."""

    def locked(pairs):
        found = {}
        for platform, ids in _by_platform(pairs).items():
            for identity in (
                ContactIdentity.objects.select_related("contact")
                .select_for_update(of=("self",))
                .filter(platform=platform, external_id__in=sorted(ids))
                .order_by("pk")
            ):
                found[(identity.platform, identity.external_id)] = identity
        return found

    identities = locked(senders)
    missing = [key for key in senders if key not in identities]
    if not missing:
        return identities, set()
    contacts = Contact.objects.bulk_create(
        [Contact(name=senders[key].name or senders[key].handle, email=senders[key].email) for key in missing]
    )
    ContactIdentity.objects.bulk_create(
        [
            ContactIdentity(
                contact=contact,
                platform=platform,
                external_id=sender_id,
                handle=senders[(platform, sender_id)].handle,
                display_name=senders[(platform, sender_id)].name[:255],
                profile=senders[(platform, sender_id)].profile,
                profile_url=senders[(platform, sender_id)].profile_url,
                avatar_url=senders[(platform, sender_id)].avatar_url,
                profile_fetched_at=now if senders[(platform, sender_id)].profile else None,
            )
            for (platform, sender_id), contact in zip(missing, contacts, strict=True)
        ],
        ignore_conflicts=True,  # another writer may create one at the same moment: theirs is kept
    )
    created = locked(missing)
    ours = dict(zip(missing, contacts, strict=True))
    orphans = [ours[key].pk for key, identity in created.items() if identity.contact_id != ours[key].pk]
    if orphans:
        Contact.objects.filter(pk__in=orphans).delete()
    identities.update(created)
    return identities, {key for key, identity in created.items() if identity.contact_id == ours[key].pk}


def _open_tickets(keys: set[tuple[int, str, int]]) -> dict[tuple[int, str, int], Ticket]:
    """The newest ticket of each (channel group, conversation, contact) that an inbound message threads into
    (not closed: ``status.INBOUND_OPENS_NEW_TICKET``), locked in id order."""
    if not keys:
        return {}
    groups, conversations, contacts = (sorted({key[i] for key in keys}) for i in range(3))
    found: dict[tuple[int, str, int], Ticket] = {}
    for ticket in (
        Ticket.objects.select_for_update(no_key=True)
        .filter(channel_group_id__in=groups, conversation_key__in=conversations, contact_id__in=contacts)
        .exclude(status__in=INBOUND_OPENS_NEW_TICKET)
        .order_by("pk")
    ):
        key = (ticket.channel_group_id, ticket.conversation_key, ticket.contact_id)
        best = found.get(key)
        if key in keys and (best is None or (ticket.created_at, ticket.pk) > (best.created_at, best.pk)):
            found[key] = ticket
    return found


def _save_touched(touched, now) -> None:
    """Save the tickets a batch threaded messages into (``[ticket, version stored, status columns changed]``;
    held under lock, so the version in memory is the stored one plus the messages): one UPDATE per (messages
    added, status change), usually one or two for a whole batch (``bulk_update``'s CASE per row cost more to
    build than the rest)."""
    from django.db.models import F

    groups: dict[tuple[int, tuple], list[int]] = {}
    for ticket, stored_version, status in touched:
        groups.setdefault((ticket.version - stored_version, tuple(sorted(status.items()))), []).append(
            ticket.pk
        )
    for (added, status), ids in groups.items():
        Ticket.objects.filter(pk__in=sorted(ids)).update(
            updated_at=now, version=F("version") + added, **dict(status)
        )


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


def ingest_inbound_message(item: InboundMessage, *, actor=SYSTEM, via: str = "ingest") -> IngestResult:
    """Store one inbound message from a member of the public (``ingest_inbound_messages`` with one item).
    Called by the API (an actor with ``tickets.write``) and the integrations."""
    return ingest_inbound_messages([item], actor=actor, via=via)[0]


@transaction.atomic
def ingest_inbound_messages(
    items: list[InboundMessage], *, actor=SYSTEM, via: str = "ingest"
) -> list[IngestResult]:
    """Store inbound messages from members of the public, in order, as if one after the other: all or nothing.

    Each finds or creates its contact by platform identity and threads into the open (or resolved, which
    reopens) ticket of the same conversation in the same channel group, or opens a new ticket. A message whose
    platform id was already stored (before, or earlier in ``items``) is a duplicate: nothing changes and the
    existing rows are returned. A batch costs a few statements whatever its size (duplicates, identities,
    tickets, messages, history: one each) instead of several per message, which was the worker's cost per
    message (issue 5). Raises ``Invalid`` for the first item that cannot be stored (``check_inbound``).
    Publishes, per message, ``ticket.created`` or ``ticket.updated``, then ``message.created``."""
    if actor is not SYSTEM:
        require(actor, WRITE)
    for item in items:
        check_inbound(item)
    now = timezone.now()
    platform_of = [item.channel_group.channel.platform for item in items]

    # Duplicates: stored before, or earlier in this batch.
    stored = _stored_messages(
        (platform, item.external_id)
        for platform, item in zip(platform_of, items, strict=True)
        if item.external_id
    )
    first_of: dict[tuple[str, str], int] = {}
    fresh: list[int] = []
    for i, item in enumerate(items):
        key = (platform_of[i], item.external_id)
        if item.external_id and (key in stored or key in first_of):
            continue
        if item.external_id:
            first_of[key] = i
        fresh.append(i)

    senders: dict[tuple[str, str], Sender] = {}  # a new identity is created from its first message's sender
    for i in fresh:
        senders.setdefault((platform_of[i], items[i].sender.external_id), items[i].sender)
    identities, new_identities = _identities_for(senders, now)

    def conversation(i: int) -> tuple[int, str, int]:
        item = items[i]
        contact_id = identities[(platform_of[i], item.sender.external_id)].contact_id
        key = item.conversation_key or f"{platform_of[i]}:{item.sender.external_id}"
        return (item.channel_group.pk, key, contact_id)

    tickets = _open_tickets({conversation(i) for i in fresh})
    parents = {
        key: message.pk
        for key, message in _stored_messages(
            (platform_of[i], items[i].parent_external_id) for i in fresh if items[i].parent_external_id
        ).items()
    }

    # Every change in memory, in order, as one message after the other would make them.
    new_tickets: list[Ticket] = []
    touched: dict[int, list] = {}  # ticket id -> [ticket, version stored, status columns changed]
    messages: dict[int, Message] = {}
    parent_in_batch: dict[int, int] = {}  # message index -> index of its parent, stored in this batch
    history: list[tuple] = []  # (ticket, kind, at, data, message index whose id goes in data["message"])
    changed_identities: dict[int, tuple[ContactIdentity, set[str]]] = {}
    # message index -> (its ticket, created, (changes, version) of the ticket.updated it makes)
    outcomes: dict[int, tuple[Ticket, bool, tuple[list[str], int] | None]] = {}
    for i in fresh:
        item, platform = items[i], platform_of[i]
        group = item.channel_group
        at = item.created_at or now
        sender_key = (platform, item.sender.external_id)
        identity = identities[sender_key]
        profile_changes = {}
        if sender_key in new_identities:  # just created from this very sender: nothing to bring up to date
            new_identities.discard(sender_key)
        else:
            changed, profile_changes = _refresh_identity(identity, item.sender, now)
            if changed:
                changed_identities.setdefault(identity.pk, (identity, set()))[1].update(changed)
        contact = identity.contact
        key = conversation(i)
        ticket = tickets.get(key)
        created = ticket is None
        if created:
            ticket = Ticket(
                subject=(item.subject or _subject_from(item.body))[:255],
                kind=item.kind,
                language=item.language or group.language,
                contact=contact,
                channel_group=group,
                team=group.team,
                conversation_key=key[1],
                created_at=at,
                updated_at=now,
            )
            tickets[key] = ticket
            new_tickets.append(ticket)
            history.append(
                (ticket, "ticket.created", at, {"channel_group": group.pk, "kind": item.kind}, None)
            )
        messages[i] = Message(
            ticket=ticket,
            direction=Message.Direction.IN,
            kind=item.kind,
            platform=platform,
            author_contact=contact,
            body=item.body or "",
            external_id=item.external_id,
            permalink=item.permalink,
            parent_id=parents.get((platform, item.parent_external_id)),
            delivery_status=Message.Delivery.RECEIVED,
            metadata=item.metadata,
            created_at=at,
        )
        in_batch = first_of.get((platform, item.parent_external_id)) if item.parent_external_id else None
        if messages[i].parent_id is None and in_batch is not None and in_batch in messages:
            parent_in_batch[i] = in_batch
        if profile_changes:
            history.append(
                (
                    ticket,
                    "contact.profile_changed",
                    now,
                    {"platform": platform, "identity": identity.pk, "changes": profile_changes},
                    None,
                )
            )
        changes = None
        if not created:
            changes = ["messages"]
            # A ticket stored before this batch: its version as stored, and whether the batch reopened it.
            saved = touched.setdefault(ticket.pk, [ticket, ticket.version, {}]) if ticket.pk else None
            history.append((ticket, "message.received", at, {}, i))
            move = transition(ticket, Cause.INBOUND, now=now)
            if move.changed:
                kind, data = move.history
                history.append((ticket, kind, at, data, None))
                move.apply(ticket)
                changes.append("status")
                if saved:
                    saved[2] = move.values()
            ticket.updated_at = now
            ticket.version = (ticket.version or 0) + 1
        outcomes[i] = (ticket, created, changes and (changes, ticket.version))

    # Then the statements: one per table.
    for identity, fields in changed_identities.values():
        own = sorted(f for f in fields if f != "contact.name")
        if own:
            identity.save(update_fields=own)
        if "contact.name" in fields:
            identity.contact.save(update_fields=["name", "updated_at"])
    Ticket.objects.bulk_create(new_tickets)
    Message.objects.bulk_create(list(messages.values()))
    if parent_in_batch:
        for i, parent in parent_in_batch.items():
            messages[i].parent_id = messages[parent].pk
        Message.objects.bulk_update([messages[i] for i in parent_in_batch], ["parent"])
    for i, message in messages.items():
        _store_attachments(message, items[i].attachments)
    TicketEvent.objects.bulk_create(
        [
            history_row(
                ticket,
                kind,
                actor=actor,
                via=via,
                at=at,
                **(data if index is None else {**data, "message": messages[index].pk}),
            )
            for ticket, kind, at, data, index in history
        ]
    )
    _save_touched(touched.values(), now)

    results: list[IngestResult | None] = [None] * len(items)
    actor_id = getattr(actor, "pk", None)
    for i, (ticket, created, updated) in outcomes.items():
        if created:
            publish(
                "ticket.created",
                actor_id=actor_id,
                via=via_of(via),
                id=ticket.pk,
                team_id=ticket.team_id,
                channel_group_id=ticket.channel_group_id,
            )
        else:
            changes, version = updated
            publish_ticket_updated(ticket, actor=actor, via=via, changes=changes, version=version)
        publish("message.created", actor_id=actor_id, via=via_of(via), id=messages[i].pk, ticket_id=ticket.pk)
        results[i] = IngestResult(ticket=ticket, message=messages[i], created_ticket=created)
    for i, item in enumerate(items):
        if results[i] is None:  # a duplicate
            key = (platform_of[i], item.external_id)
            message = stored.get(key) or messages[first_of[key]]
            results[i] = IngestResult(
                ticket=message.ticket, message=message, created_ticket=False, duplicate=True
            )
    return results
