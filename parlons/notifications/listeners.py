"""Turn domain events into notifications (OPS-13): a ticket assigned to me, a client writing on my ticket,
a mention of me in a note. Events arrive after the commit; ``notify`` stores and delivers in its own commit."""

from __future__ import annotations

import re

from parlons.core.event_types import HandoffCreated, MessageCreated, NoteCreated, TicketUpdated
from parlons.core.events import DomainEvent, subscribe, subscribe_batch
from parlons.notifications.models import Kind

MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][\w.+-]*\w|[A-Za-z0-9_])")
EXCERPT = 280


def mentioned_usernames(text: str) -> list[str]:
    """``@username`` mentions in a note, in order, each once (case-insensitive)."""
    seen: dict[str, str] = {}
    for name in MENTION.findall(text or ""):
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


@subscribe(TicketUpdated, durable=True)
def on_assigned(event: DomainEvent) -> None:
    if "assignee" not in (event.data.get("changes") or []):
        return
    assignee_id = event.data.get("assignee_id")
    if not assignee_id or assignee_id == event.actor_id:
        return  # unassigned, or they took it themselves
    from parlons.notifications.services import notify
    from parlons.tickets.models import Ticket

    ticket = Ticket.objects.filter(pk=event.data.get("id")).select_related("assignee").first()
    if ticket is None or ticket.assignee_id != assignee_id:
        return  # reassigned again since
    via = event.via or ""
    notify(
        [ticket.assignee],
        Kind.TICKET_ASSIGNED,
        ticket=ticket,
        actor=_actor(event.actor_id),
        context={"via": via, "automatic": event.actor_id is None or not via or via.startswith("rule:")},
    )


@subscribe_batch(MessageCreated, durable=True)
def on_client_reply(events: list[DomainEvent]) -> None:
    """A client wrote on a ticket someone is assigned to: tell them (one query for a batch of messages)."""
    from parlons.notifications.services import notify
    from parlons.tickets.models import Message

    ids = [event.data.get("id") for event in events if event.data.get("id")]
    messages = (
        Message.objects.filter(
            pk__in=ids,
            direction=Message.Direction.IN,
            ticket__assignee__isnull=False,
            ticket__is_spam=False,
        )
        .select_related("ticket__assignee")
        .order_by("pk")
    )
    for message in messages:
        ticket = message.ticket
        notify(
            [ticket.assignee], Kind.TICKET_REPLIED, ticket=ticket, context={"excerpt": _excerpt(message.body)}
        )


@subscribe(NoteCreated, durable=True)
def on_mention(event: DomainEvent) -> None:
    """The people a note mentions, among those who may see its ticket (``notify`` keeps only them)."""
    from parlons.accounts.models import User
    from parlons.notifications.services import notify
    from parlons.tickets.models import Note

    note = Note.objects.filter(pk=event.data.get("id")).select_related("ticket", "author").first()
    if note is None:
        return
    names = mentioned_usernames(note.body)
    if not names:
        return
    lowered = {n.lower() for n in names}
    users = [
        u
        for u in User.objects.filter(is_active=True)
        .exclude(pk=note.author_id)
        .filter(username__in=_case_variants(User, names))
        if u.username.lower() in lowered
    ]
    if not users:
        return
    notify(
        users,
        Kind.NOTE_MENTION,
        ticket=note.ticket,
        actor=note.author,
        context={"excerpt": _excerpt(note.body), "note_id": note.pk},
    )


def _case_variants(User, names: list[str]) -> list[str]:
    """Usernames matching the mentions whatever their case (one query)."""
    from django.db.models.functions import Lower

    lowered = [n.lower() for n in names]
    return list(
        User.objects.annotate(lower_name=Lower("username"))
        .filter(lower_name__in=lowered)
        .values_list("username", flat=True)
    )


def _actor(actor_id):
    if not actor_id:
        return None
    from parlons.accounts.models import User

    return User.objects.filter(pk=actor_id).first()


@subscribe(HandoffCreated, durable=True)
def on_handoff(event: DomainEvent) -> None:
    """A chatbot handed a triaged conversation over (OPS-7): tell the assignee, else the members of the ticket's
    team who may see it (``notify`` keeps only them)."""
    from parlons.accounts.models import User
    from parlons.notifications.services import notify
    from parlons.tickets.models import Ticket

    ticket = (
        Ticket.objects.filter(pk=event.data.get("ticket_id"))
        .select_related("assignee", "team", "channel_group__team")
        .first()
    )
    if ticket is None:
        return
    if ticket.assignee_id:
        users = [ticket.assignee]
    else:
        team = ticket.team or ticket.channel_group.team
        users = list(User.objects.filter(teams=team, is_active=True)) if team else []
    summary = ""
    try:
        from parlons.integrations.models import Handoff

        handoff = Handoff.objects.filter(pk=event.data.get("id")).first()
        summary = handoff.summary if handoff else ""
    except ImportError:  # the integrations app is not installed
        pass
    notify(
        users,
        Kind.HANDOFF_TRIAGED,
        ticket=ticket,
        context={
            "intent": event.data.get("intent") or "",
            "confidence": event.data.get("confidence"),
            "excerpt": _excerpt(summary),
            "handoff_id": event.data.get("id"),
        },
    )
