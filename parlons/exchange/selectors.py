"""Reads for data exchange: the tickets of an export (in chunks, so memory stays flat), a ticket's conversation
for a document, and the catalogue (tags, teams, users, canned responses) in the shape of the import workbooks.

Everything starts from ``tickets_visible_to(user)`` and the shared ``TicketFilters`` (the inbox, the API and the
search language all filter the same way)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.dateparse import parse_datetime

from parlons.accounts.models import RoleGrant, Team, User
from parlons.accounts.permissions import EXPORT, READ, require
from parlons.tickets.models import (
    ContactIdentity,
    LineOfBusiness,
    Message,
    Note,
    Tag,
    TagGroup,
    Ticket,
    TicketTag,
)
from parlons.tickets.selectors import TicketFilters, filter_tickets, get_visible_ticket, tickets_visible_to

CHUNK = 2000
_DATE_FIELDS = ("created_from", "created_to", "updated_from", "updated_to")


# --- filters as JSON (a background export keeps them in its job row) --------------------------------
def filters_to_json(f: TicketFilters) -> dict:
    data = dataclasses.asdict(f)
    for name in _DATE_FIELDS:
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return data


def filters_from_json(data: dict) -> TicketFilters:
    names = {f.name for f in dataclasses.fields(TicketFilters)}
    values = {k: v for k, v in (data or {}).items() if k in names}
    for name in _DATE_FIELDS:
        if values.get(name):
            values[name] = parse_datetime(values[name])
    return TicketFilters(**values)


def describe_filters(f: TicketFilters) -> list[tuple[str, str]]:
    """The filters that are set, as (name, value) pairs for the Filters sheet (names are the API's)."""
    rows = []
    for fld in dataclasses.fields(TicketFilters):
        value = getattr(f, fld.name)
        if value in (None, "", [], False):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dt.datetime):
            value = value.isoformat()
        rows.append((fld.name, str(value)))
    return rows


# --- tickets ---------------------------------------------------------------------------------------
def export_queryset(user, f: TicketFilters):
    """The tickets an export holds. Needs data.export and tickets.read (checked first, so callers answer 403
    before any work); raises ``Invalid`` for a bad filter or search query."""
    require(user, EXPORT)
    require(user, READ)
    return filter_tickets(tickets_visible_to(user), f)


def count_export(user, f: TicketFilters) -> int:
    return export_queryset(user, f).count()


_TICKET_VALUES = (
    "pk",
    "subject",
    "status",
    "priority",
    "is_spam",
    "language",
    "kind",
    "channel_group__channel__platform",
    "channel_group__name",
    "contact_id",
    "contact__name",
    "assignee__username",
    "team__name",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
)


@dataclass
class ExportChunk:
    tickets: list[dict]
    tags: dict[int, list[str]] = field(default_factory=dict)
    handles: dict[int, str] = field(default_factory=dict)
    messages: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)


def export_chunks(
    user, f: TicketFilters, *, chunk_size: int = CHUNK, notes: bool = True
) -> Iterator[ExportChunk]:
    """The tickets in id order, ``chunk_size`` at a time, each chunk with its tags, messages and notes.

    Keyset pagination on the primary key (never OFFSET) and plain ``values()`` rows: a chunk is read with a
    constant number of queries and forgotten once written, so 100,000 tickets take as much memory as 2,000.
    Permissions and filters are checked at the call, before the first chunk is asked for."""
    qs = export_queryset(user, f).order_by("pk")
    return _chunks(qs, chunk_size, notes)


def _chunks(qs, chunk_size: int, notes: bool) -> Iterator[ExportChunk]:
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).values(*_TICKET_VALUES)[:chunk_size])
        if not rows:
            return
        ids = [r["pk"] for r in rows]
        last = ids[-1]
        chunk = ExportChunk(tickets=rows)
        tags = defaultdict(list)
        for ticket_id, slug in (
            TicketTag.objects.filter(ticket_id__in=ids)
            .order_by("tag__slug")
            .values_list("ticket_id", "tag__slug")
        ):
            tags[ticket_id].append(slug)
        chunk.tags = tags
        contact_ids = {r["contact_id"] for r in rows}
        for contact_id, handle in (
            ContactIdentity.objects.filter(contact_id__in=contact_ids)
            .exclude(handle="")
            .order_by("-pk")
            .values_list("contact_id", "handle")
        ):
            chunk.handles[contact_id] = handle  # the oldest identity wins (ordered newest first)
        chunk.messages = list(
            Message.objects.filter(ticket_id__in=ids)
            .order_by("ticket_id", "created_at", "id")
            .values(
                "pk",
                "ticket_id",
                "created_at",
                "direction",
                "kind",
                "platform",
                "author_contact__name",
                "author_user__username",
                "body",
                "delivery_status",
            )
        )
        if notes:
            chunk.notes = list(
                Note.objects.filter(ticket_id__in=ids)
                .order_by("ticket_id", "created_at", "id")
                .values("pk", "ticket_id", "created_at", "author__username", "body")
            )
        yield chunk
        if len(rows) < chunk_size:
            return


# --- one ticket's conversation ---------------------------------------------------------------------
@dataclass
class ConversationEntry:
    kind: str  # "message" or "note"
    at: dt.datetime
    author: str
    direction: str = ""  # "in" / "out" for messages
    message_kind: str = ""
    body: str = ""


@dataclass
class Conversation:
    ticket: Ticket
    contact: str
    handle: str
    channel: str
    channel_group: str
    entries: list[ConversationEntry]


def conversation_of(user, ticket_id, *, notes: bool = False) -> Conversation:
    """A ticket's messages (and, when asked, its internal notes) in time order. Needs tickets.read; a ticket
    the user may not see is NotFound."""
    require(user, READ)
    ticket = get_visible_ticket(user, ticket_id)
    contact = ticket.contact
    identity = contact.identities.exclude(handle="").order_by("pk").first()
    entries = []
    for m in ticket.messages.select_related("author_user", "author_contact").order_by("created_at", "id"):
        if m.direction == Message.Direction.OUT:
            author = m.author_user.display_name if m.author_user else "Parlons"
        else:
            author = str(m.author_contact or contact)
        entries.append(
            ConversationEntry(
                "message", m.created_at, author, direction=m.direction, message_kind=m.kind, body=m.body
            )
        )
    if notes:
        for n in ticket.notes.select_related("author").order_by("created_at", "id"):
            author = n.author.display_name if n.author else "Parlons"
            entries.append(ConversationEntry("note", n.created_at, author, body=n.body))
        entries.sort(key=lambda e: e.at)
    return Conversation(
        ticket=ticket,
        contact=str(contact),
        handle=identity.handle if identity else "",
        channel=ticket.channel_group.channel.get_platform_display(),
        channel_group=ticket.channel_group.name,
        entries=entries,
    )


# --- the catalogue, in the shape of the import workbooks --------------------------------------------
def catalogue_rows(kind: str) -> dict[str, list[list]]:
    """Rows (without the header) per sheet of the workbook of ``kind``: what an import of the same kind reads
    back unchanged (the round trip)."""
    if kind == "tags":
        return {
            "lines_of_business": [
                [lob.slug, lob.name_en, lob.name_fr] for lob in LineOfBusiness.objects.order_by("slug")
            ],
            "tag_groups": [
                [
                    g.slug,
                    g.name_en,
                    g.name_fr,
                    g.parent.slug if g.parent else "",
                    g.line_of_business.slug if g.line_of_business else "",
                ]
                # parents first, so an import creates a parent before its subgroups
                for g in TagGroup.objects.select_related("parent", "line_of_business").order_by(
                    "parent_id", "slug"
                )
                if g.parent_id is None
            ]
            + [
                [
                    g.slug,
                    g.name_en,
                    g.name_fr,
                    g.parent.slug,
                    g.line_of_business.slug if g.line_of_business else "",
                ]
                for g in TagGroup.objects.select_related("parent", "line_of_business")
                .filter(parent__isnull=False)
                .order_by("slug")
            ],
            "tags": [
                [
                    t.slug,
                    t.name_en,
                    t.name_fr,
                    t.group.slug if t.group else "",
                    t.line_of_business.slug if t.line_of_business else "",
                    t.is_archived,
                ]
                for t in Tag.objects.select_related("group", "line_of_business").order_by("slug")
            ],
        }
    if kind == "teams":
        return {
            "teams": [
                [t.name, t.description, t.lead.username if t.lead else "", t.is_archived]
                for t in Team.objects.select_related("lead").order_by("name")
            ]
        }
    if kind == "users":
        roles = defaultdict(list)
        for user_id, slug in RoleGrant.objects.filter(user__isnull=False).values_list(
            "user_id", "role__slug"
        ):
            roles[user_id].append(slug)
        return {
            "users": [
                [
                    u.username,
                    u.first_name,
                    u.last_name,
                    u.email,
                    u.language,
                    ", ".join(sorted(t.name for t in u.teams.all())),
                    ", ".join(sorted(roles[u.pk])),
                    u.is_active,
                ]
                for u in User.objects.prefetch_related("teams").filter(is_bot=False).order_by("username")
            ]
        }
    if kind == "canned":
        from parlons.tickets.models import CannedResponse

        return {
            "canned_responses": [
                [c.name, c.shortcut, c.body_en, c.body_fr, c.team.name if c.team else "", c.is_archived]
                for c in CannedResponse.objects.select_related("team").order_by("name", "id")
            ]
        }
    raise ValueError(kind)
