"""The planning half of the ingest of a batch: what each inbound message becomes, worked out in memory before
anything of it is written (``ingest.py`` then writes the plan, one statement per table).

``plan_batch`` reads what the batch depends on (stored duplicates, the senders' identities, the
conversations' open tickets, the messages replied to: a few queries whatever the batch's size, the rows that
will change locked in id order), then decides, message after message as if each came alone: duplicate or
not, which contact, which ticket (threaded into an open one, reopened, or a new one), the parent it answers,
the profile changes it brings and the history rows. The only writes made while planning are the contacts and
identities of people seen for the first time, whose ids the tickets need."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from parlons.tickets.inbound import InboundMessage, Sender
from parlons.tickets.models import Contact, ContactIdentity, Message, Ticket
from parlons.tickets.status import INBOUND_OPENS_NEW_TICKET, Cause, transition

# Profile fields whose change is written in the history of the ticket the message goes to (OPS-1).
NOTED_PROFILE_FIELDS = ("display_name", "handle")

Key = tuple[str, str]  # (platform, platform id)
Conversation = tuple[int, str, int]  # (channel group, conversation key, contact)


class PlannedEvent(NamedTuple):
    """A history row to write; ``message`` is the index of the item whose message id goes in its data."""

    ticket: Ticket
    kind: str
    at: datetime
    data: dict[str, Any]
    message: int | None = None


@dataclass
class Touched:
    """A ticket stored before the batch that the batch threads messages into: its version as stored (held under
    lock, so the version in memory is that plus the messages) and the status columns the batch changes."""

    ticket: Ticket
    stored_version: int
    status: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """Where one item went: its ticket, whether it opened it, and the ``ticket.updated`` it makes otherwise."""

    ticket: Ticket
    created: bool
    changes: list[str] | None = None
    version: int | None = None


@dataclass
class IngestPlan:
    """Every change a batch makes, in memory. Items whose index is not in ``messages`` are duplicates (of a
    message in ``stored``, or of the item ``first_of`` names)."""

    items: list[InboundMessage]
    platform_of: list[str]
    stored: dict[Key, Message]
    first_of: dict[Key, int]
    new_tickets: list[Ticket] = field(default_factory=list)
    touched: dict[int, Touched] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    parent_in_batch: dict[int, int] = field(default_factory=dict)  # item -> item of its parent, both new
    history: list[PlannedEvent] = field(default_factory=list)
    changed_identities: dict[int, tuple[ContactIdentity, set[str]]] = field(default_factory=dict)
    outcomes: dict[int, Outcome] = field(default_factory=dict)


@dataclass
class Known:
    """What the database holds that a batch depends on, read (and locked where it will change) by ``_read``."""

    stored: dict[Key, Message]  # messages stored before, by platform id
    first_of: dict[Key, int]  # the first item of each platform id in the batch
    fresh: list[int]  # the items to store: neither stored before nor earlier in the batch
    identities: dict[Key, ContactIdentity]  # the senders'
    new_identities: set[Key]  # the senders' identities created by ``_read``
    conversations: dict[int, Conversation]  # each fresh item's
    tickets: dict[Conversation, Ticket]  # the ticket each conversation threads into (new ones added)
    parents: dict[Key, int]  # the stored messages replied to: their ids


def plan_batch(items: list[InboundMessage], now: datetime) -> IngestPlan:
    """What ``items`` (checked by ``check_inbound``) become. Call inside the transaction that writes the plan:
    the rows read here stay locked until it ends."""
    platform_of = [item.channel_group.channel.platform for item in items]
    known = _read(items, platform_of, now)
    plan = IngestPlan(items, platform_of, known.stored, known.first_of)
    for i in known.fresh:
        _plan_item(plan, known, i, now)
    return plan


def _read(items: list[InboundMessage], platform_of: list[str], now) -> Known:
    """The batch's look-ups, a few queries whatever its size, in the order that takes the locks (identities,
    then tickets, each in id order); creates the identities of people seen for the first time."""
    stored, first_of, fresh = _duplicates(items, platform_of)
    senders: dict[Key, Sender] = {}  # a new identity is created from its first message's sender
    for i in fresh:
        senders.setdefault((platform_of[i], items[i].sender.external_id), items[i].sender)
    identities, new_identities = _identities_for(senders, now)
    conversations = {i: _conversation(items[i], platform_of[i], identities) for i in fresh}
    tickets = _open_tickets(set(conversations.values()))
    parents = {
        key: message.pk
        for key, message in _stored_messages(
            (platform_of[i], items[i].parent_external_id) for i in fresh if items[i].parent_external_id
        ).items()
    }
    return Known(stored, first_of, fresh, identities, new_identities, conversations, tickets, parents)


def _plan_item(plan: IngestPlan, known: Known, i: int, now) -> None:
    """Item ``i`` as if it came alone after the ones before it: its sender's profile, its ticket (a new one goes
    into ``known.tickets`` for the items after it), its message and parent, its history."""
    item, platform = plan.items[i], plan.platform_of[i]
    at = item.created_at or now
    sender_key = (platform, item.sender.external_id)
    identity = known.identities[sender_key]
    if sender_key in known.new_identities:  # just created from this very sender: nothing to bring up to date
        known.new_identities.discard(sender_key)
        profile_changes = {}
    else:
        profile_changes = _plan_identity(plan, identity, item.sender, now)
    conversation = known.conversations[i]
    ticket = known.tickets.get(conversation)
    created = ticket is None
    if created:
        ticket = known.tickets[conversation] = _new_ticket(item, identity.contact, conversation[1], at, now)
        plan.new_tickets.append(ticket)
        data = {"channel_group": item.channel_group.pk, "kind": item.kind}
        plan.history.append(PlannedEvent(ticket, "ticket.created", at, data))
    plan.messages[i] = _new_message(item, platform, ticket, identity.contact, known.parents, at)
    in_batch = plan.first_of.get((platform, item.parent_external_id)) if item.parent_external_id else None
    if plan.messages[i].parent_id is None and in_batch is not None and in_batch in plan.messages:
        plan.parent_in_batch[i] = in_batch
    if profile_changes:
        data = {"platform": platform, "identity": identity.pk, "changes": profile_changes}
        plan.history.append(PlannedEvent(ticket, "contact.profile_changed", now, data))
    if created:
        plan.outcomes[i] = Outcome(ticket, created=True)
    else:
        changes = _thread(plan, i, ticket, at, now)
        plan.outcomes[i] = Outcome(ticket, created=False, changes=changes, version=ticket.version)


def _thread(plan: IngestPlan, i: int, ticket: Ticket, at, now) -> list[str]:
    """Item ``i``'s message goes into a ticket that exists (stored, or opened earlier in the batch): the message
    is received, a resolved or pending ticket reopens (``status.transition``), the version moves on. Returns
    the changes of the ``ticket.updated`` it makes."""
    changes = ["messages"]
    touched = plan.touched.setdefault(ticket.pk, Touched(ticket, ticket.version)) if ticket.pk else None
    plan.history.append(PlannedEvent(ticket, "message.received", at, {}, i))
    move = transition(ticket, Cause.INBOUND, now=now)
    if move.changed:
        kind, data = move.history
        plan.history.append(PlannedEvent(ticket, kind, at, data))
        move.apply(ticket)
        changes.append("status")
        if touched:
            touched.status = move.values()
    ticket.updated_at = now
    ticket.version = (ticket.version or 0) + 1
    return changes


def _new_ticket(item: InboundMessage, contact: Contact, conversation_key: str, at, now) -> Ticket:
    group = item.channel_group
    return Ticket(
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


def _new_message(
    item: InboundMessage, platform: str, ticket: Ticket, contact: Contact, parents, at
) -> Message:
    return Message(
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


def _subject_from(body: str) -> str:
    line = (body or "").strip().splitlines()[0] if (body or "").strip() else ""
    return line[:120]


def _plan_identity(plan: IngestPlan, identity: ContactIdentity, sender: Sender, now) -> dict:
    """Bring a known identity up to date from its sender; remember what to save. Returns the noted changes."""
    changed, noted = _refresh_identity(identity, sender, now)
    if changed:
        plan.changed_identities.setdefault(identity.pk, (identity, set()))[1].update(changed)
    return noted


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


def _conversation(
    item: InboundMessage, platform: str, identities: dict[Key, ContactIdentity]
) -> Conversation:
    contact_id = identities[(platform, item.sender.external_id)].contact_id
    key = item.conversation_key or f"{platform}:{item.sender.external_id}"
    return (item.channel_group.pk, key, contact_id)


def _duplicates(items, platform_of) -> tuple[dict[Key, Message], dict[Key, int], list[int]]:
    """Messages stored before (by platform id), the first item of each platform id, and the items to store:
    those whose platform id was neither stored before nor earlier in the batch (no id: never a duplicate)."""
    stored = _stored_messages(
        (platform, item.external_id)
        for platform, item in zip(platform_of, items, strict=True)
        if item.external_id
    )
    first_of: dict[Key, int] = {}
    fresh: list[int] = []
    for i, item in enumerate(items):
        key = (platform_of[i], item.external_id)
        if item.external_id and (key in stored or key in first_of):
            continue
        if item.external_id:
            first_of[key] = i
        fresh.append(i)
    return stored, first_of, fresh


def _by_platform(pairs) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for platform, external_id in pairs:
        out.setdefault(platform, set()).add(external_id)
    return out


def _stored_messages(pairs) -> dict[Key, Message]:
    """The stored messages (with their tickets) of these (platform, platform id) pairs: one query per platform."""
    found: dict[Key, Message] = {}
    for platform, ids in _by_platform(pairs).items():
        for message in Message.objects.select_related("ticket").filter(
            platform=platform, external_id__in=ids
        ):
            found[(platform, message.external_id)] = message
    return found


def _locked_identities(pairs) -> dict[Key, ContactIdentity]:
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


def _identities_for(senders: dict[Key, Sender], now) -> tuple[dict[Key, ContactIdentity], set[Key]]:
    """The senders' identities, locked in id order (one writer per contact at a time, so two batches cannot open
    two tickets for one person), those not known yet created with their contacts. Returns ({(platform,
    external_id): identity}, the keys created here)."""
    identities = _locked_identities(senders)
    missing = [key for key in senders if key not in identities]
    if not missing:
        return identities, set()
    contacts = Contact.objects.bulk_create(
        [Contact(name=senders[key].name or senders[key].handle, email=senders[key].email) for key in missing]
    )
    ContactIdentity.objects.bulk_create(
        [
            _new_identity(contact, key, senders[key], now)
            for key, contact in zip(missing, contacts, strict=True)
        ],
        ignore_conflicts=True,  # another writer may create one at the same moment: theirs is kept
    )
    created = _locked_identities(missing)
    ours = dict(zip(missing, contacts, strict=True))
    orphans = [ours[key].pk for key, identity in created.items() if identity.contact_id != ours[key].pk]
    if orphans:
        Contact.objects.filter(pk__in=orphans).delete()
    identities.update(created)
    return identities, {key for key, identity in created.items() if identity.contact_id == ours[key].pk}


def _new_identity(contact: Contact, key: Key, sender: Sender, now) -> ContactIdentity:
    return ContactIdentity(
        contact=contact,
        platform=key[0],
        external_id=key[1],
        handle=sender.handle,
        display_name=sender.name[:255],
        profile=sender.profile,
        profile_url=sender.profile_url,
        avatar_url=sender.avatar_url,
        profile_fetched_at=now if sender.profile else None,
    )


def _open_tickets(keys: set[Conversation]) -> dict[Conversation, Ticket]:
    """The newest ticket of each (channel group, conversation, contact) that an inbound message threads into
    (not closed: ``status.INBOUND_OPENS_NEW_TICKET``), locked in id order."""
    if not keys:
        return {}
    groups, conversations, contacts = (sorted({key[i] for key in keys}) for i in range(3))
    found: dict[Conversation, Ticket] = {}
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
